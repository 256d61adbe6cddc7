package sqlite

import (
	"context"
	"iter"
	"sync"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestReadersWhileWriting: readers keep working while batches are written
// (no "database is locked"), and each read sees a consistent snapshot:
// batches are atomic, so the total is always a whole number of batches
// and the page agrees with it.
func TestReadersWhileWriting(t *testing.T) {
	const batches, batchSize, readers = 20, 250, 4
	db := openTest(t)
	ctx := context.Background()
	all := make([]*fc.FailedCheckin, 0, batches*batchSize)
	for r := range generated(batches * batchSize) {
		all = append(all, r)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, readers+1)
	for range readers {
		wg.Go(func() {
			q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Descending: true, Page: 1, Size: 1}
			for {
				select {
				case <-done:
					return
				default:
				}
				page, err := db.FindFailedCheckins(ctx, q)
				if err != nil {
					errs <- err
					return
				}
				if page.TotalItems%batchSize != 0 || (page.TotalItems > 0 && page.Records[0].ID != page.TotalItems) {
					t.Errorf("FindFailedCheckins during writes = %d items, first %v; want whole batches and the newest id equal to the total",
						page.TotalItems, page.Records)
				}
			}
		})
	}
	for i := range batches {
		if _, err := db.CreateFailedCheckins(ctx, records(all[i*batchSize:(i+1)*batchSize])); err != nil {
			errs <- err
			break
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent read/write error: %v", err)
	}
}

// records turns a slice into the sequence CreateFailedCheckins reads.
func records(rs []*fc.FailedCheckin) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}
