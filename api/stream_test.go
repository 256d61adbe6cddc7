package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/postgres"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/sqlite"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// streamAuth: "admin" is a full administrator; "door" records attempts
// anywhere; "fc1" lists FailedCheckins of location 1 only; "ck" lists
// check-ins everywhere; "reader" may only read FailedCheckins one by one;
// "norole" has no role; "masked" lists both kinds and evaluates
// everywhere, and sees personal data masked.
type streamAuth struct{}

func (streamAuth) Authenticate(r *http.Request) (*fc.Caller, error) {
	switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
	case "":
		return nil, nil
	case "admin":
		return &fc.Caller{UserID: 1, Admin: true, Scope: fc.AllBusinesses()}, nil
	case "door":
		return &fc.Caller{UserID: 2, Roles: []string{fc.RoleCheckinCreate}, Scope: fc.AllBusinesses()}, nil
	case "fc1":
		return &fc.Caller{UserID: 3, Roles: []string{fc.RoleFailedCheckinList}, Scope: fc.BusinessScope(1)}, nil
	case "ck":
		return &fc.Caller{UserID: 4, Roles: []string{fc.RoleCheckinList}, Scope: fc.AllBusinesses()}, nil
	case "reader":
		return &fc.Caller{UserID: 5, Roles: []string{fc.RoleFailedCheckinRead}, Scope: fc.AllBusinesses()}, nil
	case "norole":
		return &fc.Caller{UserID: 6, Scope: fc.AllBusinesses()}, nil
	case "masked":
		return &fc.Caller{UserID: 7, Roles: []string{fc.RoleFailedCheckinList, fc.RoleCheckinList, fc.RoleCheckinEvaluate}, Scope: fc.AllBusinesses(),
			MaskPersonalData: true}, nil
	}
	return nil, fc.Errorf(fc.ErrUnauthorized, "unknown token")
}

// streamStore is what the stream tests need of a store.
type streamStore interface {
	storetest.CheckinBackend
	fc.RecordTailStore
	SetNow(func() time.Time)
	Close() error
}

// openSharedStores opens n handles on one new database of the store
// FAILEDCHECKINS_TEST_DB selects: on PostgreSQL n pools on one database
// (n servers), on SQLite n handles on one file (n processes). The first
// is migrated and holds storetest.CheckinDirectory.
func openSharedStores(t testing.TB, n int) []streamStore {
	t.Helper()
	ctx := context.Background()
	sel := os.Getenv(teststore.EnvVar)
	var out []streamStore
	if strings.HasPrefix(sel, "postgres://") || strings.HasPrefix(sel, "postgresql://") {
		url := pgtest.NewDatabaseAt(t, sel)
		for range n {
			db, err := postgres.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			out = append(out, db)
		}
	} else {
		path := filepath.Join(t.TempDir(), "shared.db")
		for range n {
			db, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			out = append(out, db)
		}
	}
	if err := out[0].(interface{ Migrate(context.Context) error }).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, out[0])
	for _, db := range out {
		db.SetNow(func() time.Time { return checkinNow })
	}
	return out
}

// streamServer is one API server over db, served on a real listener (a
// stream needs one), with check-ins through a group-commit queue.
type streamServer struct {
	srv   *Server
	ts    *httptest.Server
	queue *groupcommit.Queue // the check-ins' group commit
}

func newStreamServer(t testing.TB, db streamStore, opts StreamOptions) *streamServer {
	t.Helper()
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	s := New(Config{Store: db, Authenticator: streamAuth{}, Streams: opts, Checkins: &CheckinConfig{
		Store: db, Directory: db, Attempts: q, Now: func() time.Time { return checkinNow }}})
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.Config.RegisterOnShutdown(s.CloseStreams)
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(s.CloseStreams) // before ts.Close, which waits for every request
	return &streamServer{srv: s, ts: ts, queue: q}
}

