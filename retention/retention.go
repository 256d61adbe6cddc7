// Package retention applies the retention windows of PRIVACY.md section 3:
// records older than --anonymize-after are anonymized, older than
// --delete-after deleted, audit entries older than --audit-retention
// deleted; and the webhook delivery log's: deliveries that ended longer
// ago than --webhook-log-retention are deleted. The work runs in the background, at start and every hour, in
// batches sized so that none holds the store's writer for long (check-ins
// are written by the same writer), and on one server at a time when
// several share a PostgreSQL database (fc.PrivacyStore.TryRetentionLock).
// The records change through the store's one anonymization and its record
// changes, so every total and statistic stays exact.
package retention

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Day is the unit of the windows: they are given in whole days ("90d").
const Day = 24 * time.Hour

// ParseDays reads a window as the flags take it: a whole number of days
// with a d suffix ("90d"); "" and "0d" are off (0).
func ParseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	if !strings.HasSuffix(s, "d") || err != nil || n < 0 || n > 100*366 {
		return 0, fmt.Errorf("%q: want a whole number of days such as 90d", s)
	}
	return time.Duration(n) * Day, nil
}

// FormatDays writes a window as ParseDays reads it ("" for off).
func FormatDays(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return strconv.FormatInt(int64(d/Day), 10) + "d"
}

// Windows are the retention windows; 0 keeps everything.
type Windows struct {
	AnonymizeAfter time.Duration // records older are anonymized
	DeleteAfter    time.Duration // records older are deleted
	AuditRetention time.Duration // audit entries older are deleted
	// WebhookLogRetention: webhook deliveries that ended (Delivered or
	// Failed) longer ago are deleted, counted from when each ended, so
	// the delivery log (the outbox table) does not grow for ever. Pending
	// ones are kept.
	WebhookLogRetention time.Duration
}

// Validate says what is wrong with w: a negative window, or an
// anonymization window that is not shorter than the deletion window
// (records would be deleted before they were anonymized, or both at once).
func (w Windows) Validate() error {
	if w.AnonymizeAfter < 0 || w.DeleteAfter < 0 || w.AuditRetention < 0 || w.WebhookLogRetention < 0 {
		return fmt.Errorf("a retention window must not be negative")
	}
	if w.AnonymizeAfter > 0 && w.DeleteAfter > 0 && w.AnonymizeAfter >= w.DeleteAfter {
		return fmt.Errorf("--anonymize-after %s must be shorter than --delete-after %s", FormatDays(w.AnonymizeAfter), FormatDays(w.DeleteAfter))
	}
	return nil
}

// Off says no window is set: nothing to do.
func (w Windows) Off() bool {
	return w.AnonymizeAfter <= 0 && w.DeleteAfter <= 0 && w.AuditRetention <= 0 && w.WebhookLogRetention <= 0
}

// Defaults of a Runner.
const (
	// DefaultInterval is how often the windows are applied after the
	// first run at start.
	DefaultInterval = time.Hour
	// DefaultTarget is how long a batch should hold the writer: a fifth
	// of the 50 ms PRIVACY.md allows, because a batch's hold varies several
	// times over with the machine's load (on the shared 2-core machine of
	// docs/benchmarks.md, 25 ms put 7% of the batches over 50 ms, 10 ms 2%).
	DefaultTarget = 10 * time.Millisecond
	// DefaultFirstBatch is the size of the first batch, before any has
	// been measured.
	DefaultFirstBatch = 200
	// MaxBatch caps a batch however fast the last one was.
	MaxBatch = 5000
	// Bound is the longest PRIVACY.md lets a batch hold the writer. A
	// batch that held more than half of it was sized for a machine that
	// was not there: the next one is sized with a margin (half of what
	// the target alone gives), so that the next spike of the same kind
	// still ends under the bound.
	Bound = 50 * time.Millisecond
	// growth is how much larger than the last a batch may be: sizes come
	// back slowly after a shrink (a quarter a batch), because one fast
	// batch (few records to change, a quiet moment) is no promise that the
	// next, larger one will be. Doubling let a lucky batch make the next
	// one hold twice the target, and a slow moment after it more than the
	// bound (2 of 1,449 PostgreSQL batches over 50 ms, docs/benchmarks.md).
	growth = 1.25
	// DefaultMinBatch is the smallest batch: a batch's hold is a fixed
	// part (the round trips, the commit's WAL flush, on PostgreSQL the
	// statement triggers' passes over the rollups) plus a part per
	// record, and below a few tens of records the fixed part is most of
	// it. Shrinking in proportion below that no longer shortens the hold,
	// only the records each one does: on PostgreSQL, whose fixed part
	// alone passed the target on a loaded machine, the batches shrank to
	// one record and a 100,000-record run crawled at 10-20 records/s
	// (docs/benchmarks.md).
	DefaultMinBatch = 20
	// By is the UpdatedBy of a record the windows anonymized.
	By = "retention"
)

