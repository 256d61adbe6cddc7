package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// AuditBackend is an audit store with SQL on its database, so that the
// suite can see what is stored and rewrite rows as older versions wrote
// them.
type AuditBackend interface {
	fc.AuditStore
	// Exec runs a statement without arguments.
	Exec(t *testing.T, query string)
	// Texts returns the one text column of each row query selects.
	Texts(t *testing.T, query string) []string
}

// RunAudit is the conformance suite of the audit trail's rows: an entry
// reads back as it was recorded, whether its texts were stored beside
// their folded copies (entries written before issue 16's narrower row,
// and any text with capitals or accents) or only as the copy (a text
// that is its own fold). open must return a new, empty, migrated store
// each call.
func RunAudit(t *testing.T, open func(t *testing.T) AuditBackend) {
	ctx := context.Background()
	db := open(t)
	on := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	total := int64(40)
	entries := []*fc.AuditEntry{
		{On: on, UserEmail: "ana@example.com", ClientAddress: "192.0.2.1", Channel: fc.ChannelAPI, Method: "GET",
			Path: "/api/spaces/failedcheckins/5", Status: 200, ResultCount: 1},
		{On: on, UserEmail: "Zoë@Example.com", ClientAddress: "2001:db8::1", Channel: fc.ChannelConsole, Method: "GET",
			Path: "/console/coworkers/ZÜRICH", Query: "FailedCheckin_Coworker=1", Status: 200, ResultCount: 25, TotalItems: &total},
		// A refused request: nobody signed in, an empty user.
		{On: on.Add(time.Second), ClientAddress: "192.0.2.2", Channel: fc.ChannelAPI, Method: "GET",
			Path: "/api/spaces/failedcheckins", Query: "size=25", Status: 401},
		{On: on.Add(2 * time.Second), UserEmail: "ana@example.com", ClientAddress: "192.0.2.1", Channel: fc.ChannelAPI,
			Method: "GET", Path: "/api/spaces/failedcheckins", Query: "page=2", Status: 200, ResultCount: 25, TotalItems: &total},
	}
	if err := db.AppendAuditEntries(ctx, entries); err != nil {
		t.Fatalf("AppendAuditEntries: %v", err)
	}
	find := func(t *testing.T, params string) []*fc.AuditEntry {
		t.Helper()
		if !strings.Contains(params, "orderBy=") {
			params += "&orderBy=Id&dir=asc"
		}
		q, err := searchparams.Audit.Parse("size=100" + params)
		if err != nil {
			t.Fatal(err)
		}
		q.Scope = fc.AllBusinesses()
		page, err := db.FindAuditEntries(ctx, q)
		if err != nil {
			t.Fatalf("FindAuditEntries(%s): %v", params, err)
		}
		return page.Entries
	}
	check := func(t *testing.T, got []*fc.AuditEntry, want ...int) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%d entries; want %d", len(got), len(want))
		}
		for i, e := range got {
			w := *entries[want[i]]
			w.ID = e.ID
			if !reflect.DeepEqual(*e, w) {
				t.Errorf("entry %d = %+v; want %+v", i, *e, w)
			}
		}
	}
	read := func(t *testing.T) {
		check(t, find(t, ""), 0, 1, 2, 3)
		check(t, find(t, "&Audit_User=ANA@example.com"), 0, 3)
		check(t, find(t, "&Audit_User=zoë@example.com"), 1)
		check(t, find(t, "&Audit_Path=zürich"), 1)
		check(t, find(t, "&Audit_Query=SIZE"), 2)
		check(t, find(t, "&orderBy=UserEmail&dir=desc"), 1, 3, 0, 2)
	}
	t.Run("narrow", func(t *testing.T) {
		read(t)
		// A text that is its own fold is stored once, as the fold.
		got := db.Texts(t, `SELECT user_email || '|' || path || '|' || query FROM audit_entries ORDER BY id`)
		want := []string{"||", "Zoë@Example.com|/console/coworkers/ZÜRICH|FailedCheckin_Coworker=1", "||", "||"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stored %q; want %q", got, want)
		}
	})
	t.Run("full copies", func(t *testing.T) {
		// Rows as written before: every text beside its fold.
		db.Exec(t, `UPDATE audit_entries SET user_email = user_email_fold WHERE user_email = ''`)
		db.Exec(t, `UPDATE audit_entries SET path = path_fold WHERE path = ''`)
		db.Exec(t, `UPDATE audit_entries SET query = query_fold WHERE query = ''`)
		read(t)
	})
}
