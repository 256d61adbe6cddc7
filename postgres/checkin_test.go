package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/storetest"
)

func TestCheckinConformance(t *testing.T) {
	storetest.RunCheckins(t, func(t *testing.T) storetest.CheckinBackend { return openTest(t) })
}

// TestMonthlyLimitAcrossServers: four stores on one database stand for
// four API servers; 16 clients submit batches for the same coworker (limit
// 3 a month) through all of them at once. Exactly 3 are accepted. Beside
// them another client rewrites and deletes refusals already stored (the
// triggers count those, the batches count theirs in Go, all on the same
// count rows): every rollup ends exact, and no writer deadlocks.
func TestMonthlyLimitAcrossServers(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	servers := make([]*DB, 4)
	for i := range servers {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		servers[i] = db
	}
	storetest.ImportTestDirectory(t, servers[0])
	var accepted, refused atomic.Int64
	var wg sync.WaitGroup
	var clients sync.WaitGroup // the 16 batch clients alone
	batchesDone := make(chan struct{})
	for c := range 16 {
		clients.Add(1)
		wg.Go(func() {
			defer clients.Done()
			db := servers[c%len(servers)]
			for j := range 4 {
				var batch []*fc.Attempt
				for k := range 3 {
					id := int64(10)
					batch = append(batch, &fc.Attempt{BusinessID: 1, Source: fc.SourceTile, CoworkerID: &id,
						FromTime: time.Date(2026, 7, 1+(c+j+k)%20, 10, 0, 0, 0, time.UTC)})
				}
				results, err := db.RecordAttempts(ctx, batch)
				if err != nil {
					t.Errorf("RecordAttempts: %v", err)
					return
				}
				for _, r := range results {
					switch {
					case r.Err != nil:
						t.Errorf("attempt: %v", r.Err)
					case r.Outcome.Accepted:
						accepted.Add(1)
					case r.Outcome.Reason == fc.ReasonCheckinLimitReached:
						refused.Add(1)
					default:
						t.Errorf("outcome %+v; want accepted or CheckinLimitReached", r.Outcome)
					}
				}
			}
		})
	}
	go func() { clients.Wait(); close(batchesDone) }()
	var changes atomic.Int64 // rounds of a rewrite and a delete done while batches still ran
	wg.Go(func() {
		db := servers[3]
		for range 400 {
			if changes.Load() == 8 {
				return
			}
			page, err := db.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 6})
			if err != nil {
				t.Errorf("FindFailedCheckins: %v", err)
				return
			}
			var ids []int64
			for _, r := range page.Records {
				ids = append(ids, r.ID)
			}
			if len(ids) < 2 {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			rename := func(r *fc.FailedCheckin) error {
				r.CoworkerFullName, r.MacAddresses = "Renamed", "aa:bb:cc:dd:ee:01"
				return nil
			}
			if _, err := db.UpdateFailedCheckins(ctx, ids[len(ids)/2:], rename); err != nil {
				t.Errorf("UpdateFailedCheckins: %v", err)
			}
			if _, err := db.DeleteFailedCheckins(ctx, ids[:len(ids)/2]); err != nil {
				t.Errorf("DeleteFailedCheckins: %v", err)
			}
			select {
			case <-batchesDone: // after the batches: counted by the triggers alone, not beside them
			default:
				changes.Add(1)
			}
		}
	})
	wg.Wait()
	if changes.Load() == 0 {
		t.Error("no record was rewritten and deleted while the batches ran: the rollups were not tested against changes beside them")
	}
	checkRollups(t, servers[0])
	page, err := servers[1].FindCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 10})
	if accepted.Load() != 3 || refused.Load() != 16*4*3-3 || err != nil || page.TotalItems != 3 {
		t.Errorf("accepted %d, refused %d, stored %d (%v); want 3, %d, 3", accepted.Load(), refused.Load(), page.TotalItems, err, 16*4*3-3)
	}
}
