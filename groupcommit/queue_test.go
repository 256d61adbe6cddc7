package groupcommit_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/sqlite"
	"github.com/failedcheckins/failedcheckins/storetest"
)

func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, db)
	return db
}

// TestMonthlyLimitUnderConcurrency: 16 clients submit for the same
// coworker (limit 3 a month); however the attempts are batched, exactly 3
// are accepted and every other one is refused with CheckinLimitReached.
func TestMonthlyLimitUnderConcurrency(t *testing.T) {
	db := openStore(t)
	q := groupcommit.New(db, groupcommit.Options{MaxBatch: 4})
	defer q.Close()
	var accepted, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 8 {
				a := &fc.Attempt{BusinessID: 1, Source: fc.SourceTile, CoworkerID: ptr(int64(10)),
					FromTime: time.Date(2026, 7, 1+(i+j)%20, 10, 0, 0, 0, time.UTC)}
				out, err := q.Submit(context.Background(), a)
				switch {
				case err != nil:
					t.Errorf("Submit: %v", err)
				case out.Accepted:
					accepted.Add(1)
				case out.Reason == fc.ReasonCheckinLimitReached:
					refused.Add(1)
				default:
					t.Errorf("Submit = %+v; want accepted or CheckinLimitReached", out)
				}
			}
		})
	}
	wg.Wait()
	page, err := db.FindCheckins(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 10})
	if accepted.Load() != 3 || refused.Load() != 16*8-3 || err != nil || page.TotalItems != 3 {
		t.Errorf("accepted %d, refused %d, stored %d (%v); want 3, %d, 3", accepted.Load(), refused.Load(), page.TotalItems, err, 16*8-3)
	}
}

// TestCloseDrains: attempts queued before Close are all committed and
// answered; Submit after Close is refused without writing.
func TestCloseDrains(t *testing.T) {
	db := openStore(t)
	q := groupcommit.New(db, groupcommit.Options{})
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 50 {
		wg.Go(func() {
			a := &fc.Attempt{BusinessID: 1, AccessCardID: "nobody", FromTime: time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)}
			if out, err := q.Submit(context.Background(), a); err == nil && out.ID > 0 {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	q.Close()
	if _, err := q.Submit(context.Background(), &fc.Attempt{BusinessID: 1}); fc.ErrorCode(err) != fc.ErrUnavailable {
		t.Errorf("Submit after Close error = %v; want ErrUnavailable", err)
	}
	page, _ := db.FindFailedCheckins(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1})
	if ok.Load() != 50 || page.TotalItems != 50 {
		t.Errorf("answered %d, stored %d; want 50, 50", ok.Load(), page.TotalItems)
	}
}

// TestCancelledBeforeCommit: a request whose context has ended is not
// written.
func TestCancelledBeforeCommit(t *testing.T) {
	db := openStore(t)
	q := groupcommit.New(db, groupcommit.Options{})
	defer q.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := q.Submit(ctx, &fc.Attempt{BusinessID: 1, AccessCardID: "x", FromTime: time.Now()})
	if fc.ErrorCode(err) != fc.ErrUnavailable {
		t.Errorf("Submit(cancelled) error = %v; want ErrUnavailable", err)
	}
}

func ptr[T any](v T) *T { return &v }

// slowStore answers every batch after a pause, as a commit's fsync would.
type slowStore struct{ pause time.Duration }

func (s slowStore) RecordAttempts(_ context.Context, as []*fc.Attempt) ([]fc.AttemptResult, error) {
	time.Sleep(s.pause)
	out := make([]fc.AttemptResult, len(as))
	for i := range out {
		out[i].Outcome = &fc.Outcome{ID: 1}
	}
	return out, nil
}

// TestBusySlowCommits: with commits slower than the load window (300
// ms each), 16 clients keep the queue Busy between one commit and the
// next, not only for two windows after each.
func TestBusySlowCommits(t *testing.T) {
	q := groupcommit.New(slowStore{pause: 300 * time.Millisecond}, groupcommit.Options{})
	defer q.Close()
	a := &fc.Attempt{BusinessID: 1}
	var wg sync.WaitGroup
	stop := time.Now().Add(2 * time.Second)
	for range 16 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if _, err := q.Submit(context.Background(), a); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	// The first commit holds one client's attempt (it starts at once);
	// from the second on, batches hold the other 15.
	for !q.Busy() && time.Now().Before(stop) {
		time.Sleep(5 * time.Millisecond)
	}
	seen, idle := 0, 0
	for time.Now().Before(stop.Add(-400 * time.Millisecond)) {
		seen++
		if !q.Busy() {
			idle++
		}
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	if seen == 0 || idle > 0 {
		t.Errorf("Busy false in %d of %d looks while 16 clients posted into 300 ms commits", idle, seen)
	}
}

// TestBusy: one client at a time never makes the queue Busy; 16 that
// post without pause do (batches of many attempts) while they post, and
// it stops being Busy within two load windows (and two of its short
// commits) of the last batch.
func TestBusy(t *testing.T) {
	q := groupcommit.New(slowStore{pause: 2 * time.Millisecond}, groupcommit.Options{})
	defer q.Close()
	a := &fc.Attempt{BusinessID: 1}
	for start := time.Now(); time.Since(start) < 3*groupcommit.LoadWindow; {
		if _, err := q.Submit(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if q.Busy() {
			t.Fatal("Busy with one client at a time")
		}
	}
	var busy atomic.Bool
	var wg sync.WaitGroup
	stop := time.Now().Add(3 * groupcommit.LoadWindow)
	for range 16 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if _, err := q.Submit(context.Background(), a); err != nil {
					t.Error(err)
					return
				}
				if q.Busy() {
					busy.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if !busy.Load() {
		t.Error("never Busy under 16 clients posting without pause")
	}
	// Two windows and two commits after the last batch; a commit slowed
	// by the machine's load lengthens that, so poll with a margin.
	deadline := time.Now().Add(2*groupcommit.LoadWindow + time.Second)
	for q.Busy() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if q.Busy() {
		t.Error("still Busy a second past two windows after the last batch")
	}
}
