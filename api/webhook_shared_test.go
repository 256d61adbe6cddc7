package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// countingReceiver answers 200 to every delivery and counts them by
// webhook-id and by record Id.
type countingReceiver struct {
	mu       sync.Mutex
	byEvent  map[string]int
	byRecord map[int64]int
}

func (rc *countingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var recs []struct{ Id int64 }
	_ = json.Unmarshal(body, &recs)
	rc.mu.Lock()
	rc.byEvent[r.Header.Get("webhook-id")]++
	for _, rec := range recs {
		rc.byRecord[rec.Id]++
	}
	rc.mu.Unlock()
}

// has reports whether every id was delivered.
func (rc *countingReceiver) has(ids []int64) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, id := range ids {
		if rc.byRecord[id] == 0 {
			return false
		}
	}
	return true
}

// countingTransport counts the requests it passes on.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestWebhookTwoServersOneDatabase: two servers share one database (on
// PostgreSQL two pools on one database, each with its own dispatcher, as
// two serve processes run; on SQLite two handles on one file), attempts
// go to both, and one receiver gets every refusal exactly once: the
// claims' leases let each delivery be made by one server only, in a run
// without faults.
func TestWebhookTwoServersOneDatabase(t *testing.T) {
	dbs := openSharedStores(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	t.Cleanup(func() { cancel(); running.Wait() })
	var handlers []http.Handler
	var sent [2]atomic.Int64 // the requests each server's dispatcher made
	for i, s := range dbs {
		db, srv := sharedHookServer(t, s)
		d := webhook.New(webhook.Config{Store: db, Render: srv.RenderDelivery, RenderAll: srv.RenderDeliveries, AllowPrivate: true, Poll: 50 * time.Millisecond,
			Transport: countingTransport{webhook.NewTransport(true), &sent[i]}})
		db.OnWebhookDeliveries(d.Wake)
		running.Go(func() { d.Run(ctx) })
		handlers = append(handlers, srv.Handler())

	}
	rc := &countingReceiver{byEvent: map[string]int{}, byRecord: map[int64]int{}}
	receiver := httptest.NewServer(rc)
	t.Cleanup(receiver.Close)
	if w := send(t, handlers[0], "POST", "/api/sys/webhooks", "admin",
		fmt.Sprintf(`{"Name": "shared", "Action": 63, "URL": %q}`, receiver.URL)); w.Code != 200 {
		t.Fatalf("create webhook = %d %s", w.Code, w.Body)
	}

	const clients, each = 8, 40
	var mu sync.Mutex
	var refused []int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				h := handlers[(c+i)%2]
				body := fmt.Sprintf(`{"BusinessId": %d, "Source": 2, "CoworkerId": 999}`, 1+i%2)
				r := httptest.NewRequest("POST", "/api/spaces/checkins", strings.NewReader(body))
				r.Header.Set("Authorization", "Bearer door")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				var out struct {
					Value struct{ FailedCheckinID int64 }
				}
				if err := json.Unmarshal(w.Body.Bytes(), &out); w.Code != 200 || err != nil || out.Value.FailedCheckinID == 0 {
					t.Errorf("attempt = %d %s", w.Code, w.Body)
					return
				}
				mu.Lock()
				refused = append(refused, out.Value.FailedCheckinID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for !rc.has(refused) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // ten polls of each dispatcher: time for a second delivery to show
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, id := range refused {
		if n := rc.byRecord[id]; n != 1 {
			t.Errorf("record %d delivered %d times; want exactly once", id, n)
		}
	}
	for ev, n := range rc.byEvent {
		if n != 1 {
			t.Errorf("webhook-id %s delivered %d times; want exactly once", ev, n)
		}
	}
	if len(rc.byRecord) != len(refused) {
		t.Errorf("%d records delivered; want the %d refusals", len(rc.byRecord), len(refused))
	}
	pending, err := dbs[0].(interface {
		PendingDeliveries(context.Context) (int64, error)
	}).PendingDeliveries(context.Background())
	if err != nil || pending != 0 {
		t.Errorf("PendingDeliveries = %d, %v; want none left", pending, err)
	}
	t.Logf("%d refusals; sent by each server: %d, %d", len(refused), sent[0].Load(), sent[1].Load())
}

// TestWebhookBehindTwoServers: two servers on one database, both with
// saturated check-ins, judge "behind" alike, from the store: once a
// refusal one of them queued has waited Config.Behind both defer; once
// the other has sent it, the first sends its next refusal at once (the
// work the other server sent does not keep it deferring, as a count of
// its own queued deliveries did). On SQLite two handles on one file.
// The stores' clocks and the dispatchers' are the test's.
func TestWebhookBehindTwoServers(t *testing.T) {
	dbs := openSharedStores(t, 2)
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	advance := func(d time.Duration) { offset.Add(int64(d)) }
	var handlers []http.Handler
	var disps []*webhook.Dispatcher
	var busy [2]atomic.Bool
	for i, s := range dbs {
		s.SetNow(clock)
		db, srv := sharedHookServer(t, s)
		busy[i].Store(true)
		disps = append(disps, webhook.New(webhook.Config{Store: db, Render: srv.RenderDelivery, AllowPrivate: true, Now: clock,
			Jitter: func() float64 { return 0.5 }, Busy: busy[i].Load, Defer: 5 * time.Minute, Behind: time.Minute}))
		handlers = append(handlers, srv.Handler())
	}
	srv, received := tallyReceiver(t)
	if w := send(t, handlers[0], "POST", "/api/sys/webhooks", "admin", fmt.Sprintf(`{"Name": "shared", "Action": 63, "URL": %q}`, srv.URL)); w.Code != 200 {
		t.Fatalf("create webhook = %d %s", w.Code, w.Body)
	}
	refuse := func() {
		t.Helper()
		if w := send(t, handlers[0], "POST", "/api/spaces/checkins", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 999}`); w.Code != 200 ||
			!strings.Contains(w.Body.String(), `"FailedCheckinId"`) {
			t.Fatalf("refusal = %d %s", w.Code, w.Body)
		}
	}
	run := func(i int) int {
		t.Helper()
		n, err := disps[i].RunOnce(context.Background())
		if err != nil {
			t.Fatalf("server %d: RunOnce: %v", i, err)
		}
		return n
	}
	for range 3 {
		refuse()
	}
	advance(90 * time.Second)
	for i := range 2 {
		if n := run(i); n != 0 {
			t.Fatalf("server %d: attempts while busy, refusals queued 90 s ago (Behind 1 min) = %d; want 0: behind", i, n)
		}
	}
	busy[1].Store(false)
	if n := run(1); n != 3 {
		t.Fatalf("server 1, not busy: attempts = %d; want the 3 refusals server 0 queued", n)
	}
	busy[1].Store(true)
	advance(webhook.BehindCheck) // the last answer read is used this long
	refuse()
	if n := run(0); n != 1 || received.Load() != 4 {
		t.Fatalf("server 0, busy, after server 1 sent its queue: attempts = %d (received %d); want 1 at once", n, received.Load())
	}
}

// sharedHookServer is one server of a test's shared database: its store
// with webhooks, and an API server taking check-ins (group committed) and
// webhooks that may reach private addresses (the tests' receivers).
func sharedHookServer(t *testing.T, s streamStore) (hookBackend, *Server) {
	t.Helper()
	db, ok := s.(hookBackend)
	if !ok {
		t.Fatalf("store %T has no webhooks", s)
	}
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	return db, New(Config{Store: db, Authenticator: hookAuth{}, Checkins: &CheckinConfig{Store: db, Directory: db, Attempts: q},
		Webhooks: &WebhookConfig{Store: db, AllowPrivate: true}})
}
