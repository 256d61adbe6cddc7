package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/failedcheckins/failedcheckins/demo"
)

// Demo history: attempts are drawn for about demoRefusalShare refusals per
// attempt, with a margin, and recorded in time order until exactly
// demo.DefaultSize of them were refused, so the demo always holds that
// many FailedCheckins (and the accepted Checkins around them).
const (
	demoRefusalShare = 0.40  // measured on the demo directory: about 43%
	demoBatch        = 10000 // attempts per RecordAttempts transaction: 2,000 took 8 s, 10,000 6.3 s
)

// loadDemoHistory imports the demo directory and produces the demo's
// history by running simulated attempts through the store's real
// evaluator (RecordAttempts, in batches), so every FailedCheckin carries
// the Reason the product would give. It returns the numbers recorded.
func loadDemoHistory(ctx context.Context, cb checkinBackend, logger *slog.Logger, now time.Time) error {
	start := time.Now()
	d, attempts, err := demo.History(demoSeed, int(float64(demo.DefaultSize)/demoRefusalShare), now)
	if err != nil {
		return err
	}
	if err := cb.ImportDirectory(ctx, d); err != nil {
		return fmt.Errorf("import the demo directory: %w", err)
	}
	var failed, accepted int
	for len(attempts) > 0 && failed < demo.DefaultSize {
		// A batch never holds more attempts than refusals still wanted,
		// so the count is exact.
		n := min(demoBatch, len(attempts), demo.DefaultSize-failed)
		results, err := cb.RecordAttempts(ctx, attempts[:n])
		if err != nil {
			return fmt.Errorf("record the demo attempts: %w", err)
		}
		for i, r := range results {
			switch {
			case r.Err != nil:
				return fmt.Errorf("demo attempt %+v: %w", attempts[i], r.Err) // a bug of the demo generator
			case r.Outcome.Accepted:
				accepted++
			default:
				failed++
			}
		}
		attempts = attempts[n:]
	}
	logger.Info("loaded the demo: simulated attempts judged by the evaluator", "coworkers", len(d.Coworkers),
		"locations", len(d.Businesses), "failedCheckins", failed, "checkins", accepted,
		"elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}