// Attempts of the test directory: a refusal at location 1
// (UnknownCoworker), one at location 2 (LocationNotAllowed: Ben's plan is
// London only), an acceptance at location 1 (Ben).
const (
	refuseAt1 = `{"BusinessId": 1, "Source": 2, "CoworkerId": 99, "FromTime": "2026-07-01T09:30:00Z"}`
	refuseAt2 = `{"BusinessId": 2, "Source": 2, "CoworkerId": 11, "FromTime": "2026-07-01T09:30:00Z"}`
	acceptAt1 = `{"BusinessId": 1, "Source": 2, "CoworkerId": 11, "FromTime": "2026-07-01T09:30:00Z"}`
)

// post records one attempt through the API and returns the Id of the
// record it wrote.
func (s *streamServer) post(t testing.TB, body string) int64 {
	t.Helper()
	req, _ := http.NewRequest("POST", s.ts.URL+"/api/spaces/checkins", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer door")
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer resp.Body.Close()
	var out struct {
		Value struct{ Id, FailedCheckinId int64 }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Errorf("POST %s = %d, %v", body, resp.StatusCode, err)
	}
	return max(out.Value.Id, out.Value.FailedCheckinId)
}

// get answers a GET of the API with the admin's token: status and body.
func (s *streamServer) get(t testing.TB, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer admin")
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// sseEvent is one event as a client reads it.
type sseEvent struct {
	id          int64
	event, data string
}

// sseClient reads one stream in the background.
type sseClient struct {
	resp     *http.Response
	events   chan sseEvent
	comments chan string
	retry    chan string
	done     chan struct{} // closed at the end of the body
	cancel   context.CancelFunc
}

// openStream opens a stream; a status other than 200 comes back with its
// body read and no reader.
func openStream(t testing.TB, base, path, token string, header ...string) (*sseClient, int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode, string(b)
	}
	c := &sseClient{resp: resp, events: make(chan sseEvent, 100000), comments: make(chan string, 1000),
		retry: make(chan string, 10), done: make(chan struct{}), cancel: cancel}
	t.Cleanup(c.close)
	go c.read()
	return c, 200, ""
}

func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
}

func (c *sseClient) read() {
	defer close(c.done)
	sc := bufio.NewScanner(c.resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.event != "" {
				c.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ": "):
			select {
			case c.comments <- line[2:]:
			default:
			}
		case strings.HasPrefix(line, "id: "):
			ev.id, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		case strings.HasPrefix(line, "retry: "):
			c.retry <- line[7:]
		}
	}
}

// next returns the next event, failing the test after timeout.
func (c *sseClient) next(t testing.TB, timeout time.Duration) sseEvent {
	t.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-time.After(timeout):
		t.Fatalf("no event within %v", timeout)
	}
	return sseEvent{}
}

// until reads events until one has Id last; it fails after timeout.
func (c *sseClient) until(t testing.TB, last int64, timeout time.Duration) []sseEvent {
	t.Helper()
	var out []sseEvent
	deadline := time.After(timeout)
	for {
		select {
		case ev := <-c.events:
			out = append(out, ev)
			if ev.id >= last {
				return out
			}
		case <-c.done:
			t.Fatalf("the stream ended after %d events, before Id %d", len(out), last)
		case <-deadline:
			t.Fatalf("Id %d did not arrive within %v (%d events)", last, timeout, len(out))
		}
	}
}

// quiet fails the test if an event arrives within d.
func (c *sseClient) quiet(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case ev := <-c.events:
		t.Errorf("unexpected event %+v", ev)
	case <-time.After(d):
	}
}

// searchIDs returns the Ids a search selects, in Id order.
func searchIDs(t testing.TB, s *streamServer, path, query string) []int64 {
	t.Helper()
	code, body := s.get(t, path+"?orderBy=Id&dir=asc&size=1000&"+query)
	var page struct{ Records []struct{ Id int64 } }
	if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil {
		t.Fatalf("search = %d %s", code, body)
	}
	var ids []int64
	for _, r := range page.Records {
		ids = append(ids, r.Id)
	}
	return ids
}

