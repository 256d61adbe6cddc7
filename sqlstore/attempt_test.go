package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestBatchErrorsAreNotSplit: an error of the batch's own steps (before
// any attempt is judged) is not halved attempt by attempt, which would
// repeat it 2n-1 times on the single writer; an attempt's error is.
func TestBatchErrorsAreNotSplit(t *testing.T) {
	directory := batchError{fmt.Errorf("the stored directory is not valid")}
	var runs int
	write := func(ctx context.Context, fn func(tx WriteTx, now time.Time) error) error {
		runs++
		return directory
	}
	attempts := make([]*fc.Attempt, 8)
	for i := range attempts {
		attempts[i] = &fc.Attempt{BusinessID: 1}
	}
	_, err := RecordAttemptBatch(context.Background(), SQLite(), write, &DirectoryCache{}, attempts)
	if !errors.Is(err, directory) || runs != 1 {
		t.Errorf("RecordAttemptBatch = %v after %d transactions; want the batch's error after 1", err, runs)
	}
	ctx := context.Background()
	if !isolable(ctx, errors.New("one attempt's statement failed")) {
		t.Error("isolable(an attempt's error) = false; want true")
	}
	if isolable(ctx, fmt.Errorf("wrapped: %w", directory)) {
		t.Error("isolable(a wrapped batch error) = true; want false")
	}
}
