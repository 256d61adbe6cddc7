package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestZoneCounts compares the totals of random range searches (Id,
// CheckinAttemptTime, its local time, CreatedOn, UpdatedOn, with and
// without locations: the zone maps' counts, sqlstore/zone.go) with the
// reference, on 6,000 records whose times grow with their Ids except for a
// few, then again after deletes, rewrites that move the times, an erasure
// and a new import with Ids given by the store, checking the zone maps
// against their records after each step.
func TestZoneCounts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	rnd := rand.New(rand.NewPCG(17, 1))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []*fc.FailedCheckin
	for r := range generated(6000) {
		at := start.Add(time.Duration(r.ID) * 90 * time.Minute)
		r.CheckinAttemptTime, r.CheckinAttemptTimeLocal = at, at.Add(time.Duration(rnd.IntN(25)-12)*time.Hour)
		r.CreatedOn, r.UpdatedOn = at.Add(3*time.Second), at.Add(3*time.Second)
		r.BusinessID = 1001 + int64(rnd.IntN(4))
		r.Tariff = zoneTestTariffs[rnd.IntN(len(zoneTestTariffs))]
		switch rnd.IntN(50) {
		case 0: // rewritten much later
			r.UpdatedOn = at.Add(time.Duration(rnd.IntN(300)) * 24 * time.Hour)
		case 1: // created out of order (imported late)
			r.CreatedOn = at.Add(time.Duration(rnd.IntN(200)) * 24 * time.Hour)
			r.UpdatedOn = r.CreatedOn
		}
		recs = append(recs, r)
	}
	if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	zoned, valued, named, complemented := 0, 0, 0, 0
	check := func(step string) {
		t.Helper()
		checkRollups(t, db)
		all := readAll(t, db)
		edges := zoneEdges(t, db)
		qs := make([]fc.Query, 300)
		run, _, tx := recordingRun(ctx, t, db)
		for i := range qs {
			qs[i] = zoneQuery(rnd, all, edges)
			if sts, err := sqlstore.PlanCount(ctx, sqlstore.SQLite(), run, qs[i]); err == nil && strings.Contains(sts[0].SQL, "fc_zone") {
				zoned++
				if valueCounts.MatchString(sts[0].SQL) {
					valued++
				}
				if i := slices.IndexFunc(sts, func(st sqlstore.Statement) bool { return nameCounts.MatchString(st.SQL) }); i >= 0 {
					named++
					if strings.HasPrefix(sts[i].SQL, "SELECT -") {
						complemented++
					}
				}
			}
		}
		_ = tx.Rollback()
		for i, q := range qs {
			got, err := db.FindFailedCheckins(ctx, q)
			if err != nil {
				t.Fatalf("%s, query %d %+v: %v", step, i, q, err)
			}
			if want := storetest.Search(all, q).TotalItems; got.TotalItems != want {
				t.Fatalf("%s, query %d %+v: TotalItems %d, the reference %d", step, i, q, got.TotalItems, want)
			}
			// A page of the same ranges, in another order, anywhere
			// in the matches: its plan may test the Ids the zone map
			// bounds the ranges to, and sort the ids alone
			// (sqlstore.zoneIDs, Find.narrowPage).
			// With a substring besides, the page may gather the
			// matches through a driver (sqlstore/selective.go), whose
			// statement sorts the whole records (drivenPage keeps
			// Find.Page).
			q.OrderBy, q.Descending = pageOrders[rnd.IntN(len(pageOrders))], rnd.IntN(2) == 0
			q.Size = 1 + rnd.IntN(40)
			if rnd.IntN(3) == 0 {
				r := all[rnd.IntN(len(all))]
				f, v := fc.FieldTeams, r.Teams
				if rnd.IntN(2) == 0 {
					f, v = fc.FieldCoworkerFullName, r.CoworkerFullName
				}
				if rs := []rune(v); len(rs) > 0 {
					at := rnd.IntN(len(rs))
					q.Conditions = append(slices.Clip(q.Conditions), fc.Contains(f, string(rs[at:min(len(rs), at+1+rnd.IntN(4))])))
				}
			}
			total := storetest.Search(all, q).TotalItems
			if total > 0 {
				q.Page = 1 + int64(rnd.IntN(int(total+int64(q.Size)-1)/q.Size))
			}
			page, err := db.FindFailedCheckins(ctx, q)
			if err != nil {
				t.Fatalf("%s, page %d %+v: %v", step, i, q, err)
			}
			want := storetest.Search(all, q)
			if page.TotalItems != want.TotalItems || !slices.EqualFunc(page.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
				t.Fatalf("%s, page %d %+v: %d of %d records, the reference %d of %d (first %v, %v)", step, i, q, len(page.Records), page.TotalItems,
					len(want.Records), want.TotalItems, ids(page.Records, 3), ids(want.Records, 3))
			}
		}
	}
	check("import")
	var del []int64
	for range 300 {
		del = append(del, 1+int64(rnd.IntN(6000)))
	}
	if _, err := db.DeleteFailedCheckins(ctx, del); err != nil {
		t.Fatal(err)
	}
	check("deletes")
	var upd []int64
	for range 300 {
		upd = append(upd, 1+int64(rnd.IntN(6000)))
	}
	if _, err := db.UpdateFailedCheckins(ctx, upd, func(r *fc.FailedCheckin) error {
		r.UpdatedOn = r.UpdatedOn.Add(time.Duration(rnd.IntN(100)) * 24 * time.Hour)
		r.CheckinAttemptTime = r.CheckinAttemptTime.Add(time.Duration(rnd.IntN(2000)-1000) * time.Hour)
		r.BusinessID = 1001 + int64(rnd.IntN(4))
		// The per-value counts of the blocks (fc_zone_source, _tariff,
		// _description) move the record from its old values to the new.
		r.Source = fc.Source(rnd.IntN(6))
		r.Tariff = zoneTestTariffs[rnd.IntN(len(zoneTestTariffs))]
		r.Description = "Rewritten " + r.Description
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("rewrites")
	for range 20 {
		if _, err := db.ErasePerson(ctx, fc.ErasureSubject{CoworkerID: *recs[rnd.IntN(len(recs))].CoworkerID}, "erasure"); err != nil {
			t.Fatal(err)
		}
	}
	check("erasure")
	more := slices.Collect(func(yield func(*fc.FailedCheckin) bool) {
		for r := range generated(500) {
			r.ID = 0 // the store gives the Ids
			if !yield(r) {
				return
			}
		}
	})
	if _, err := db.CreateFailedCheckins(ctx, records(more)); err != nil {
		t.Fatal(err)
	}
	check("import without Ids")
	if zoned < 600 || valued < 150 {
		t.Errorf("only %d of 1,500 searches were counted from a zone map, %d of them with the counts of a value", zoned, valued)
	}
	t.Logf("zoned %d valued %d named %d complemented %d", zoned, valued, named, complemented)
	if named < 40 || complemented < 10 {
		t.Errorf("only %d searches were counted through the name indexes, %d of them as the complement", named, complemented)
	}
}

// valueCounts matches the sum of a zone map's per-value counts.
var valueCounts = regexp.MustCompile(`^SELECT coalesce\(sum\(n\), 0\) FROM fc_zone(_business)?_(source|tariff|description) `)

// nameCounts matches the count of a name's records in a zone map's
// blocks (zonePlan.nameStatement).
var nameCounts = regexp.MustCompile(`^SELECT -?count\(\*\) FROM failed_checkins INDEXED BY failed_checkins_(business_)?name `)

// zoneTestTariffs are the tariffs of TestZoneCounts's records.
var zoneTestTariffs = []string{"Hot Desk", "Dedicated Desk", "Office 12", "Day Pass", "Hot desk (annual)"}

// pageOrders are the orders TestZoneCounts reads its pages in: the time
// fields of the ranges, text and null orders and the rowid.
var pageOrders = []fc.Field{fc.FieldID, fc.FieldCheckinAttemptTime, fc.FieldCreatedOn, fc.FieldUpdatedOn, fc.FieldTeams,
	fc.FieldDescription, fc.FieldCoworkerID, fc.FieldSystemID, fc.FieldResolvedOn, fc.FieldBusinessName}

// ids returns the Ids of the first n records, for messages.
func ids(rs []*fc.FailedCheckin, n int) []int64 {
	var out []int64
	for _, r := range rs[:min(n, len(rs))] {
		out = append(out, r.ID)
	}
	return out
}

// zoneEdges returns, per field, values a count may be off by one at: the
// bounds the zone maps hold, and the first Ids of blocks.
func zoneEdges(t *testing.T, db *DB) map[fc.Field][]int64 {
	t.Helper()
	out := map[fc.Field][]int64{}
	cols := map[fc.Field]string{fc.FieldCheckinAttemptTime: "checkin_attempt_time", fc.FieldCheckinAttemptTimeLocal: "checkin_attempt_time_local",
		fc.FieldCreatedOn: "created_on", fc.FieldUpdatedOn: "updated_on"}
	for f, c := range cols {
		for _, table := range []string{"fc_zone", "fc_zone_business"} {
			for _, row := range readRows(t, db, "SELECT "+c+"_min, "+c+"_max FROM "+table) {
				for _, v := range strings.Fields(row) {
					out[f] = append(out[f], atoi(t, v))
				}
			}
		}
	}
	for b := int64(0); b < 8; b++ {
		out[fc.FieldID] = append(out[fc.FieldID], b*1024, b*16384)
	}
	return out
}

// zoneQuery returns a search of one to three ranges around the values of
// random records, or the values of edges give or take one, sometimes within
// locations.
func zoneQuery(rnd *rand.Rand, all []*fc.FailedCheckin, edges map[fc.Field][]int64) fc.Query {
	q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1}
	if rnd.IntN(3) == 0 {
		q.Scope = fc.BusinessScope(1001+int64(rnd.IntN(4)), 1001+int64(rnd.IntN(4)))
	}
	if rnd.IntN(5) == 0 {
		q.Conditions = append(q.Conditions, fc.Condition{Field: fc.FieldBusinessID, Match: fc.MatchInts, Ints: []int64{1001 + int64(rnd.IntN(4))}})
	}
	pick := func() *fc.FailedCheckin { return all[rnd.IntN(len(all))] }
	fields := []fc.Field{fc.FieldID, fc.FieldCheckinAttemptTime, fc.FieldCheckinAttemptTimeLocal, fc.FieldCreatedOn, fc.FieldUpdatedOn}
	for range 1 + rnd.IntN(3) {
		f := fields[rnd.IntN(len(fields))]
		a, b := pick(), pick()
		edge := func() int64 { e := edges[f]; return e[rnd.IntN(len(e))] + int64(rnd.IntN(3)-1) }
		if f == fc.FieldID {
			lo, hi := a.ID, b.ID
			if rnd.IntN(2) == 0 {
				lo, hi = edge(), edge()
			}
			c := fc.Condition{Field: f, Match: fc.MatchIntRange, Min: min(lo, hi), Max: max(lo, hi)}
			switch rnd.IntN(3) {
			case 0:
				c.Min = math.MinInt64
			case 1:
				c.Max = math.MaxInt64
			}
			q.Conditions = append(q.Conditions, c)
			continue
		}
		value := func(r *fc.FailedCheckin) time.Time {
			switch f {
			case fc.FieldCheckinAttemptTimeLocal:
				return r.CheckinAttemptTimeLocal
			case fc.FieldCreatedOn:
				return r.CreatedOn
			case fc.FieldUpdatedOn:
				return r.UpdatedOn
			}
			return r.CheckinAttemptTime
		}
		lo, hi := value(a), value(b)
		if rnd.IntN(2) == 0 {
			lo, hi = time.Unix(edge(), 0).UTC(), time.Unix(edge(), 0).UTC()
		}
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		c := fc.Condition{Field: f, Match: fc.MatchTimeRange, From: lo, Until: hi.Add(time.Duration(rnd.IntN(3)) * time.Second)}
		switch rnd.IntN(3) {
		case 0:
			c.From = time.Time{}
		case 1:
			c.Until = time.Time{}
		}
		q.Conditions = append(q.Conditions, c)
	}
	// A third also test a field of few values, which the zone maps count
	// per row (fc_zone_source, _tariff, _description, and
	// fc_zone_business_*): within locations without a range too; or the
	// coworker's name, whose records in the blocks are counted from the
	// name indexes.
	if r := pick(); rnd.IntN(3) == 0 {
		if !q.Scope.All() && rnd.IntN(4) == 0 { // the locations' whole counts
			q.Conditions = slices.DeleteFunc(q.Conditions, func(c fc.Condition) bool { return c.Field != fc.FieldBusinessID })
		}
		sub := func(v string) string {
			rs := []rune(v)
			at := rnd.IntN(len(rs))
			return string(rs[at:min(len(rs), at+1+rnd.IntN(5))])
		}
		switch rnd.IntN(7) {
		case 0:
			q.Conditions = append(q.Conditions, fc.In(fc.FieldSource, int64(r.Source), int64(rnd.IntN(6))))
		case 1:
			q.Conditions = append(q.Conditions, fc.Contains(fc.FieldTariff, sub(r.Tariff)))
		case 2:
			q.Conditions = append(q.Conditions, fc.Condition{Field: fc.FieldTariff, Match: fc.MatchEqualFold, Strings: []string{strings.ToUpper(r.Tariff)}})
		case 3:
			q.Conditions = append(q.Conditions, fc.Contains(fc.FieldDescription, sub(r.Description)))
		case 4: // counted through the name indexes (zonePlan.names), or their complement
			q.Conditions = append(q.Conditions, fc.Contains(fc.FieldCoworkerFullName, sub(r.CoworkerFullName)))
		case 5:
			q.Conditions = append(q.Conditions, fc.Condition{Field: fc.FieldCoworkerFullName, Match: fc.MatchEqualFold,
				Strings: []string{strings.ToUpper(r.CoworkerFullName), pick().CoworkerFullName}})
		default: // two fields: no one table counts both
			q.Conditions = append(q.Conditions, fc.Contains(fc.FieldDescription, sub(r.Description)), fc.In(fc.FieldSource, int64(r.Source)))
		}
	}
	return q
}

// readAll returns every record of db, in Id order.
func readAll(t *testing.T, db *DB) []*fc.FailedCheckin {
	t.Helper()
	var out []*fc.FailedCheckin
	for page := int64(1); ; page++ {
		p, err := db.FindFailedCheckins(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: page, Size: fc.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Records...)
		if len(p.Records) < fc.MaxPageSize {
			return out
		}
	}
}

// TestZoneResolution: an accepted check-in resolving earlier refusals
// moves their UpdatedOn to now (here the test clock's, months before the
// refusals), which the zone maps' bounds must take in (sqlstore.ResolveSQL
// does not read the records it changes).
func TestZoneResolution(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	storetest.ImportTestDirectory(t, db)
	at := time.Date(2026, 7, 1, 10, 30, 0, 0, time.UTC)
	cw := int64(10)
	var recs []*fc.FailedCheckin
	for i := range 3 {
		recs = append(recs, &fc.FailedCheckin{ID: int64(i + 1), CoworkerID: &cw, CoworkerFullName: "Ten", BusinessID: 1,
			BusinessName: "Location 1", CheckinAttemptTime: at.Add(time.Duration(i) * time.Minute), CheckinAttemptTimeLocal: at,
			CreatedOn: at, UpdatedOn: at, Description: "Suspended"})
	}
	if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	res, err := db.RecordAttempts(ctx, []*fc.Attempt{{BusinessID: 1, Source: fc.SourceDoorAccess, CoworkerID: &cw, FromTime: at.Add(30 * time.Minute)}})
	if err != nil || !res[0].Outcome.Accepted {
		t.Fatalf("RecordAttempts = %+v, %v; want accepted", res, err)
	}
	checkRollups(t, db)
	for _, scope := range []fc.Scope{fc.AllBusinesses(), fc.BusinessScope(1)} {
		q := fc.Query{Scope: scope, OrderBy: fc.FieldID, Page: 1, Size: 1,
			Conditions: []fc.Condition{{Field: fc.FieldUpdatedOn, Match: fc.MatchTimeRange, From: at.Add(-time.Hour)}}}
		if p, err := db.FindFailedCheckins(ctx, q); err != nil || p.TotalItems != 0 {
			t.Errorf("UpdatedOn from an hour before the refusals, %v: %+v, %v; want 0 (the test clock resolved all three at its earlier now)", scope, p, err)
		}
	}
}

// TestZoneLargestID: an inclusive Id Max of math.MaxInt64-1 leaves out the
// record with Id math.MaxInt64, in the count as on the page (its span's
// exclusive bound would be math.MaxInt64, which reads as no bound).
func TestZoneLargestID(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var recs []*fc.FailedCheckin
	for r := range generated(2) {
		recs = append(recs, r)
	}
	recs[0].ID, recs[1].ID = 5, math.MaxInt64
	if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		min, max int64
		want     int64
	}{{1, math.MaxInt64 - 1, 1}, {1, math.MaxInt64, 2}, {1, math.MaxInt64 - 2, 1}, {6, math.MaxInt64 - 1, 0}, {math.MaxInt64 - 1, math.MaxInt64, 1}} {
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 10,
			Conditions: []fc.Condition{{Field: fc.FieldID, Match: fc.MatchIntRange, Min: tt.min, Max: tt.max}}}
		got, err := db.FindFailedCheckins(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got.TotalItems != tt.want || int64(len(got.Records)) != tt.want {
			t.Errorf("Id in [%d, %d]: TotalItems %d, %d records; want %d", tt.min, tt.max, got.TotalItems, len(got.Records), tt.want)
		}
	}
}