func eventIDs(evs []sseEvent) []int64 {
	var ids []int64
	for _, ev := range evs {
		ids = append(ids, ev.id)
	}
	return ids
}

// TestStreamResumeDuringBurst: eight goroutines post attempts through the
// API while a stream reads; it is cut in the middle of the burst and
// resumed with Last-Event-ID. The two together carry every FailedCheckin
// exactly once, in Id order (as a search sorted by Id lists them), each
// event's data exactly what get-one answers, and the check-in stream
// carries every check-in. The stream starts with retry: 3000.
func TestStreamResumeDuringBurst(t *testing.T) {
	s := newStreamServer(t, openSharedStores(t, 1)[0], StreamOptions{})
	first, code, body := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin")
	if code != 200 {
		t.Fatalf("open = %d %s", code, body)
	}
	if got := <-first.retry; got != "3000" {
		t.Errorf("retry = %s; want 3000", got)
	}
	checkins, code, body := openStream(t, s.ts.URL, "/api/spaces/checkins/stream", "ck")
	if code != 200 {
		t.Fatalf("open the check-in stream = %d %s", code, body)
	}
	const writers, each = 8, 30
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				s.post(t, []string{refuseAt1, refuseAt2, acceptAt1}[(w+i)%3])
			}
		})
	}
	var got []sseEvent
	for len(got) < 40 { // well into the burst
		got = append(got, first.next(t, 10*time.Second))
	}
	first.close()
	resumed, code, body := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin",
		"Last-Event-ID", strconv.FormatInt(got[len(got)-1].id, 10))
	if code != 200 {
		t.Fatalf("resume = %d %s", code, body)
	}
	wg.Wait()
	want := searchIDs(t, s, "/api/spaces/failedcheckins", "")
	if len(want) != writers*each*2/3 {
		t.Fatalf("search found %d FailedCheckins; want %d", len(want), writers*each*2/3)
	}
	got = append(got, resumed.until(t, want[len(want)-1], 10*time.Second)...)
	if ids := eventIDs(got); !slices.Equal(ids, want) {
		t.Fatalf("the streams carried %v\nwant (search) %v", ids, want)
	}
	resumed.quiet(t, 300*time.Millisecond)
	for _, ev := range got {
		code, one := s.get(t, "/api/spaces/failedcheckins/"+strconv.FormatInt(ev.id, 10))
		if ev.event != "FailedCheckin" || code != 200 || ev.data+"\n" != one {
			t.Fatalf("event %d = %s %s\nwant get-one's %s", ev.id, ev.event, ev.data, one)
		}
	}
	wantCheckins := searchIDs(t, s, "/api/spaces/checkins", "")
	gotCheckins := checkins.until(t, wantCheckins[len(wantCheckins)-1], 10*time.Second)
	if ids := eventIDs(gotCheckins); !slices.Equal(ids, wantCheckins) {
		t.Errorf("the check-in stream carried %v; want %v", ids, wantCheckins)
	}
	code, one := s.get(t, "/api/spaces/checkins/"+strconv.FormatInt(gotCheckins[0].id, 10))
	if gotCheckins[0].event != "Checkin" || code != 200 || gotCheckins[0].data+"\n" != one {
		t.Errorf("check-in event = %s %s; want get-one's %s", gotCheckins[0].event, gotCheckins[0].data, one)
	}
}

