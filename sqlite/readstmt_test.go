package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestTokenLookupSeesUserChanges checks the decoded-lists cache behind the
// prepared token lookup: a changed user row is seen on the next lookup,
// and changing a returned slice does not change what later lookups get.
func TestTokenLookupSeesUserChanges(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	u := &fc.User{Email: "a@example.com", PasswordHash: "x", Enabled: true,
		Roles: []string{fc.RoleFailedCheckinList}, Businesses: []int64{7, 9}}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	g := &fc.TokenGrant{IssuedOn: now, UserID: u.ID, ClientID: "c", AccessHash: "h",
		AccessExpiresOn: now.Add(time.Hour), RefreshHash: "r", RefreshExpiresOn: now.Add(time.Hour)}
	if err := db.CreateTokens(ctx, g); err != nil {
		t.Fatal(err)
	}
	lookup := func() *fc.User {
		t.Helper()
		got, err := db.FindUserByAccessToken(ctx, "h", now)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := lookup()
	first.Roles[0], first.Businesses[0] = "Changed-Here", 1
	if again := lookup(); again.Roles[0] != fc.RoleFailedCheckinList || again.Businesses[0] != 7 {
		t.Fatalf("a caller's change reached the cache: %v %v", again.Roles, again.Businesses)
	}
	u.Roles, u.Businesses = []string{fc.RoleFailedCheckinRead}, []int64{3}
	if err := db.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got := lookup(); !slices.Equal(got.Roles, u.Roles) || !slices.Equal(got.Businesses, u.Businesses) {
		t.Fatalf("after the update got %v %v; want %v %v", got.Roles, got.Businesses, u.Roles, u.Businesses)
	}
}

// TestGetOneScope checks the prepared get-one lookup, which applies the
// scope in Go: a record outside the scope is not found, inside it is.
func TestGetOneScope(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	if _, err := db.CreateFailedCheckins(ctx, generated(3)); err != nil {
		t.Fatal(err)
	}
	r, err := db.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindFailedCheckinByID(ctx, fc.BusinessScope(r.BusinessID+1), 1); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("outside the scope: err = %v; want not found", err)
	}
	got, err := db.FindFailedCheckinByID(ctx, fc.BusinessScope(r.BusinessID+1, r.BusinessID), 1)
	if err != nil || got.UniqueID != r.UniqueID {
		t.Errorf("inside the scope: %v, %v; want record 1", got, err)
	}
	if _, err := db.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 1<<40); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("missing id: err = %v; want not found", err)
	}
}

// TestSearchStatementsPrepared: many concurrent searches (more than the
// reader pool's connections, each holding one in its transaction while
// new SQL texts get prepared) neither deadlock nor change an answer, and
// the texts end up prepared once.
func TestSearchStatementsPrepared(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var all []*fc.FailedCheckin
	for r := range generated(2000) {
		all = append(all, r)
	}
	if _, err := db.CreateFailedCheckins(ctx, storetestRecords(all)); err != nil {
		t.Fatal(err)
	}
	at := fc.FieldCheckinAttemptTime
	queries := []fc.Query{
		{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, "smith")}, OrderBy: at, Descending: true},
		{Scope: fc.BusinessScope(1001), Conditions: []fc.Condition{fc.Contains(fc.FieldDescription, "plan")}, OrderBy: at},
		{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 1001)}, OrderBy: at, Descending: true, Page: 7},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldCreatedOn, Descending: true},
	}
	for i := range queries {
		queries[i].Size = 25
		if queries[i].Page == 0 {
			queries[i].Page = 1
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for w := range 32 {
		wg.Go(func() {
			errs <- func() error {
				for i := range 20 {
					q := queries[(w+i)%len(queries)]
					got, err := db.FindFailedCheckins(ctx, q)
					if err != nil {
						return err
					}
					if g, w := pageIDs(got), pageIDs(storetest.Search(all, q)); g != w {
						return fmt.Errorf("query %+v = %s; want %s", q, g, w)
					}
				}
				return nil
			}()
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	case <-time.After(60 * time.Second):
		t.Fatal("concurrent searches still running after 60 s: deadlock?")
	}
	db.reads.search.pending.Wait()
	db.reads.search.mu.Lock()
	n := 0
	for _, st := range db.reads.search.stmts {
		if st != nil {
			n++
		}
	}
	db.reads.search.mu.Unlock()
	if n == 0 {
		t.Error("no search statement prepared")
	}
}

// TestSearchStatementsSkipLongLists: a text with a long value list is not
// kept prepared (each list length is a text of its own), a short one is.
func TestSearchStatementsSkipLongLists(t *testing.T) {
	db := openTest(t)
	var s searchStatements
	defer s.close()
	const n = 100 // more than maxCachedPlaceholders, well under SQLite's limit
	long := "SELECT count(*) FROM failed_checkins WHERE business_id IN (?" + strings.Repeat(", ?", n-1) + ")"
	short := "SELECT count(*) FROM failed_checkins WHERE business_id IN (?, ?)"
	for range 3 {
		s.get(db.reader, long)
		s.get(db.reader, short)
		s.pending.Wait()
	}
	s.mu.Lock()
	_, longKept := s.stmts[long]
	shortStmt := s.stmts[short]
	s.mu.Unlock()
	if longKept {
		t.Errorf("a text of %d placeholders was cached; want it run unprepared", n)
	}
	if shortStmt == nil {
		t.Error("a text of 2 placeholders was not prepared")
	}
}