// TestZoneUncorrelated: where Ids do not follow attempt times, an
// all-locations attempt range of days cuts most blocks of fc_zone, so the
// day rollup counts it (zoneCutMax); where they do, fc_zone does. Both
// counts are exact.
func TestZoneUncorrelated(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name       string
		correlated bool
		want       string // the table the plan sums
	}{{"times follow Ids", true, "fc_zone"}, {"times do not follow Ids", false, "fc_count_business_day"}} {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			rnd := rand.New(rand.NewPCG(3, 4))
			var recs []*fc.FailedCheckin
			for r := range generated(4000) {
				// Two records per block of 1,024 Ids, 2,000 blocks.
				i := int64(len(recs))
				r.ID = 1 + i/2*1024 + i%2
				at := start.Add(time.Duration(rnd.IntN(300*24)) * time.Hour)
				if tt.correlated {
					at = start.Add(time.Duration(i) * 108 * time.Minute)
				}
				r.CheckinAttemptTime, r.CheckinAttemptTimeLocal, r.CreatedOn, r.UpdatedOn = at, at, at, at
				recs = append(recs, r)
			}
			if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
				t.Fatal(err)
			}
			for _, days := range [][2]int{{30, 200}, {50, 250}, {60, 120}, {10, 290}} {
				from, until := start.AddDate(0, 0, days[0]).Add(17*time.Minute), start.AddDate(0, 0, days[1])
				q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1,
					Conditions: []fc.Condition{fc.TimeRange(fc.FieldCheckinAttemptTime, from, until)}}
				run, stmts, _ := recordingRun(ctx, t, db)
				total, err := sqlstore.CountMatching(ctx, sqlstore.SQLite(), run, q)
				if err != nil {
					t.Fatal(err)
				}
				if want := storetest.Search(recs, q).TotalItems; total != want {
					t.Errorf("days %v: total %d, the reference %d", days, total, want)
				}
				var sum string
				for _, st := range *stmts {
					if strings.HasPrefix(st.SQL, "SELECT coalesce(sum(n), 0) FROM ") {
						sum = strings.Fields(strings.TrimPrefix(st.SQL, "SELECT coalesce(sum(n), 0) FROM "))[0]
					}
				}
				if sum != tt.want {
					t.Errorf("days %v: counted from %q; want %s", days, sum, tt.want)
				}
			}
		})
	}
}

