package postgres

import (
	"context"
	"slices"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestMacSubstringPlan: a substring of the MAC addresses is seeked through
// the MAC dictionary (sqlstore's macArrayTerm): its lists holding the
// needle, found through the trigram index of the lists without colons
// (fc_count_mac_pieces, migration 0025), then their records by equality,
// where a scan of the table tested every record (issue 17's r053, r065,
// r117, r150: 230-330 ms at 1M records). Sequential scans are disabled in
// the session so that the sample's 2,000 records plan as 1M do. Fails on
// main (no fc_count_mac_pieces in either plan: the dictionary and the
// records are read whole). The answers, with and without a location and
// a range, needles long and short (a short one keeps the plain test), in
// upper case, and across two lists' separator, in several orders, are the
// reference's.
func TestMacSubstringPlan(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	sample := storetest.Sample(t)
	loadSample(t, db)
	for _, s := range []string{"VACUUM ANALYZE failed_checkins", "ANALYZE fc_count_mac"} {
		if _, err := db.pool.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var one, two *fc.FailedCheckin // a record with one MAC list, one with two
	for _, r := range sample {
		switch n := strings.Count(r.MacAddresses, ","); {
		case one == nil && n == 0 && len(r.MacAddresses) >= 17:
			one = r
		case two == nil && n >= 1:
			two = r
		}
	}
	if one == nil || two == nil {
		t.Fatal("the sample has no record with one MAC address or with two")
	}
	long := one.MacAddresses[3:13] // "xx:xx:xx:x"
	across := two.MacAddresses[strings.Index(two.MacAddresses, ",")-4:][:8]
	q := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldMacAddresses, long)},
		OrderBy: fc.FieldReason, Page: 1, Size: 10}
	err := db.read(ctx, func(tx sqlstore.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		st, _, err := plannedPage(ctx, tx, q)
		if err != nil {
			return err
		}
		count, err := sqlstore.PlanCount(ctx, dialect, sqlstore.RunIntsOf(tx), fc.Query{Scope: fc.BusinessScope(one.BusinessID), Conditions: q.Conditions})
		if err != nil {
			return err
		}
		for _, s := range append(count, st.Statement) {
			if !strings.Contains(s.SQL, "failed_checkins ") {
				continue // the rollup's own sum
			}
			text, err := planOf(ctx, tx, s)
			if err != nil {
				return err
			}
			if !strings.Contains(text, "fc_count_mac_pieces") || !strings.Contains(text, "failed_checkins_mac_addresses") {
				t.Errorf("plan of %s:\n%s\nwant the lists through fc_count_mac_pieces, their records through failed_checkins_mac_addresses", s.SQL, text)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	from := one.CheckinAttemptTime.UTC().AddDate(0, -6, 0)
	for _, needle := range []string{long, strings.ToUpper(long), across, one.MacAddresses, one.MacAddresses[3:6], one.MacAddresses[4:8], "zz:zz"} {
		for _, scope := range []fc.Scope{fc.AllBusinesses(), fc.BusinessScope(one.BusinessID, two.BusinessID)} {
			for _, conds := range [][]fc.Condition{nil, {fc.TimeRange(fc.FieldCheckinAttemptTime, from, from.AddDate(1, 0, 0))}} {
				for _, order := range []fc.Field{fc.FieldReason, fc.FieldMacAddresses, fc.FieldUpdatedOn} {
					q := fc.Query{Scope: scope, Conditions: append([]fc.Condition{fc.Contains(fc.FieldMacAddresses, needle)}, conds...),
						OrderBy: order, Descending: order == fc.FieldUpdatedOn, Page: 1, Size: 5}
					want := storetest.Search(sample, q)
					got, err := db.FindFailedCheckins(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if got.TotalItems != want.TotalItems || !slices.EqualFunc(got.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
						t.Errorf("FindFailedCheckins(%+v) = %d records, total %d; want %d, total %d", q, len(got.Records), got.TotalItems, len(want.Records), want.TotalItems)
					}
				}
			}
		}
	}
}