// Runner applies Windows to a store. The zero values of its optional
// fields take the defaults above.
type Runner struct {
	Store   fc.PrivacyStore
	Windows Windows
	// Now is the clock the windows are measured from (time.Now when nil);
	// tests inject theirs.
	Now func() time.Time
	// Interval is the time between runs (DefaultInterval).
	Interval time.Duration
	// Target is how long a batch should hold the writer (DefaultTarget).
	// Keep it at most Bound/4: a batch that holds more than Bound/2 is
	// halved again, so with a larger target the size would not settle.
	// FirstBatch is the first batch's size (DefaultFirstBatch).
	Target     time.Duration
	FirstBatch int
	// MinBatch is the smallest batch the sizing goes down to
	// (DefaultMinBatch); MaxBatch when larger.
	MinBatch int
	// Pause is the rest between two batches, in which the writer is free
	// for check-ins (equal to the batch's own hold when zero).
	Pause time.Duration
	Log   *slog.Logger
}

// Result is what one run did.
type Result struct {
	Locked       bool // another server holds the lock: this run did nothing
	Anonymized   int  // records anonymized (both kinds)
	Deleted      int  // records deleted (both kinds)
	AuditDeleted int  // audit entries deleted
	// AlertsAnonymized counts the alert incidents whose key no longer
	// names anyone (RetainAlerts).
	AlertsAnonymized int
	// DeliveriesDeleted counts the webhook deliveries pruned.
	DeliveriesDeleted int
	Batches           int
	// MaxHeld is the longest a batch held the writer; Held lists every
	// batch's hold of records, in order.
	MaxHeld time.Duration
	Held    []time.Duration
}