// TestZoneOwnWalk: without a scope or a term its indexes serve, SQLite's own
// plan of a page ordered by a field with a whole-table index walks that
// index and stops after the page; the Ids the zone map bounds a time range
// to would make it read their whole range and sort it (issue 17's review:
// an UpdatedOn range of 744,001 matches of 1M by BusinessId desc, page 1,
// 0.34 -> 168 ms), so such a page has no Id range. By Teams, which SQLite
// would scan the table for, by CreatedOn, whose order's bound keeps the
// walk, by the local time, whose walk reads every entry before the range,
// and for a range of few matches, which the walk would look for long, it
// has one.
func TestZoneOwnWalk(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []*fc.FailedCheckin
	for r := range generated(6000) {
		at := start.Add(time.Duration(r.ID) * 90 * time.Minute)
		r.CheckinAttemptTime, r.CheckinAttemptTimeLocal, r.CreatedOn, r.UpdatedOn = at, at, at, at
		recs = append(recs, r)
	}
	if _, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil {
		t.Fatal(err)
	}
	// From record 3,000 on: 4 of the 6 blocks of 1,024 Ids. 300 records
	// (few: the walk would read about 400 entries for 20 matches) keep
	// the range whatever the order.
	from := recs[2999].UpdatedOn
	few := recs[3299].UpdatedOn
	for _, tt := range []struct {
		order fc.Field
		desc  bool
		until time.Time
		ids   bool // the page tests the Ids' range
	}{{fc.FieldBusinessID, true, time.Time{}, false}, {fc.FieldUniqueID, false, time.Time{}, false}, {fc.FieldCoworkerID, false, time.Time{}, false},
		{fc.FieldCoworkerFullName, false, time.Time{}, false}, {fc.FieldTeams, false, time.Time{}, true}, {fc.FieldCreatedOn, false, time.Time{}, true},
		{fc.FieldCheckinAttemptTimeLocal, false, time.Time{}, true}, {fc.FieldBusinessID, true, few, true}, {fc.FieldCoworkerID, false, few, true}} {
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: tt.order, Descending: tt.desc, Page: 1, Size: 20,
			Conditions: []fc.Condition{fc.TimeRange(fc.FieldUpdatedOn, from, tt.until)}}
		run, _, tx := recordingRun(ctx, t, db)
		total, err := sqlstore.CountMatching(ctx, sqlstore.SQLite(), run, q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, q, total)
		if err != nil {
			t.Fatal(err)
		}
		_ = tx.Rollback()
		if got := strings.Contains(p.SQL, "id BETWEEN"); got != tt.ids {
			t.Errorf("by %s until %v: the page tests an Id range: %v; want %v\n%s", tt.order, tt.until, got, tt.ids, p.SQL)
		}
		page, err := db.FindFailedCheckins(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := storetest.Search(recs, q)
		if page.TotalItems != want.TotalItems || !slices.EqualFunc(page.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
			t.Errorf("by %s: %d of %d records, the reference %d of %d", tt.order, len(page.Records), page.TotalItems, len(want.Records), want.TotalItems)
		}
	}
}

