package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestEmptyGroupPages: ordered by a nullable field that few records set,
// pages inside the group of empty values (null, and for text "" too) are
// read in id order (sqlstore.emptyGroupPage), and every page, inside the
// group, across its edge or among the set values, in both directions, with
// and without a time range and a Source, matches the reference. Reason is
// set in 1,200 records (more than the probe reads): its pages keep the
// plain order. Fails on main for the plan (the page orders by the field).
func TestEmptyGroupPages(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	rnd := rand.New(rand.NewPCG(17, 3))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	texts := []string{"", "alice", "Bob", "ALICE", "zed", "ßtraße"}
	var recs []*fc.FailedCheckin
	for r := range generated(6000) {
		at := start.Add(time.Duration(r.ID) * 90 * time.Minute)
		r.CheckinAttemptTime, r.CheckinAttemptTimeLocal, r.CreatedOn, r.UpdatedOn = at, at, at, at
		if rnd.IntN(150) == 0 {
			r.UpdatedBy = str(texts[rnd.IntN(len(texts))])
		}
		if rnd.IntN(150) == 0 {
			r.SystemID = str(texts[rnd.IntN(len(texts))])
		}
		if rnd.IntN(5) == 0 {
			r.Reason = str(texts[1+rnd.IntN(len(texts)-1)])
		}
		if rnd.IntN(150) == 0 {
			id, on := int64(rnd.IntN(50)), at.Add(time.Duration(rnd.IntN(100))*time.Hour)
			r.ResolvedByCheckinID, r.ResolvedOn = &id, &on
		}
		recs = append(recs, r)
	}
	if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	from := recs[2999].UpdatedOn
	grouped := 0
	for _, order := range []fc.Field{fc.FieldUpdatedBy, fc.FieldSystemID, fc.FieldReason, fc.FieldResolvedByCheckinID, fc.FieldResolvedOn} {
		for _, desc := range []bool{false, true} {
			for variant := range 4 {
				q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: order, Descending: desc}
				if variant&1 != 0 {
					q.Conditions = append(q.Conditions, fc.TimeRange(fc.FieldUpdatedOn, from, time.Time{}))
				}
				if variant&2 != 0 {
					q.Conditions = append(q.Conditions, fc.In(fc.FieldSource, 1, 2, 4))
				}
				total := storetest.Search(recs, q).TotalItems
				for range 6 {
					q.Size = 1 + rnd.IntN(60)
					last := (total + int64(q.Size) - 1) / int64(q.Size)
					q.Page = 1 + rnd.Int64N(last)
					if rnd.IntN(3) == 0 {
						q.Page = []int64{1, max(1, last/2), last, max(1, last-1)}[rnd.IntN(4)]
					}
					run, _, tx := recordingRun(ctx, t, db)
					p, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, q, total)
					_ = tx.Rollback()
					if err != nil {
						t.Fatal(err)
					}
					byID := strings.Contains(p.SQL, "ORDER BY id ")
					if byID {
						grouped++
					}
					if order == fc.FieldReason && byID {
						t.Errorf("by Reason (1,200 set): the page is read in id order:\n%s", p.SQL)
					}
					page, err := db.FindFailedCheckins(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					want := storetest.Search(recs, q)
					if page.TotalItems != want.TotalItems || !slices.EqualFunc(page.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
						t.Errorf("by %s desc %v variant %d page %d of %d: %v of %d; the reference %v of %d\n%s", order, desc, variant, q.Page, q.Size,
							ids(page.Records, 5), page.TotalItems, ids(want.Records, 5), want.TotalItems, p.SQL)
					}
				}
			}
		}
	}
	if grouped < 60 {
		t.Errorf("%d pages read in id order; want at least 60", grouped)
	}
}

