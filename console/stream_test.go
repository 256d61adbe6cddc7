package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/console"
)

// liveRecord is a refusal written as an import would write it (the next
// Id), at location loc from source src, described by desc.
func liveRecord(loc int64, src fc.Source, desc string) *fc.FailedCheckin {
	now := time.Now().UTC().Truncate(time.Second)
	return &fc.FailedCheckin{CoworkerFullName: "Live Tester", BusinessID: loc, BusinessName: "Live location",
		CheckinAttemptTime: now, CheckinAttemptTimeLocal: now, Source: src, Description: desc, Reason: ptr("UnknownCoworker")}
}

func (e *env) write(t *testing.T, recs ...*fc.FailedCheckin) {
	t.Helper()
	_, err := e.db.CreateFailedCheckins(context.Background(), func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConsoleStream: the live view's stream is the API's stream behind the
// console's session: a signed-in manager gets, of the records written
// after it opened, only those of their location that the list page's
// filter selects (the form's paging and sorting are dropped, not
// refused), each as get-one's JSON; without a session it is a 401, without
// the role a 403, and a bad filter a 400.
func TestConsoleStream(t *testing.T) {
	e := newEnv(t)
	addUser(t, e.db, "reader@example.com", &fc.User{Roles: []string{fc.RoleFailedCheckinRead}, Businesses: []int64{e.managerLoc}})
	c := e.client(t)
	e.signIn(t, c, "manager@example.com")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/console/failedcheckins/stream?FailedCheckin_Source=DoorAccess&orderBy=Id&dir=asc&size=25&page=2&zone=utc", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("GET the console's stream = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	if l := <-lines; l != "retry: 3000" {
		t.Fatalf("first line %q", l)
	}
	e.write(t, liveRecord(e.managerLoc, fc.SourceDoorAccess, "match"), liveRecord(e.managerLoc, fc.SourceTile, "other source"),
		liveRecord(e.otherLoc, fc.SourceDoorAccess, "other location"), liveRecord(e.managerLoc, fc.SourceDoorAccess, "last"))
	var got []string
	timeout := time.After(10 * time.Second)
	for len(got) < 2 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended after %v", got)
			}
			if data, ok := strings.CutPrefix(l, "data: "); ok {
				var r struct {
					Id          int64
					BusinessId  int64
					Description string
				}
				if err := json.Unmarshal([]byte(data), &r); err != nil || r.BusinessId != e.managerLoc {
					t.Errorf("event %s (%v); want a record of location %d", data, err, e.managerLoc)
				}
				got = append(got, r.Description)
			}
		case <-timeout:
			t.Fatalf("events %v within 10 s; want match and last", got)
		}
	}
	if strings.Join(got, ",") != "match,last" {
		t.Errorf("the manager's live view got %v; want match, last", got)
	}

	anon := e.client(t)
	if code, body := get(t, anon, e.srv.URL+"/console/failedcheckins/stream"); code != 401 || !strings.Contains(body, "Sign in") {
		t.Errorf("without a session = %d %.200s; want 401", code, body)
	}
	reader := e.client(t)
	e.signIn(t, reader, "reader@example.com")
	if code, _ := get(t, reader, e.srv.URL+"/console/failedcheckins/stream"); code != 403 {
		t.Errorf("without FailedCheckin-List = %d; want 403", code)
	}
	if code, body := get(t, c, e.srv.URL+"/console/failedcheckins/stream?FailedCheckin_Source=Teleport"); code != 400 || !strings.Contains(body, "FailedCheckin_Source") {
		t.Errorf("a bad filter = %d %.300s; want 400 naming it", code, body)
	}
}

// TestConsoleStreamEndsWithSession: the live view's stream checks the
// session again (here every 20 ms): it ends when the session expires (a
// clock the test moves) and when the user is disabled, and it follows a
// change of the user's locations.
func TestConsoleStreamEndsWithSession(t *testing.T) {
	var offset atomic.Int64
	e := newEnvWithAPI(t, func(_ envStore, cfg *console.Config) {
		cfg.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	}, func(cfg *api.Config) { cfg.Streams.Recheck = 20 * time.Millisecond })
	open := func(c *http.Client) (<-chan string, func()) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/console/failedcheckins/stream", nil)
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != 200 {
			cancel()
			t.Fatalf("GET the console's stream = %v, %v", resp, err)
		}
		lines := make(chan string, 100)
		go func() {
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		return lines, cancel
	}
	// readUntil reads lines until one has prefix; ok is false when the
	// stream ended first.
	readUntil := func(lines <-chan string, prefix string) (string, bool) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return "", false
				}
				if strings.HasPrefix(l, prefix) {
					return l, true
				}
			case <-timeout:
				t.Fatalf("no line %q within 10 s", prefix)
			}
		}
	}
	addUser(t, e.db, "both@example.com", &fc.User{Roles: []string{fc.RoleFailedCheckinList}, Businesses: []int64{e.managerLoc, e.otherLoc}})
	c := e.client(t)
	e.signIn(t, c, "both@example.com")
	lines, cancel := open(c)
	defer cancel()
	e.write(t, liveRecord(e.otherLoc, fc.SourceDoorAccess, "other"))
	if l, ok := readUntil(lines, "data: "); !ok || !strings.Contains(l, `"Description":"other"`) {
		t.Fatalf("with both locations: %q", l)
	}
	// The other location is taken away: the open stream no longer carries it.
	u, err := e.db.FindUserByEmail(context.Background(), "both@example.com")
	if err != nil {
		t.Fatal(err)
	}
	u.Businesses = []int64{e.managerLoc}
	if err := e.db.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	e.write(t, liveRecord(e.otherLoc, fc.SourceDoorAccess, "other again"), liveRecord(e.managerLoc, fc.SourceDoorAccess, "mine"))
	if l, ok := readUntil(lines, "data: "); !ok || !strings.Contains(l, `"Description":"mine"`) {
		t.Errorf("after losing the other location: %q; want the record named mine", l)
	}
	// The session expires: the stream ends, saying why.
	offset.Add(int64(fc.ConsoleSessionLifetime + time.Minute))
	if l, ok := readUntil(lines, ": the credentials"); !ok || !strings.Contains(l, "expired") {
		t.Errorf("at the session's expiry: %q, %v", l, ok)
	}
	if _, ok := readUntil(lines, "data: "); ok {
		t.Error("the stream went on after the session expired")
	}
	cancel()

	// The user is disabled: the stream ends.
	offset.Store(0)
	c = e.client(t)
	e.signIn(t, c, "both@example.com")
	lines, cancel = open(c)
	defer cancel()
	u.Enabled = false
	if err := e.db.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if _, ok := readUntil(lines, ": the credentials"); !ok {
		t.Error("the stream did not say why it ended after the user was disabled")
	}
	if _, ok := readUntil(lines, "data: "); ok {
		t.Error("the stream went on after the user was disabled")
	}
}