// TestZoneOrderBound: pages ordered by CreatedOn or CheckinAttemptTime over
// a range inside a few of 20 blocks test the range of the order's values
// those blocks hold (sqlstore.zoneIDs' order); the first and last pages in
// both directions match the reference. The range starts at a block's first
// record, whose order's values are the block's least (a bound one second
// too high leaves it out), and CreatedOn is ten days after the attempt
// (one field's bound on the other's order leaves records out).
func TestZoneOrderBound(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	recs, byID := importedLate(t, db, 2, 0)
	for _, span := range [][2]int64{{5 * 1024, 9*1024 + 300}, {12 * 1024, 13*1024 - 1}, {3*1024 + 500, 4 * 1024}} {
		from, until := byID[span[0]].UpdatedOn, byID[span[1]].UpdatedOn.Add(time.Second)
		for _, order := range []fc.Field{fc.FieldCreatedOn, fc.FieldCheckinAttemptTime} {
			for _, desc := range []bool{false, true} {
				q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: order, Descending: desc, Size: 20,
					Conditions: []fc.Condition{fc.TimeRange(fc.FieldUpdatedOn, from, until)}}
				total := storetest.Search(recs, q).TotalItems
				for _, page := range []int64{1, (total + 19) / 20} {
					q.Page = page
					run, _, tx := recordingRun(ctx, t, db)
					p, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, q, total)
					if err != nil {
						t.Fatal(err)
					}
					_ = tx.Rollback()
					if !strings.Contains(p.SQL, "id BETWEEN") {
						t.Errorf("Ids %v by %s desc=%v page %d: no Id range\n%s", span, order, desc, page, p.SQL)
					}
					got, err := db.FindFailedCheckins(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					want := storetest.Search(recs, q)
					if got.TotalItems != want.TotalItems || !slices.EqualFunc(got.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
						t.Errorf("Ids %v by %s desc=%v page %d: %d of %d records, the reference %d of %d (first %v, %v)", span, order, desc, page,
							len(got.Records), got.TotalItems, len(want.Records), want.TotalItems, ids(got.Records, 3), ids(want.Records, 3))
					}
				}
			}
		}
	}
}