// TestMergedNamePlan: a manager's few locations, an Id range and a Source,
// ordered by name: each arm of the merged page walks the location's name
// index (sqlstore's mergeNameIndex) instead of seeking the Id range and
// sorting the location's records, and the pages match the reference.
// Fails on main for the plan (failed_checkins_business and a sort per arm).
func TestMergedNamePlan(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var recs []*fc.FailedCheckin
	for r := range generated(6000) {
		recs = append(recs, r)
	}
	if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	for _, desc := range []bool{false, true} {
		for _, page := range []int64{1, 3, 40} {
			q := fc.Query{Scope: fc.BusinessScope(1001, 1002, 1003), OrderBy: fc.FieldCoworkerFullName, Descending: desc, Size: 20, Page: page,
				Conditions: []fc.Condition{fc.In(fc.FieldSource, 0, 2, 5), {Field: fc.FieldID, Match: fc.MatchIntRange, Min: 200, Max: 1 << 62}}}
			want := storetest.Search(recs, q)
			run, _, tx := recordingRun(ctx, t, db)
			p, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, q, want.TotalItems)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := tx.Query("EXPLAIN QUERY PLAN "+p.SQL, p.Args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			_ = rows.Close()
			_ = tx.Rollback()
			got := strings.Join(plan, "; ")
			if !strings.Contains(got, "UNION ALL") || strings.Contains(got, "USING INDEX failed_checkins_business (") {
				t.Errorf("desc %v page %d: plan %q; want a merge of failed_checkins_business_name walks\n%s", desc, page, got, p.SQL)
			}
			res, err := db.FindFailedCheckins(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if res.TotalItems != want.TotalItems || !slices.EqualFunc(res.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
				t.Errorf("desc %v page %d: %v of %d; the reference %v of %d", desc, page, ids(res.Records, 5), res.TotalItems, ids(want.Records, 5), want.TotalItems)
			}
		}
	}
}

// TestRedundantConditionDropped: a deep page of a search with a condition
// every record of its scope passes (a Reason list with null, which none of
// these records sets; every Source) is planned without that condition
// (sqlstore's dropRedundant: the count without it, from a rollup, is the
// same); a condition that leaves records out is kept. The pages match the
// reference. Fails on main for the plans (the condition is tested).
func TestRedundantConditionDropped(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var recs []*fc.FailedCheckin
	for r := range generated(3000) {
		recs = append(recs, r)
	}
	if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	reason := fc.Condition{Field: fc.FieldReason, Match: fc.MatchEqualFold, Strings: []string{"CheckinLimitReached"}, Null: true}
	for _, tt := range []struct {
		q    fc.Query
		kept string // the condition kept in the page's SQL, "" when both are dropped
	}{
		{fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{reason}, OrderBy: fc.FieldCreatedOn, Descending: true, Size: 22, Page: 30}, ""},
		{fc.Query{Scope: fc.BusinessScope(1001, 1002), Conditions: []fc.Condition{fc.In(fc.FieldSource, 0, 1, 2, 3, 4, 5), reason}, OrderBy: fc.FieldTeams, Size: 5}, ""},
		{fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldSource, 1, 2), reason}, OrderBy: fc.FieldDescription, Size: 10, Page: 40}, "source"},
	} {
		if tt.q.Page == 0 { // the middle page: deep from either end
			tt.q.Page = storetest.Search(recs, tt.q).TotalItems / 2 / int64(tt.q.Size)
		}
		want := storetest.Search(recs, tt.q)
		run, _, tx := recordingRun(ctx, t, db)
		p, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, tt.q, want.TotalItems)
		_ = tx.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p.SQL, "reason_fold") || strings.Contains(p.SQL, "source IN") != (tt.kept != "") {
			t.Errorf("%v: page %s; want no reason term and %q kept", tt.q.Conditions, p.SQL, tt.kept)
		}
		got, err := db.FindFailedCheckins(ctx, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if got.TotalItems != want.TotalItems || !slices.EqualFunc(got.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
			t.Errorf("%v: %v of %d; the reference %v of %d", tt.q.Conditions, ids(got.Records, 5), got.TotalItems, ids(want.Records, 5), want.TotalItems)
		}
	}
}

// TestNarrowListKept: a deep page of a BusinessName and Source search,
// where a location's records carry two names, so the name condition stays;
// the BusinessId list Narrow adds is redundant beside it but is kept
// (sqlstore's dropRedundant), and the page is still the merge of one walk
// per location. The pages match the reference. Fails on main for the plan
// (the list was dropped: no merge, the name tested on every record).
func TestNarrowListKept(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var recs []*fc.FailedCheckin
	for r := range generated(12000) {
		if r.BusinessID <= 1003 && r.ID%2 == 0 {
			r.BusinessName = fmt.Sprintf("Annex %d", r.BusinessID)
		}
		recs = append(recs, r)
	}
	if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	d, from := sqlstore.SQLite(), recs[1999].CheckinAttemptTime
	for _, desc := range []bool{false, true} {
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldCoworkerFullName, Descending: desc, Size: 5,
			Conditions: []fc.Condition{fc.Contains(fc.FieldBusinessName, "Location 100"), fc.TimeRange(fc.FieldCheckinAttemptTime, from, time.Time{})}}
		q.Page = storetest.Search(recs, q).TotalItems / 2 / int64(q.Size) // the middle page: deep from either end
		want := storetest.Search(recs, q)
		run, _, tx := recordingRun(ctx, t, db)
		nq, err := sqlstore.Narrow(ctx, d, run, q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := sqlstore.PlanPage(ctx, d, run, nq, want.TotalItems)
		_ = tx.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.SQL, "UNION ALL") {
			t.Errorf("desc %v page %d: %s; want a merge of the locations' walks", desc, q.Page, p.SQL)
		}
		got, err := db.FindFailedCheckins(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got.TotalItems != want.TotalItems || !slices.EqualFunc(got.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
			t.Errorf("desc %v page %d: %v of %d; the reference %v of %d", desc, q.Page, ids(got.Records, 5), got.TotalItems, ids(want.Records, 5), want.TotalItems)
		}
	}
}
