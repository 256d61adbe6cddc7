package postgres

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestZoneCounts: on PostgreSQL, searches of ranges of the Id and the zone
// maps' times (with and without locations, and beside a Source, tariff or
// description) are counted from the zone maps of migration 0028, and their
// totals are the reference's, after an import, deletes and rewrites that
// move times, locations and values (the triggers keep the zone maps: the
// blocks' counts and per-value counts, and bounds that hold every record's
// values, checkRollups); and a page of each in CreatedOn's or the attempt
// time's order is the reference's, bounded by the zone map beside a range
// of another time (sqlstore's pageStatement). The sample's times are
// rewritten to grow with its Ids (2 blocks of fc_zone), but a few UpdatedOn.
func TestZoneCounts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	rnd := rand.New(rand.NewPCG(27, 1))
	recs := storetest.Sample(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, r := range recs {
		// Times grow with the Ids, as in the bench data, but a few.
		r.ID = int64(i) + 1
		at := start.Add(time.Duration(i) * 90 * time.Minute)
		r.CheckinAttemptTime, r.CheckinAttemptTimeLocal = at, at.Add(time.Duration(rnd.IntN(25)-12)*time.Hour)
		r.CreatedOn, r.UpdatedOn = at.Add(3*time.Second), at.Add(3*time.Second)
		if rnd.IntN(50) == 0 {
			r.UpdatedOn = at.Add(time.Duration(rnd.IntN(300)) * 24 * time.Hour)
		}
	}
	if _, err := db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	zoned, valued, bounded := 0, 0, 0
	check := func(step string) {
		t.Helper()
		checkRollups(t, db)
		var all []*fc.FailedCheckin
		for r, err := range db.ExportFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID}) {
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, r)
		}
		for i := range 150 {
			q := zoneQuery(rnd, all)
			sts, err := sqlstore.PlanCount(ctx, dialect, nil, q)
			if err != nil {
				t.Fatalf("%s, query %d %+v: PlanCount: %v", step, i, q, err)
			}
			if strings.Contains(sts[0].SQL, "fc_zone") {
				zoned++
				if strings.Contains(sts[0].SQL, "fc_zone_source") || strings.Contains(sts[0].SQL, "_tariff") || strings.Contains(sts[0].SQL, "_description") {
					valued++
				}
			}
			got, err := db.FindFailedCheckins(ctx, q)
			if err != nil {
				t.Fatalf("%s, query %d %+v: %v", step, i, q, err)
			}
			if want := storetest.Search(all, q).TotalItems; got.TotalItems != want {
				t.Fatalf("%s, query %d %+v: TotalItems %d, the reference %d", step, i, q, got.TotalItems, want)
			}
			// A page of the same search by CreatedOn or the attempt time,
			// anywhere in the matches: beside a range of another time its
			// walk is bounded by the order's values of the zone map's
			// blocks (and their Ids) that meet the ranges.
			q.OrderBy, q.Descending = []fc.Field{fc.FieldCreatedOn, fc.FieldCheckinAttemptTime}[rnd.IntN(2)], rnd.IntN(2) == 0
			q.Size = 1 + rnd.IntN(40)
			want := storetest.Search(all, q)
			if want.TotalItems > 0 {
				q.Page = 1 + int64(rnd.IntN(int(want.TotalItems+int64(q.Size)-1)/q.Size))
				want = storetest.Search(all, q)
			}
			page, err := db.FindFailedCheckins(ctx, q)
			if err != nil {
				t.Fatalf("%s, page %d %+v: %v", step, i, q, err)
			}
			if page.TotalItems != want.TotalItems || !slices.EqualFunc(page.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
				t.Fatalf("%s, page %d %+v: %d of %d records, the reference %d of %d", step, i, q, len(page.Records), page.TotalItems,
					len(want.Records), want.TotalItems)
			}
			if want.TotalItems == 0 {
				continue
			}
			if err := db.read(ctx, func(tx sqlstore.Tx) error {
				st, _, err := plannedPage(ctx, tx, q)
				idRange := slices.ContainsFunc(q.Conditions, func(c fc.Condition) bool { return c.Field == fc.FieldID })
				if err == nil && !idRange && strings.Contains(st.SQL, "id BETWEEN") {
					bounded++
				}
				return err
			}); err != nil {
				t.Fatalf("%s, page %d %+v: %v", step, i, q, err)
			}
		}
	}
	check("import")
	pick := func(n int) []int64 {
		var ids []int64
		for range n {
			ids = append(ids, recs[rnd.IntN(len(recs))].ID)
		}
		return ids
	}
	if _, err := db.DeleteFailedCheckins(ctx, pick(150)); err != nil {
		t.Fatal(err)
	}
	check("deletes")
	tariffs := []string{"Hot Desk", "Dedicated Desk", "Office 12"}
	if _, err := db.UpdateFailedCheckins(ctx, pick(150), func(r *fc.FailedCheckin) error {
		r.UpdatedOn = r.UpdatedOn.Add(time.Duration(rnd.IntN(100)) * 24 * time.Hour)
		r.CheckinAttemptTime = r.CheckinAttemptTime.Add(time.Duration(rnd.IntN(2000)-1000) * time.Hour)
		r.CheckinAttemptTimeLocal = r.CheckinAttemptTimeLocal.Add(time.Duration(rnd.IntN(2000)-1000) * time.Hour)
		r.BusinessID = recs[rnd.IntN(len(recs))].BusinessID
		r.Source = fc.Source(rnd.IntN(6))
		r.Tariff = tariffs[rnd.IntN(len(tariffs))]
		r.Description = "Rewritten " + r.Description
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("rewrites")
	t.Logf("%d of 450 searches counted from a zone map, %d of them with the counts of a value; %d pages bounded", zoned, valued, bounded)
	if zoned < 200 || valued < 50 {
		t.Errorf("only %d of 450 searches were counted from a zone map, %d of them with the counts of a value", zoned, valued)
	}
	if bounded < 10 {
		t.Errorf("only %d of 450 pages were bounded by the zone map", bounded)
	}
}

// zoneQuery returns a search of one or two ranges around the values of
// random records (an Id, the attempt time or its local time, CreatedOn,
// UpdatedOn; open or closed), over every location or two, with a Source,
// tariff or description condition in a third of them.
func zoneQuery(rnd *rand.Rand, all []*fc.FailedCheckin) fc.Query {
	q := fc.Query{Scope: fc.AllBusinesses(), Size: 1, Page: 1, OrderBy: fc.FieldID}
	if rnd.IntN(3) == 0 {
		q.Scope = fc.BusinessScope(all[rnd.IntN(len(all))].BusinessID, all[rnd.IntN(len(all))].BusinessID)
	}
	for range 1 + rnd.IntN(2) {
		a, b := all[rnd.IntN(len(all))], all[rnd.IntN(len(all))]
		var c fc.Condition
		switch f := []fc.Field{fc.FieldID, fc.FieldCheckinAttemptTime, fc.FieldCheckinAttemptTimeLocal, fc.FieldCreatedOn, fc.FieldUpdatedOn}[rnd.IntN(5)]; f {
		case fc.FieldID:
			lo, hi := min(a.ID, b.ID)+int64(rnd.IntN(3))-1, max(a.ID, b.ID)+int64(rnd.IntN(3))-1
			c = fc.Condition{Field: f, Match: fc.MatchIntRange, Min: lo, Max: hi}
		default:
			at := map[fc.Field]func(r *fc.FailedCheckin) time.Time{
				fc.FieldCheckinAttemptTime:      func(r *fc.FailedCheckin) time.Time { return r.CheckinAttemptTime },
				fc.FieldCheckinAttemptTimeLocal: func(r *fc.FailedCheckin) time.Time { return r.CheckinAttemptTimeLocal },
				fc.FieldCreatedOn:               func(r *fc.FailedCheckin) time.Time { return r.CreatedOn },
				fc.FieldUpdatedOn:               func(r *fc.FailedCheckin) time.Time { return r.UpdatedOn },
			}[f]
			from, until := at(a), at(b).Add(time.Duration(rnd.IntN(3))*time.Second)
			if until.Before(from) {
				from, until = until, from
			}
			switch rnd.IntN(4) {
			case 0:
				from = time.Time{}
			case 1:
				until = time.Time{}
			}
			c = fc.TimeRange(f, from, until)
		}
		q.Conditions = append(q.Conditions, c)
	}
	r := all[rnd.IntN(len(all))]
	switch rnd.IntN(9) {
	case 0:
		q.Conditions = append(q.Conditions, fc.In(fc.FieldSource, int64(r.Source), int64(rnd.IntN(6))))
	case 1:
		if len(r.Tariff) > 2 {
			q.Conditions = append(q.Conditions, fc.Contains(fc.FieldTariff, r.Tariff[1:3]))
		}
	case 2:
		if len(r.Description) > 4 {
			q.Conditions = append(q.Conditions, fc.Contains(fc.FieldDescription, r.Description[2:5]))
		}
	}
	return q
}