// TestStreamReplay: ?after=N and Last-Event-ID replay every matching
// record past N, in spans (Span 2 here), then continue live; by default a
// stream carries only records written after it opened.
func TestStreamReplay(t *testing.T) {
	s := newStreamServer(t, openSharedStores(t, 1)[0], StreamOptions{Span: 2})
	var ids []int64
	for range 5 {
		ids = append(ids, s.post(t, refuseAt1))
	}
	fresh, _, _ := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin")
	after, _, _ := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream?after="+strconv.FormatInt(ids[0], 10), "admin")
	header, _, _ := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream?after=1", "admin", "Last-Event-ID", strconv.FormatInt(ids[2], 10))
	<-fresh.retry // open before the next record
	next := s.post(t, refuseAt1)
	if got := eventIDs(fresh.until(t, next, 5*time.Second)); !slices.Equal(got, []int64{next}) {
		t.Errorf("a fresh stream carried %v; want only %d", got, next)
	}
	if got := eventIDs(after.until(t, next, 5*time.Second)); !slices.Equal(got, append(ids[1:], next)) {
		t.Errorf("?after=%d carried %v; want %v", ids[0], got, append(ids[1:], next))
	}
	if got := eventIDs(header.until(t, next, 5*time.Second)); !slices.Equal(got, append(ids[3:], next)) {
		t.Errorf("Last-Event-ID %d (beside after=1) carried %v; want %v", ids[2], got, append(ids[3:], next))
	}
}