// TestZoneOrderBoundNative: over every location, a range on the attempt
// time (or its local copy) ordered by CreatedOn, or on CreatedOn ordered by
// the attempt time, a range SQLite's own plan seeks, also tests the Ids
// and the order's values of the zone map's blocks (sqlstore's
// boundedOrder), so that its plan walks that stretch of the order instead
// of the whole index from one end (issue 17's r105); with a location list
// it does not. First, middle and last pages both ways, with and without a
// Source, match the reference. Fails on main for the plan (no Id range).
func TestZoneOrderBoundNative(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	recs, byID := importedLate(t, db, 4, time.Hour)
	at, local, created := fc.FieldCheckinAttemptTime, fc.FieldCheckinAttemptTimeLocal, fc.FieldCreatedOn
	value := func(f fc.Field, id int64) time.Time {
		switch f {
		case at:
			return byID[id].CheckinAttemptTime
		case local:
			return byID[id].CheckinAttemptTimeLocal
		}
		return byID[id].CreatedOn
	}
	for _, span := range [][2]int64{{5 * 1024, 9*1024 + 300}, {12*1024 + 17, 13*1024 - 1}} {
		for _, tt := range []struct{ field, order fc.Field }{{at, created}, {local, created}, {created, at}} {
			for variant := range 3 {
				for _, desc := range []bool{false, true} {
					q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: tt.order, Descending: desc, Size: 20,
						Conditions: []fc.Condition{fc.TimeRange(tt.field, value(tt.field, span[0]), value(tt.field, span[1]))}}
					switch variant {
					case 1:
						q.Conditions = append(q.Conditions, fc.In(fc.FieldSource, 0, 3))
					case 2:
						q.Conditions = append(q.Conditions, fc.In(fc.FieldBusinessID, 1001, 1002))
					}
					total := storetest.Search(recs, q).TotalItems
					last := (total + 19) / 20
					for _, page := range []int64{1, max(1, last/3), last} {
						q.Page = page
						run, _, tx := recordingRun(ctx, t, db)
						p, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, q, total)
						if err != nil {
							t.Fatal(err)
						}
						_ = tx.Rollback()
						if bounded := strings.Contains(p.SQL, "id BETWEEN"); bounded != (variant != 2) {
							t.Errorf("%v range %v by %s desc=%v variant %d page %d: Id range %v\n%s", tt.field, span, tt.order, desc, variant, page, bounded, p.SQL)
						}
						got, err := db.FindFailedCheckins(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						want := storetest.Search(recs, q)
						if got.TotalItems != want.TotalItems || !slices.EqualFunc(got.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
							t.Errorf("%v range %v by %s desc=%v variant %d page %d: %d of %d records, the reference %d of %d (first %v, %v)", tt.field, span, tt.order, desc,
								variant, page, len(got.Records), got.TotalItems, len(want.Records), want.TotalItems, ids(got.Records, 3), ids(want.Records, 3))
						}
					}
				}
			}
		}
	}
}

