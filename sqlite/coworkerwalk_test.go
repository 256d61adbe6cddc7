package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestCoworkerWalkBunched: a scope's page by CoworkerId walks
// failed_checkins_coworker only where the scope's records are spread over
// that order (review finding: with each location's coworkers numbered
// apart, the walk ascending read every other location's records before
// the first match, 185 ms against 80 for SQLite's own gather and sort on
// 200,000 records). The probe that decides reads the covering index
// failed_checkins_coworker_business_time without a record.
func TestCoworkerWalkBunched(t *testing.T) {
	for _, bunched := range []bool{true, false} {
		t.Run(fmt.Sprint("bunched=", bunched), func(t *testing.T) {
			db := openTest(t)
			ctx := context.Background()
			start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			var recs []*fc.FailedCheckin
			for i := range 4000 {
				b := int64(1 + i%20)
				cw := b*1000 + int64((i/20)%100) // the review's shape
				if !bunched {
					cw = 1000 + int64(i%2000)
				}
				at := start.Add(time.Duration(i) * time.Minute)
				recs = append(recs, &fc.FailedCheckin{UniqueID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
					CoworkerID: &cw, CoworkerFullName: fmt.Sprintf("Member %d", cw), BusinessID: b, BusinessName: fmt.Sprintf("Location %02d", b),
					CheckinAttemptTime: at, CheckinAttemptTimeLocal: at, CreatedOn: at, UpdatedOn: at, Source: 2, Description: "x"})
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
			for i, r := range recs {
				r.ID = int64(i + 1) // as stored, for the reference's order
			}
			run, stmts, tx := recordingRun(ctx, t, db)
			d := sqlstore.SQLite()
			for _, desc := range []bool{false, true} {
				q := fc.Query{Scope: fc.BusinessScope(14, 15, 16, 17, 18, 19, 20), OrderBy: fc.FieldCoworkerID, Descending: desc, Page: 1, Size: 25}
				*stmts = nil
				total, err := sqlstore.CountMatching(ctx, d, run, q)
				if err != nil {
					t.Fatal(err)
				}
				p, err := sqlstore.PlanPage(ctx, d, run, q, total)
				if err != nil {
					t.Fatal(err)
				}
				// Ascending, the bunched scope's coworkers come after
				// 13 other locations'; descending, first.
				want := !bunched || desc
				if got := strings.Contains(p.SQL, "INDEXED BY failed_checkins_coworker "); got != want {
					t.Errorf("desc=%v: page %q walks the coworker index = %v; want %v", desc, p.SQL, got, want)
				}
				for _, st := range *stmts {
					if strings.Contains(st.SQL, "failed_checkins_coworker_business_time") {
						if got := explain(t, tx, st.SQL, st.Args); !strings.Contains(got, "COVERING INDEX failed_checkins_coworker_business_time") || strings.Contains(got, "TEMP B-TREE") {
							t.Errorf("probe %q: plan %q; want the covering index in order", st.SQL, got)
						}
					}
				}
				ref := storetest.Search(recs, q)
				page := find(t, db, q)
				if page.TotalItems != ref.TotalItems || !slices.EqualFunc(page.Records, ref.Records, func(a, b *fc.FailedCheckin) bool { return a.CheckinAttemptTime.Equal(b.CheckinAttemptTime) }) {
					t.Errorf("desc=%v: search = %d records of %d; the reference %d of %d", desc, len(page.Records), page.TotalItems, len(ref.Records), ref.TotalItems)
				}
			}
		})
	}
}