// alertBatch is how many alert incidents one RetainAlerts batch changes:
// each is a few row updates, so a batch stays far below the writer's
// 50 ms.
const alertBatch = 100

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Start applies the windows now and then every Interval in a goroutine,
// until ctx ends; stop cancels it and waits for the run under way to
// end its batch. With every window off it starts nothing.
func (r *Runner) Start(ctx context.Context) (stop func()) {
	if r.Windows.Off() {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	interval := r.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			res, err := r.RunOnce(ctx)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				r.log().Error("retention: the run stopped", "err", err, "anonymized", res.Anonymized, "deleted", res.Deleted,
					"audit_deleted", res.AuditDeleted, "alert_incidents_anonymized", res.AlertsAnonymized,
					"webhook_deliveries_deleted", res.DeliveriesDeleted)
			case res.Locked:
				// Debug: the delivery log's window is on by default, so
				// every PostgreSQL server but one would say this hourly.
				r.log().Debug("retention: another server is applying the windows")
			case res.Anonymized+res.Deleted+res.AuditDeleted+res.AlertsAnonymized+res.DeliveriesDeleted > 0:
				r.log().Info("retention: applied", "anonymized", res.Anonymized, "deleted", res.Deleted,
					"audit_deleted", res.AuditDeleted, "alert_incidents_anonymized", res.AlertsAnonymized,
					"webhook_deliveries_deleted", res.DeliveriesDeleted,
					"batches", res.Batches, "max_held", res.MaxHeld)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// RunOnce applies the windows once, measured from Now: deletions first
// (a record about to go is not anonymized first), then anonymization,
// then the audit. It does nothing when another server holds the lock.
func (r *Runner) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	if err := r.Windows.Validate(); err != nil {
		return res, err
	}
	// The run's batches go through run: on PostgreSQL all on the one
	// connection that holds the lock (fc.RetentionRun).
	run, ok, err := r.Store.TryRetentionLock(ctx)
	if err != nil {
		return res, err
	}
	if !ok {
		res.Locked = true
		return res, nil
	}
	defer run.Release()
	now := r.now()
	size := r.FirstBatch
	if size <= 0 {
		size = DefaultFirstBatch
	}
	for _, step := range []struct {
		window time.Duration
		delete bool
	}{{r.Windows.DeleteAfter, true}, {r.Windows.AnonymizeAfter, false}} {
		if step.window <= 0 {
			continue
		}
		for _, kind := range []fc.RecordKind{fc.KindFailedCheckins, fc.KindCheckins} {
			b := fc.RetentionBatch{Kind: kind, Delete: step.delete, Before: now.Add(-step.window), By: By}
			for {
				b.Limit = size
				p, err := run.RetainBatch(ctx, b)
				if err != nil {
					return res, err
				}
				res.Batches++
				if step.delete {
					res.Deleted += p.Changed
				} else {
					res.Anonymized += p.Changed
				}
				res.MaxHeld = max(res.MaxHeld, p.Held)
				res.Held = append(res.Held, p.Held)
				size = r.nextSize(size, p.Held)
				if p.Done {
					break
				}
				b.After = p.Last
				if err := r.pause(ctx, p.Held); err != nil {
					return res, err
				}
			}
		}
	}
	// Alert incidents name people in their keys (and notifications): they
	// keep them no longer than the records, by the shorter window set.
	if w := cmp.Or(r.Windows.AnonymizeAfter, r.Windows.DeleteAfter); w > 0 {
		if r.Windows.DeleteAfter > 0 {
			w = min(w, r.Windows.DeleteAfter)
		}
		for {
			n, err := run.RetainAlerts(ctx, now.Add(-w), alertBatch)
			if err != nil {
				return res, err
			}
			res.AlertsAnonymized += n
			res.Batches++
			if n < alertBatch {
				break
			}
			if err := r.pause(ctx, r.target()); err != nil {
				return res, err
			}
		}
	}
	if r.Windows.AuditRetention > 0 {
		before := now.Add(-r.Windows.AuditRetention)
		// Sized like the records' batches, from how long the last one
		// took (the call's wall time: an upper bound of its hold of the
		// writer, which it shares with the check-ins on SQLite).
		size := r.FirstBatch
		if size <= 0 {
			size = DefaultFirstBatch
		}
		for {
			start := time.Now()
			n, err := run.DeleteAuditEntriesBefore(ctx, before, size)
			if err != nil {
				return res, err
			}
			held := time.Since(start)
			res.AuditDeleted += n
			res.Batches++
			res.MaxHeld = max(res.MaxHeld, held)
			if n < size {
				break
			}
			size = r.nextSize(size, held)
			if err := r.pause(ctx, held); err != nil {
				return res, err
			}
		}
	}
	if r.Windows.WebhookLogRetention > 0 {
		if err := r.pruneDeliveries(ctx, run, now.Add(-r.Windows.WebhookLogRetention), &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// pruneDeliveries deletes the webhook deliveries that ended before
// before, in batches sized like the records' (they share the writer with
// the check-ins on SQLite), walking the table by Id once.
func (r *Runner) pruneDeliveries(ctx context.Context, run fc.RetentionBatches, before time.Time, res *Result) error {
	size := r.FirstBatch
	if size <= 0 {
		size = DefaultFirstBatch
	}
	var after int64
	for {
		p, err := run.PruneWebhookDeliveries(ctx, before, after, size)
		if err != nil {
			return err
		}
		res.DeliveriesDeleted += p.Changed
		res.Batches++
		res.MaxHeld = max(res.MaxHeld, p.Held)
		if p.Done {
			return nil
		}
		after = p.Last
		size = r.nextSize(size, p.Held)
		if err := r.pause(ctx, p.Held); err != nil {
			return err
		}
	}
}

func (r *Runner) target() time.Duration {
	if r.Target > 0 {
		return r.Target
	}
	return DefaultTarget
}

// nextSize sizes the next batch from how long the last one held the
// writer: in proportion to the target, at once when it held more (and by
// half again when it held more than half the Bound); growing by at most a
// quarter (growth), as a batch of few old records among many, or one that
// met a quiet moment, is no measure of a full one; and within
// [MinBatch, MaxBatch].
func (r *Runner) nextSize(size int, held time.Duration) int {
	target := r.target()
	next := int(math.Ceil(float64(size) * growth))
	if held > 0 {
		next = min(next, int(float64(size)*float64(target)/float64(held)))
	}
	if held > Bound/2 {
		next /= 2
	}
	floor := r.MinBatch
	if floor <= 0 {
		floor = DefaultMinBatch
	}
	// A MinBatch above MaxBatch would make the floor the size of every
	// batch, past the cap that bounds a batch however fast the last was.
	floor = min(floor, MaxBatch)
	return max(floor, min(next, MaxBatch))
}

// pause rests between batches, so that check-ins waiting for the writer
// get it.
func (r *Runner) pause(ctx context.Context, held time.Duration) error {
	d := r.Pause
	if d <= 0 {
		d = held
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