// TestNameRouteByCost pins the choice between the name indexes
// (zonePlan.names) and the plain count for a name substring beside a
// time range (sqlstore's chooseNames): on 40,000 records (720 a day) of
// 8,000 names, "1" is held by 3,439 names (about 43% of the records),
// one seek each. A range of 4 days (2,880 records) is counted plainly,
// as before the name route (review of issue 17: 2 days and "an" on the
// 1M bench database, 1.3-1.9 ms plainly, 6.4-7.6 through 2,895 names);
// the whole 55 days through the name index; 1,000 Ids (a driver, native
// beyond enough) by the Id range's walk, which lists the matches, and the
// page reads those by id (drivenList). Every answer is checked against
// the reference search.
func TestNameRouteByCost(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var recs []*fc.FailedCheckin
	for i := range 40000 {
		at := start.Add(time.Duration(i) * 2 * time.Minute)
		cw := int64(1000 + i%8000)
		biz, name := int64(2+i%9), i%8000
		if i%40 == 0 {
			// 1,000 records of 1,000 names (271 hold "1"): the scope drives
			// a count (more than enough records, at most one in drivenShare)
			biz, name = 1, i/40
		}
		recs = append(recs, &fc.FailedCheckin{
			UniqueID:   fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			CoworkerID: &cw, CoworkerFullName: fmt.Sprintf("Person %04d", name),
			BusinessID: biz, BusinessName: fmt.Sprintf("Location %02d", biz),
			CheckinAttemptTime: at, Source: fc.Source(2 + i%2), MacAddresses: fmt.Sprintf("aa:bb:%02x", i%256),
			Teams: "Team " + string(rune('A'+i%5)), Tariff: "Desk " + string(rune('A'+i%7)),
			Description:             []string{"Plan expired", "Outside allowed hours", "Unpaid invoices"}[i%3],
			CheckinAttemptTimeLocal: at.Add(2 * time.Hour), CreatedOn: at, UpdatedOn: at,
		})
	}
	if n, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil || n != len(recs) {
		t.Fatalf("CreateFailedCheckins = %d, %v", n, err)
	}
	stored := readAll(t, db)
	day := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		scope  fc.Scope
		field  fc.Field
		days   int
		named  bool
		listed bool // the count lists the matches for the page (drivenList)
	}{
		{"4 days: counted plainly", fc.AllBusinesses(), fc.FieldCheckinAttemptTime, 4, false, false},
		{"the whole 55 days: through the name index", fc.AllBusinesses(), fc.FieldCheckinAttemptTime, 60, true, false},
		// 1,000 Ids: more than enough, at most one record in drivenShare,
		// the Id range drives the count, which lists the matches.
		{"1,000 Ids: the count lists the matches for the page", fc.AllBusinesses(), fc.FieldID, 0, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from := day
			if tt.named {
				from = start
			}
			rng := fc.TimeRange(tt.field, from, from.AddDate(0, 0, tt.days))
			if tt.field == fc.FieldID {
				rng = fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: stored[20000].ID, Max: stored[20999].ID}
			}
			q := fc.Query{Scope: tt.scope, Conditions: []fc.Condition{rng, fc.Contains(fc.FieldCoworkerFullName, "1")},
				OrderBy: fc.FieldID, Page: 2, Size: 25}
			run, stmts, tx := recordingRun(ctx, t, db)
			total, err := sqlstore.CountMatching(ctx, sqlstore.SQLite(), run, q)
			if err != nil {
				t.Fatal(err)
			}
			ref := storetest.Search(stored, q)
			if total != ref.TotalItems || total == 0 {
				t.Fatalf("count = %d; the reference counts %d (want some)", total, ref.TotalItems)
			}
			named := slices.ContainsFunc(*stmts, func(st sqlstore.Statement) bool { return nameCounts.MatchString(st.SQL) })
			if named != tt.named {
				t.Errorf("counted through the name index: %v, want %v; statements %v", named, tt.named, *stmts)
			}
			if listed := slices.ContainsFunc(*stmts, func(st sqlstore.Statement) bool { return strings.Contains(st.SQL, "count(*) OVER ()") }); listed != tt.listed {
				t.Errorf("matches listed: %v, want %v; statements %v", listed, tt.listed, *stmts)
			}
			if tt.listed {
				// Through the store, the page reads the listed records by id.
				var whole []sqlstore.Statement
				if _, err := sqlstore.FindFailedCheckins(ctx, sqlstore.SQLite(), func(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
					return fn(recordingTx{&sqlTx{tx: tx, prepared: func(string) *sql.Stmt { return nil }}, &whole})
				}, q); err != nil {
					t.Fatal(err)
				}
				wantPlan(t, tx, whole[len(whole)-1], []string{"USING INTEGER PRIMARY KEY"})
				if last := whole[len(whole)-1].SQL; !strings.Contains(last, "WHERE id IN (") {
					t.Errorf("page statement %q; want the listed ids", last)
				}
			}
			sameAsReference(t, db, q, ref)
		})
	}
}