// TestStreamFiltersScopeAndRoles: a stream carries only what its filter
// selects, a user bound to location 1 never gets another location's
// record, roles are enforced (401, 403), paging and sorting are a 400, and
// a bad filter is the same 400 as search's.
func TestStreamFiltersScopeAndRoles(t *testing.T) {
	s := newStreamServer(t, openSharedStores(t, 1)[0], StreamOptions{})
	filtered, _, _ := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream?FailedCheckin_Reason=LocationNotAllowed", "admin")
	scoped, _, _ := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "fc1")
	scopedAt2, _, _ := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream?FailedCheckin_Business=2", "fc1")
	<-filtered.retry
	<-scoped.retry
	<-scopedAt2.retry
	var at1, at2 []int64
	for i := range 6 {
		if i%2 == 0 {
			at1 = append(at1, s.post(t, refuseAt1))
		} else {
			at2 = append(at2, s.post(t, refuseAt2))
		}
	}
	last := s.post(t, refuseAt2)
	at2 = append(at2, last)
	if got := eventIDs(filtered.until(t, last, 5*time.Second)); !slices.Equal(got, at2) {
		t.Errorf("FailedCheckin_Reason=LocationNotAllowed carried %v; want %v", got, at2)
	}
	sentinel := s.post(t, refuseAt1)
	evs := scoped.until(t, sentinel, 5*time.Second)
	if got := eventIDs(evs); !slices.Equal(got, append(at1, sentinel)) {
		t.Errorf("the stream of a user of location 1 carried %v; want %v", got, append(at1, sentinel))
	}
	for _, ev := range evs {
		if !strings.Contains(ev.data, `"BusinessId":1,`) {
			t.Errorf("scoped event %s", ev.data)
		}
	}
	scopedAt2.quiet(t, 500*time.Millisecond) // location 2 is outside the user's scope

	for _, tt := range []struct {
		path, token string
		status      int
		want        string
	}{
		{"/api/spaces/failedcheckins/stream", "", 401, `"Message":"Authentication is required."`},
		{"/api/spaces/failedcheckins/stream", "bad", 401, `"Message":"The credentials are not valid."`},
		{"/api/spaces/failedcheckins/stream", "reader", 403, `"Message":"The FailedCheckin-List role is required."`},
		{"/api/spaces/failedcheckins/stream", "norole", 403, `FailedCheckin-List`},
		{"/api/spaces/failedcheckins/stream", "ck", 403, `FailedCheckin-List`},
		{"/api/spaces/checkins/stream", "fc1", 403, `"Message":"The Checkin-List role is required."`},
		{"/api/spaces/failedcheckins/stream?page=2&Size=10&orderBy=Id&DIR=asc", "admin", 400,
			`"Errors":[{"PropertyName":"page","Message":"is not accepted here: a stream sends every matching record, in Id order","AttemptedValue":"2"},` +
				`{"PropertyName":"Size",`},
		{"/api/spaces/failedcheckins/stream?orderBy=Id", "admin", 400, `"PropertyName":"orderBy"`},
		{"/api/spaces/failedcheckins/stream?DIR=asc", "admin", 400, `"PropertyName":"DIR"`},
		{"/api/spaces/checkins/stream?size=5", "ck", 400, `"PropertyName":"size"`},
		{"/api/spaces/failedcheckins/stream?after=-1", "admin", 400, `"PropertyName":"after"`},
		{"/api/spaces/failedcheckins/stream?after=x&after=y", "admin", 400, `"PropertyName":"after"`},
	} {
		_, code, body := openStream(t, s.ts.URL, tt.path, tt.token)
		if code != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s (%s) = %d %s; want %d with %s", tt.path, tt.token, code, body, tt.status, tt.want)
		}
	}
	_, code, body := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin", "Last-Event-ID", "abc")
	if code != 400 || !strings.Contains(body, `"PropertyName":"Last-Event-ID"`) {
		t.Errorf("Last-Event-ID: abc = %d %s; want a 400 naming it", code, body)
	}
	for _, bad := range []string{"FailedCheckin_Source=Teleport", "FailedCheckin_Nope=1", "from_FailedCheckin_CreatedOn=2026-13-01",
		"FailedCheckin_Reason=a%00b", "FailedCheckin_Business=1&failedcheckin_business=2"} {
		_, code, body := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream?"+bad, "admin")
		wantCode, want := s.get(t, "/api/spaces/failedcheckins?"+bad)
		if code != 400 || wantCode != 400 || body != want {
			t.Errorf("stream ?%s = %d %s\nwant search's %d %s", bad, code, body, wantCode, want)
		}
	}
	// The answers that end at once, held to openapi.json (do validates).
	h := s.srv.Handler()
	for _, tt := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/api/spaces/failedcheckins/stream", "", 401},
		{"GET", "/api/spaces/checkins/stream", "fc1", 403},
		{"GET", "/api/spaces/failedcheckins/stream?size=3&FailedCheckin_Source=x", "admin", 400},
		{"HEAD", "/api/spaces/failedcheckins/stream", "admin", 200},
		{"HEAD", "/api/spaces/checkins/stream?after=3", "ck", 200},
		{"POST", "/api/spaces/failedcheckins/stream", "admin", 405},
		{"DELETE", "/api/spaces/checkins/stream", "admin", 405},
	} {
		if w := do(t, h, tt.method, tt.path, tt.token); w.Code != tt.status ||
			(tt.status == 200 && w.Header().Get("Content-Type") != "text/event-stream; charset=utf-8") {
			t.Errorf("%s %s = %d %v %s; want %d", tt.method, tt.path, w.Code, w.Header(), w.Body, tt.status)
		}
	}
	_, code, body = openStream(t, s.ts.URL, "/api/spaces/checkins/stream?Checkin_Source=Teleport", "ck")
	if wantCode, want := s.get(t, "/api/spaces/checkins?Checkin_Source=Teleport"); code != 400 || body != want {
		t.Errorf("check-in stream with a bad filter = %d %s; want search's %d %s", code, body, wantCode, want)
	}
}

// TestStreamFromAnotherServer: records written through another server on
// the same database (another pool on PostgreSQL; another handle on the
// SQLite file, as another process would) reach this server's stream,
// which learns of them only by polling.
func TestStreamFromAnotherServer(t *testing.T) {
	dbs := openSharedStores(t, 2)
	reader := newStreamServer(t, dbs[0], StreamOptions{Poll: 20 * time.Millisecond})
	writer := newStreamServer(t, dbs[1], StreamOptions{})
	c, code, body := openStream(t, reader.ts.URL, "/api/spaces/failedcheckins/stream?FailedCheckin_Business=2", "admin")
	if code != 200 {
		t.Fatalf("open = %d %s", code, body)
	}
	<-c.retry
	var want []int64
	for i := range 10 {
		id := writer.post(t, []string{refuseAt1, refuseAt2}[i%2])
		if i%2 == 1 {
			want = append(want, id)
		}
	}
	if got := eventIDs(c.until(t, want[len(want)-1], 5*time.Second)); !slices.Equal(got, want) {
		t.Errorf("the stream on the other server carried %v; want %v", got, want)
	}
}

