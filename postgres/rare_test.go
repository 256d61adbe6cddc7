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

// TestRareCombinationPlans: conjunctions whose fields are each common but
// rare together (issue 17's r086, r092, r122; migration 0027, sqlite
// 0026). A Source and a tariff that no record has together answer 0 from
// fc_count_source_tariff without reading a record (sqlstore's
// sourceTariffSeed), and the count of records without a coworker is
// planned on failed_checkins_no_coworker. (A Source and a tariff
// substring that a few records have together are planned on the pair's
// index on SQLite only: PostgreSQL tests the substring with LIKE, which
// that index does not seek, and its planner prefers a location's index.) Sequential scans are
// disabled in the session so that the 10,000 records plan as 1M do.
// Fails on main (no such indexes; the zero pair read records). Every
// answer is the reference's.
func TestRareCombinationPlans(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	recs := storetest.RareCombinations()
	if _, err := db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, "VACUUM ANALYZE failed_checkins"); err != nil {
		t.Fatal(err)
	}
	var all []*fc.FailedCheckin // every stored record, with its Id
	for page := int64(1); len(all) < len(recs); page++ {
		p, err := db.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: page, Size: fc.MaxPageSize})
		if err != nil || len(p.Records) == 0 {
			t.Fatalf("page %d of every record: %v", page, err)
		}
		all = append(all, p.Records...)
	}
	null := fc.Condition{Field: fc.FieldCoworkerID, Match: fc.MatchInts, Null: true}
	for _, tt := range []struct {
		name string
		q    fc.Query
		// index: the count's statement on failed_checkins is planned on
		// it; "" when no statement may read failed_checkins.
		index string
	}{{
		name: "Wifi and a Private Office substring, which no record has together, in ten locations: 0 without a record read",
		q: fc.Query{Scope: fc.BusinessScope(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
			Conditions: []fc.Condition{fc.In(fc.FieldSource, 2), fc.Contains(fc.FieldTariff, "office")}},
	}, {
		name:  "no coworker, Kiosk and a tariff substring: the no-coworker index",
		q:     fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{null, fc.In(fc.FieldSource, 3, 5), fc.Contains(fc.FieldTariff, "ffice")}},
		index: "failed_checkins_no_coworker",
	}, {
		name:  "a location's records without a coworker and a MAC substring: the no-coworker index",
		q:     fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 4), null, fc.Contains(fc.FieldMacAddresses, "bb:0")}},
		index: "failed_checkins_no_coworker",
	}} {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.OrderBy, tt.q.Page, tt.q.Size = fc.FieldUniqueID, 1, 25
			err := db.read(ctx, func(tx sqlstore.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
					return err
				}
				var stmts []sqlstore.Statement
				base := sqlstore.RunIntsOf(tx)
				run := func(ctx context.Context, st sqlstore.Statement, width int, row func([]int64) bool) error {
					stmts = append(stmts, st)
					return base(ctx, st, width, row)
				}
				q, err := sqlstore.Narrow(ctx, dialect, run, tt.q)
				if err != nil {
					return err
				}
				if _, err := sqlstore.CountMatching(ctx, dialect, run, q); err != nil {
					return err
				}
				read := slices.ContainsFunc(stmts, func(st sqlstore.Statement) bool { return strings.Contains(st.SQL, "FROM failed_checkins") })
				if tt.index == "" {
					if read {
						t.Errorf("statements %v; want none reading failed_checkins", stmts)
					}
					return nil
				}
				last := stmts[len(stmts)-1]
				text, err := planOf(ctx, tx, last)
				if err != nil {
					return err
				}
				if !strings.Contains(text, tt.index) {
					t.Errorf("plan of %s:\n%s\nwant %s", last.SQL, text, tt.index)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := storetest.Search(all, tt.q)
			got, err := db.FindFailedCheckins(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got.TotalItems != want.TotalItems || !slices.EqualFunc(got.Records, want.Records, func(a, b *fc.FailedCheckin) bool { return a.ID == b.ID }) {
				t.Errorf("FindFailedCheckins = %d records, total %d; want %d, total %d", len(got.Records), got.TotalItems, len(want.Records), want.TotalItems)
			}
		})
	}
}