// importedLate stores 20,000 generated records, one every 20 minutes from
// 2025 on (the local time local after the attempt, UpdatedOn the attempt),
// each created ten days after its attempt and one in 50 (drawn from seed)
// up to 100 days later still, as an import of old records would: the
// zone maps' blocks then hold CreatedOn values out of the Id's order. It
// returns the stored records, and the same by Id.
func importedLate(t *testing.T, db *DB, seed uint64, local time.Duration) ([]*fc.FailedCheckin, map[int64]*fc.FailedCheckin) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(17, seed))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []*fc.FailedCheckin
	for r := range generated(20000) {
		at := start.Add(time.Duration(r.ID) * 20 * time.Minute)
		r.CheckinAttemptTime, r.CheckinAttemptTimeLocal = at, at.Add(local)
		r.CreatedOn, r.UpdatedOn = at.Add(10*24*time.Hour), at
		if rnd.IntN(50) == 0 { // imported late
			r.CreatedOn = r.CreatedOn.Add(time.Duration(rnd.IntN(100)) * 24 * time.Hour)
		}
		recs = append(recs, r)
	}
	if _, err := db.CreateFailedCheckins(context.Background(), records(recs)); err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*fc.FailedCheckin{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	return recs, byID
}

// TestSpanPage pins the page of ranges on two fields, each past the
// probes' cap, over every location (sqlstore's spanPage; issue 17's r074
// at 10M records, where SQLite's own pick walked the 10M entries of the
// order's index). On 40,000 records, 720 a day, the local times two hours
// after the attempts: four days of attempts (2,880 records, Ids 14,401 to
// 17,280) and the local times from the fourth day's 02:00 on leave its
// 720 matches in one of the zone map's blocks of 1,024 Ids, which every
// page reads through the rowid. With a CreatedOn range instead, which one
// record in ten passes wherever it is (created late), the three blocks of
// the four days meet both ranges, and the four days' index, with fewer
// entries than those blocks hold Ids, is read for the first pages; the
// last, 13 records (reversed: the first 13 the other way), is left to
// SQLite, whose walk of an order's index may find them sooner (about
// 13 * 40,000 / 288 entries). Without spanPage SQLite picks the index of a
// range itself (no INDEXED BY, no rowid range). First, middle, deep
// (narrowPage) and last pages, both directions, in orders with an index of
// their own, with SQLite's and with none, are checked against the
// reference search.
func TestSpanPage(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	late := start.AddDate(1, 0, 0)
	var recs []*fc.FailedCheckin
	for i := range 40000 {
		r := fewMatchesRecord(start, i, int64(1+i%10))
		if i%10 == 3 {
			r.CreatedOn = late.Add(time.Duration(i) * time.Second)
		}
		recs = append(recs, r)
	}
	if n, err := db.CreateFailedCheckins(ctx, records(recs)); err != nil || n != len(recs) {
		t.Fatalf("CreateFailedCheckins = %d, %v", n, err)
	}
	stored := readAll(t, db)
	day := start.AddDate(0, 0, 20)
	attempts := fc.TimeRange(fc.FieldCheckinAttemptTime, day, day.AddDate(0, 0, 4))
	local := fc.TimeRange(fc.FieldCheckinAttemptTimeLocal, day.AddDate(0, 0, 3).Add(2*time.Hour), day.AddDate(0, 0, 40))
	created := fc.TimeRange(fc.FieldCreatedOn, late, time.Time{})
	for _, tt := range []struct {
		name   string
		second fc.Condition
		total  int64
		pages  []int64
		want   string // in the page's SQL, "" for none of spanPage's
		plan   string // in its plan
	}{
		{"a local range", local, 720, []int64{1, 3, 12, 29}, " NOT INDEXED ", "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"},
		{"a CreatedOn range out of the Ids' order", created, 288, []int64{1, 3}, " INDEXED BY failed_checkins_time ", "USING INDEX failed_checkins_time"},
		{"the same, its last page", created, 288, []int64{12}, "", ""},
	} {
		for _, order := range []fc.Field{fc.FieldDescription, fc.FieldCoworkerID, fc.FieldID, fc.FieldCheckinAttemptTimeLocal} {
			for _, desc := range []bool{false, true} {
				q := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{attempts, tt.second}, OrderBy: order, Descending: desc, Size: 25}
				if total := storetest.Search(stored, q).TotalItems; total != tt.total {
					t.Fatalf("%s: the reference counts %d matches; the test wants %d", tt.name, total, tt.total)
				}
				for _, page := range tt.pages {
					q.Page = page
					run, _, tx := recordingRun(ctx, t, db)
					p, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, q, tt.total)
					if err != nil {
						t.Fatal(err)
					}
					got := explain(t, tx, p.SQL, p.Args)
					_ = tx.Rollback() // the reader pool's connections are few
					if tt.want == "" {
						if strings.Contains(p.SQL, " INDEXED ") || strings.Contains(p.SQL, "id BETWEEN") {
							t.Errorf("%s by %s desc=%v page %d: %q; want SQLite's own plan", tt.name, order, desc, page, p.SQL)
						}
					} else if !strings.Contains(p.SQL, tt.want) || !strings.Contains(p.SQL, "id BETWEEN") || !strings.Contains(got, tt.plan) {
						t.Errorf("%s by %s desc=%v page %d: plan of %q = %q; want %q and %q", tt.name, order, desc, page, p.SQL, got, tt.want, tt.plan)
					}
					want := storetest.Search(stored, q)
					if page := find(t, db, q); page.TotalItems != want.TotalItems || len(page.Records) == 0 ||
						!slices.EqualFunc(page.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
						t.Errorf("%s by %s desc=%v page %d: %d of %d records, the reference %d of %d (first %v, %v)", tt.name, order, desc, q.Page,
							len(page.Records), page.TotalItems, len(want.Records), want.TotalItems, ids(page.Records, 3), ids(want.Records, 3))
					}
				}
			}
		}
	}
}