// streamsOpen reads the failedcheckins_streams_open gauge.
func streamsOpen(t testing.TB, s *Server) float64 {
	t.Helper()
	mfs, err := s.Metrics().Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "failedcheckins_streams_open" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no failedcheckins_streams_open")
	return 0
}

// waitGauge waits until the gauge reads want.
func waitGauge(t testing.TB, s *Server, want float64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for streamsOpen(t, s) != want {
		if time.Now().After(deadline) {
			t.Fatalf("failedcheckins_streams_open = %v after %v; want %v", streamsOpen(t, s), timeout, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStreamLimitPerUser: the 11th stream of one user is a 429 in the
// error shape of the API, other users are not affected, and closing a
// stream frees its place; the gauge counts the open streams.
func TestStreamLimitPerUser(t *testing.T) {
	s := newStreamServer(t, openSharedStores(t, 1)[0], StreamOptions{})
	var open []*sseClient
	for i := range DefaultStreamsPerUser {
		c, code, body := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin")
		if code != 200 {
			t.Fatalf("stream %d = %d %s", i+1, code, body)
		}
		open = append(open, c)
	}
	waitGauge(t, s.srv, DefaultStreamsPerUser, 5*time.Second)
	// Through the handler, validated against openapi.json; a stream that
	// (wrongly) opens ends with the request's context.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "/api/spaces/checkins/stream", nil)
	r.Header.Set("Authorization", "Bearer admin")
	w := serveChecked(t, s.srv.Handler(), r)
	code, body := w.Code, w.Body.String()
	if code != 429 || !strings.Contains(body, `"Status":429,"Message":"At most 10 live streams may be open per user on one server; close one first.`) ||
		!strings.Contains(body, `"WasSuccessful":false,"Errors":[]`) {
		t.Errorf("the 11th stream = %d %s; want a 429", code, body)
	}
	if _, code, body := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "fc1"); code != 200 {
		t.Errorf("another user's stream = %d %s; want 200", code, body)
	}
	open[0].close()
	waitGauge(t, s.srv, DefaultStreamsPerUser, 5*time.Second) // 9 of admin's and fc1's
	if _, code, body := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin"); code != 200 {
		t.Errorf("a stream after one closed = %d %s; want 200", code, body)
	}
	waitGauge(t, s.srv, DefaultStreamsPerUser+1, 5*time.Second)
}

// TestStreamTooFarBehind: a live stream that has to send more than
// MaxBehind records in a row without catching up is told so and
// disconnected; resumed with Last-Event-ID it loses nothing.
func TestStreamTooFarBehind(t *testing.T) {
	dbs := openSharedStores(t, 1)
	s := newStreamServer(t, dbs[0], StreamOptions{MaxBehind: 5, Span: 2, Poll: 20 * time.Millisecond})
	c, _, _ := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin")
	<-c.retry
	// One batch of 20 refusals, written past the API (no wake-up): the
	// stream finds them all at once on its next poll.
	batch := make([]*fc.Attempt, 20)
	for i := range batch {
		batch[i] = &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, CoworkerID: ptr(int64(99)), FromTime: checkinNow.Add(-time.Hour)}
	}
	res, err := dbs[0].RecordAttempts(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	var got []sseEvent
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream was not disconnected")
	}
	for len(c.events) > 0 {
		got = append(got, <-c.events)
	}
	if len(got) < 6 || len(got) > 8 {
		t.Errorf("the stream sent %d events before it was cut; want 6 to 8 (MaxBehind 5, spans of 2)", len(got))
	}
	var comment string
	for len(c.comments) > 0 {
		comment = <-c.comments
	}
	if comment != "more than 5 records behind: reconnect with Last-Event-ID" {
		t.Errorf("last comment = %q", comment)
	}
	resumed, _, _ := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin", "Last-Event-ID", strconv.FormatInt(got[len(got)-1].id, 10))
	last := res[len(res)-1].Outcome.ID
	got = append(got, resumed.until(t, last, 5*time.Second)...)
	want := make([]int64, 0, len(res))
	for _, r := range res {
		want = append(want, r.Outcome.ID)
	}
	if ids := eventIDs(got); !slices.Equal(ids, want) {
		t.Errorf("cut and resumed, the streams carried %v; want %v", ids, want)
	}
}

// TestStreamStuckClient: a client that stops reading holds its stream
// only until a write times out (WriteTimeout); then the stream ends and
// its place is free.
func TestStreamStuckClient(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 20,000 records")
	}
	dbs := openSharedStores(t, 1)
	recs := make([]*fc.FailedCheckin, 20000)
	for i := range recs {
		at := checkinNow.Add(-time.Duration(i) * time.Second)
		recs[i] = &fc.FailedCheckin{CoworkerFullName: "Stuck Reader", BusinessID: 1, BusinessName: "London", CheckinAttemptTime: at,
			CheckinAttemptTimeLocal: at, Source: fc.SourceDoorAccess, Description: strings.Repeat("x", 400), Reason: ptr("UnknownCoworker")}
	}
	if _, err := dbs[0].CreateFailedCheckins(context.Background(), seq(recs)); err != nil {
		t.Fatal(err)
	}
	s := newStreamServer(t, dbs[0], StreamOptions{WriteTimeout: 200 * time.Millisecond})
	// A raw connection that sends the request and never reads.
	req, _ := http.NewRequest("GET", s.ts.URL+"/api/spaces/failedcheckins/stream?after=0", nil)
	req.Header.Set("Authorization", "Bearer admin")
	conn, err := net.Dial("tcp", s.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	waitGauge(t, s.srv, 1, 5*time.Second)
	waitGauge(t, s.srv, 0, 10*time.Second) // the write deadline ended it
}

// TestStreamOutlivesServerTimeouts: the http.Server's ReadTimeout and
// WriteTimeout (NewHTTPServer's, shortened here) do not end a stream.
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	db := openSharedStores(t, 1)[0]
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	srv := New(Config{Store: db, Authenticator: streamAuth{}, Checkins: &CheckinConfig{
		Store: db, Directory: db, Attempts: q, Now: func() time.Time { return checkinNow }}})
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config = NewHTTPServer("", srv.Handler())
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(srv.CloseStreams)
	// The attempt goes through a second listener of the same handler,
	// without the short timeouts: they are there for the stream, and a
	// check-in on a loaded machine can take longer than 300 ms (it once
	// got EOF on PostgreSQL under load).
	posts := httptest.NewServer(srv.Handler())
	t.Cleanup(posts.Close)
	s := &streamServer{srv: srv, ts: posts}
	c, code, body := openStream(t, ts.URL, "/api/spaces/failedcheckins/stream", "admin")
	if code != 200 {
		t.Fatalf("open = %d %s", code, body)
	}
	<-c.retry
	time.Sleep(time.Second)
	id := s.post(t, refuseAt1)
	if ev := c.next(t, 5*time.Second); ev.id != id {
		t.Errorf("event %d; want %d", ev.id, id)
	}
}

