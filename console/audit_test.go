package console_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/console"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/signin"
)

// TestConsoleAudit: the console's pages that show records each write one
// audit entry of channel Console with the signed-in user and what the page
// showed; a page of another location's record is audited as its 404, and
// a visit without a session as the redirect to sign in.
func TestConsoleAudit(t *testing.T) {
	var cfg console.Config
	e := newEnvWith(t, func(_ envStore, c *console.Config) { cfg = *c })
	db, ok := e.db.(fc.AuditStore)
	if !ok {
		t.Fatal("the test store has no audit trail")
	}
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := audit.New(db, audit.Options{Delay: time.Hour}) // written by Flush only
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	svc := signin.New(signin.Config{Users: e.db, Tokens: e.db, Failures: e.db})
	srv := httptest.NewServer(api.New(api.Config{Store: e.db, Authenticator: api.NewAuth(svc, nil), Console: c, Auditor: a}).Handler())
	t.Cleanup(srv.Close)
	e.srv = srv

	var last int64
	entries := func() []*fc.AuditEntry {
		t.Helper()
		if err := a.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		q, err := searchparams.Audit.Parse("orderBy=Id&dir=asc&size=1000&from_Audit_Id=" + strconv.FormatInt(last+1, 10))
		if err != nil {
			t.Fatal(err)
		}
		q.Scope = fc.AllBusinesses()
		page, err := db.FindAuditEntries(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(page.Entries); n > 0 {
			last = page.Entries[n-1].ID
		}
		return page.Entries
	}

	client := e.client(t)
	if code, _ := get(t, client, srv.URL+"/console/failedcheckins"); code != http.StatusSeeOther {
		t.Fatalf("list without a session = %d; want 303", code)
	}
	if got := entries(); len(got) != 1 || got[0].Status != 303 || got[0].UserEmail != "" || got[0].Channel != fc.ChannelConsole {
		t.Errorf("list without a session wrote %+v; want one entry, 303, no user", got)
	}
	e.signIn(t, client, "manager@example.com")
	entries() // signing in is not audited; nothing else happened

	var mine, other *fc.FailedCheckin
	inMine := 0
	for _, r := range e.records {
		switch {
		case r.BusinessID == e.managerLoc:
			inMine++
			if mine == nil && r.CoworkerID != nil {
				mine = r
			}
		case other == nil:
			other = r
		}
	}
	coworkerRecords := 0
	for _, r := range e.records {
		if r.BusinessID == e.managerLoc && r.CoworkerID != nil && *r.CoworkerID == *mine.CoworkerID {
			coworkerRecords++
		}
	}
	cases := []struct {
		target      string
		status      int
		count       int64
		totalItems  int64 // -1: null
		countAtMost bool  // the coworker page shows at most its timeline's size
	}{
		{"/console/failedcheckins?size=10", 200, 10, int64(inMine), false},
		{"/console/failedcheckins/" + strconv.FormatInt(mine.ID, 10), 200, 1, -1, false},
		{"/console/failedcheckins/" + strconv.FormatInt(other.ID, 10), 404, 0, -1, false},
		{"/console/coworkers/" + strconv.FormatInt(*mine.CoworkerID, 10), 200, int64(coworkerRecords), -1, true},
		{"/console/failedcheckins/export?FailedCheckin_Business=" + strconv.FormatInt(e.managerLoc, 10), 200, int64(inMine), -1, false},
	}
	for _, tc := range cases {
		if code, body := get(t, client, srv.URL+tc.target); code != tc.status {
			t.Errorf("GET %s = %d; want %d\n%.300s", tc.target, code, tc.status, body)
			continue
		}
		got := entries()
		if len(got) != 1 {
			t.Errorf("GET %s wrote %d entries; want 1", tc.target, len(got))
			continue
		}
		en := got[0]
		path, query, _ := strings.Cut(tc.target, "?")
		countOK := en.ResultCount == tc.count || (tc.countAtMost && en.ResultCount > 0 && en.ResultCount <= tc.count)
		if en.UserEmail != "manager@example.com" || en.Channel != fc.ChannelConsole || en.Status != tc.status || !countOK ||
			en.Path != path || en.Query != query || en.ClientAddress != "127.0.0.1" {
			t.Errorf("GET %s: entry %+v; want manager@example.com, Console, %d, count %d", tc.target, *en, tc.status, tc.count)
		}
		if (tc.totalItems < 0) != (en.TotalItems == nil) || (en.TotalItems != nil && *en.TotalItems != tc.totalItems) {
			t.Errorf("GET %s: TotalItems %v; want %d (-1: null)", tc.target, en.TotalItems, tc.totalItems)
		}
	}
}

// TestConsoleStreamAudit: the live view's stream writes two entries of
// channel Stream with the signed-in user: one as it opens (status 200, no
// record), one as it closes with the number of records it sent.
func TestConsoleStreamAudit(t *testing.T) {
	var a *audit.Auditor
	e := newEnvWithAPI(t, nil, func(cfg *api.Config) {
		a = audit.New(cfg.Store.(fc.AuditStore), audit.Options{Delay: time.Hour}) // written by Flush only
		cfg.Auditor = a
	})
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	t.Cleanup(e.api.CloseStreams)
	var last int64
	entries := func() []*fc.AuditEntry {
		t.Helper()
		if err := a.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		q, err := searchparams.Audit.Parse("orderBy=Id&dir=asc&size=1000&from_Audit_Id=" + strconv.FormatInt(last+1, 10))
		if err != nil {
			t.Fatal(err)
		}
		q.Scope = fc.AllBusinesses()
		page, err := e.db.(fc.AuditStore).FindAuditEntries(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(page.Entries); n > 0 {
			last = page.Entries[n-1].ID
		}
		return page.Entries
	}
	c := e.client(t)
	e.signIn(t, c, "manager@example.com")
	entries()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/console/failedcheckins/stream?FailedCheckin_Source=DoorAccess", nil)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET the stream = %v, %v", resp, err)
	}
	check := func(what string, got []*fc.AuditEntry, count int64) {
		t.Helper()
		if len(got) != 1 {
			t.Fatalf("%s: %d entries; want 1: %+v", what, len(got), got)
		}
		en := got[0]
		if en.Channel != fc.ChannelStream || en.Status != 200 || en.ResultCount != count || en.UserEmail != "manager@example.com" ||
			en.Path != "/console/failedcheckins/stream" || en.Query != "FailedCheckin_Source=DoorAccess" {
			t.Errorf("%s: entry %+v; want channel Stream, status 200, count %d, the manager", what, *en, count)
		}
	}
	check("open", entries(), 0)
	e.write(t, liveRecord(e.managerLoc, fc.SourceDoorAccess, "one"), liveRecord(e.otherLoc, fc.SourceDoorAccess, "not theirs"),
		liveRecord(e.managerLoc, fc.SourceDoorAccess, "two"))
	sc := bufio.NewScanner(resp.Body)
	for n := 0; n < 2 && sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "data: ") {
			n++
		}
	}
	cancel()
	resp.Body.Close()
	var got []*fc.AuditEntry
	for deadline := time.Now().Add(10 * time.Second); len(got) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		got = entries()
	}
	check("close", got, 2)
}