// TestLocatedOrderBound: within one location (a scope, or a BusinessId
// list of one), a range on another time than the order's, CreatedOn or
// the attempt time, adds the order's bound of the zone map's blocks
// (sqlstore's locatedOrder), which SQLite's plan seeks in the location's
// (business, order) index instead of walking it from one end past every
// record outside the range (issue 17's r139: one location's five days of
// local times, the newest first). Two locations are left as they were
// (their records are sorted anyway). The records are importedLate's
// (CreatedOn out of the Ids' order for one in 50); first, middle and last
// pages both ways match the reference. An attempt range ordered by
// CreatedOn keeps SQLite's own seek of (business, time) (wt-B's review:
// late records widen the bound). Fails on main for the plan.
func TestLocatedOrderBound(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	recs, byID := importedLate(t, db, 6, time.Hour)
	at, local := fc.FieldCheckinAttemptTime, fc.FieldCheckinAttemptTimeLocal
	seekOf := map[fc.Field]string{
		fc.FieldCreatedOn: "failed_checkins_business_created (business_id=? AND created_on>? AND created_on<?)",
		at:                "failed_checkins_business_time (business_id=? AND checkin_attempt_time>? AND checkin_attempt_time<?)",
	}
	for _, span := range [][2]int64{{5*1024 + 100, 5*1024 + 700}, {12 * 1024, 14*1024 - 1}} {
		for _, tt := range []struct{ field, order fc.Field }{{local, fc.FieldCreatedOn}, {at, fc.FieldCreatedOn}, {local, at}} {
			from, until := byID[span[0]], byID[span[1]]
			r := fc.TimeRange(tt.field, from.CheckinAttemptTimeLocal, until.CheckinAttemptTimeLocal)
			if tt.field == at {
				r = fc.TimeRange(at, from.CheckinAttemptTime, until.CheckinAttemptTime)
			}
			for variant, where := range []struct {
				scope fc.Scope
				list  []int64
				one   bool
			}{{fc.BusinessScope(1001), nil, true}, {fc.AllBusinesses(), []int64{1001}, true}, {fc.BusinessScope(1001, 1002), nil, false}} {
				for _, desc := range []bool{false, true} {
					q := fc.Query{Scope: where.scope, OrderBy: tt.order, Descending: desc, Size: 10, Conditions: []fc.Condition{r}}
					if where.list != nil {
						q.Conditions = append(q.Conditions, fc.In(fc.FieldBusinessID, where.list...))
					}
					total := storetest.Search(recs, q).TotalItems
					last := (total + 9) / 10
					for _, page := range []int64{1, max(1, last/3), last} {
						q.Page = page
						run, _, tx := recordingRun(ctx, t, db)
						p, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, q, total)
						if err != nil {
							t.Fatal(err)
						}
						got := explain(t, tx, p.SQL, p.Args)
						_ = tx.Rollback()
						// An attempt range keeps SQLite's own seek of
						// (business, time) and its sort: no bound.
						if seeks := strings.Contains(got, seekOf[tt.order]); seeks != (where.one && tt.field != at) {
							t.Errorf("%v range %v by %s desc=%v variant %d page %d of %d: plan %q; want the location's order in the range: %v\n%s",
								tt.field, span, tt.order, desc, variant, page, total, got, where.one && tt.field != at, p.SQL)
						}
						want := storetest.Search(recs, q)
						if got := find(t, db, q); got.TotalItems != want.TotalItems || len(got.Records) == 0 ||
							!slices.EqualFunc(got.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
							t.Errorf("%v range %v by %s desc=%v variant %d page %d: %d of %d records, the reference %d of %d (first %v, %v)", tt.field, span, tt.order,
								desc, variant, page, len(got.Records), got.TotalItems, len(want.Records), want.TotalItems, ids(got.Records, 3), ids(want.Records, 3))
						}
					}
				}
			}
		}
	}
}