// TestStreamEndsOnShutdown: http.Server.Shutdown with CloseStreams
// registered (as serve does) ends open streams at once instead of waiting
// for them until its deadline, and a stream opened after is refused.
func TestStreamEndsOnShutdown(t *testing.T) {
	s := newStreamServer(t, openSharedStores(t, 1)[0], StreamOptions{})
	var cs []*sseClient
	for _, path := range []string{"/api/spaces/failedcheckins/stream", "/api/spaces/checkins/stream"} {
		c, code, body := openStream(t, s.ts.URL, path, "admin")
		if code != 200 {
			t.Fatalf("open %s = %d %s", path, code, body)
		}
		<-c.retry
		cs = append(cs, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.ts.Config.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v after %v; want nil", err, time.Since(start))
	}
	for _, c := range cs {
		select {
		case <-c.done:
		case <-time.After(time.Second):
			t.Error("a stream is still open after Shutdown")
		}
	}
	if n := streamsOpen(t, s.srv); n != 0 {
		t.Errorf("failedcheckins_streams_open = %v after Shutdown; want 0", n)
	}
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/api/spaces/failedcheckins/stream", nil)
	r.Header.Set("Authorization", "Bearer admin")
	s.srv.Handler().ServeHTTP(rec, r)
	if rec.Code != 503 {
		t.Errorf("a stream opened after shutdown = %d %s; want 503", rec.Code, rec.Body)
	}
}

// TestStreamIDsVisibleInOrder is the pipeline's promise the streams rest
// on: while writers on two servers (two pools on one PostgreSQL database,
// two handles on one SQLite file) record attempts concurrently, a reader
// that repeatedly asks for "Id > the largest it has seen" never misses a
// record: no Id ever commits after a larger one became visible. It holds
// because RecordAttempts gives Ids one past the largest under the
// records' write lock, held until commit (sqlstore/attempt.go).
func TestStreamIDsVisibleInOrder(t *testing.T) {
	dbs := openSharedStores(t, 2)
	ctx := context.Background()
	stop := make(chan struct{})
	var seen []int64
	readerDone := make(chan error, 1)
	go func() {
		cursor := int64(0)
		for {
			select {
			case <-stop:
				readerDone <- nil
				return
			default:
			}
			recs, err := dbs[1].FailedCheckinsAfter(ctx, fc.Query{Scope: fc.AllBusinesses()}, cursor, 1000)
			if err != nil {
				readerDone <- err
				return
			}
			for _, r := range recs {
				seen = append(seen, r.ID)
				cursor = r.ID
			}
		}
	}()
	// Writers on both PostgreSQL pools; on SQLite one process writes
	// (another one's write would be a 503 at once: sqlite's writerLock).
	writers := dbs
	if _, ok := dbs[0].(*sqlite.DB); ok {
		writers = dbs[:1]
	}
	var wg sync.WaitGroup
	for w := range 8 {
		q := groupcommit.New(writers[w%len(writers)], groupcommit.Options{})
		defer q.Close()
		wg.Go(func() {
			for range 40 {
				a := &fc.Attempt{BusinessID: 1 + int64(w%2), Source: fc.SourceDoorAccess, CoworkerID: ptr(int64(99)), FromTime: checkinNow.Add(-time.Hour)}
				if _, err := q.Submit(ctx, a); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	// One more read after the last commit, then stop.
	time.Sleep(50 * time.Millisecond)
	close(stop)
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	all, err := dbs[len(dbs)-1].FailedCheckinsAfter(ctx, fc.Query{Scope: fc.AllBusinesses()}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	tail, err := dbs[0].FailedCheckinsAfter(ctx, fc.Query{Scope: fc.AllBusinesses()}, max(0, lastOf(seen)), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tail {
		seen = append(seen, r.ID)
	}
	var want []int64
	for _, r := range all {
		want = append(want, r.ID)
	}
	if len(want) != 320 || !slices.Equal(seen, want) {
		t.Errorf("the reader saw %d records, %v\nwant the %d stored, %v", len(seen), seen, len(want), want)
	}
}

func lastOf(ids []int64) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[len(ids)-1]
}
