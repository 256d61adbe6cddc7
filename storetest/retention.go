package storetest

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/retention"
)

// testRetention: the retention windows, applied by retention.Runner with
// an injected clock in batches of a few records, delete the records (and
// check-ins) older than --delete-after and anonymize those older than
// --anonymize-after; afterwards every search, statistic and export agrees
// with a fresh reference computation over what is left, and a second run
// changes nothing (issue 16 items 3 and 5).
func testRetention(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	seed(t, s, Sample(t))
	want := Sample(t)
	// The sample spans 2024-11-01 to 2026-10-31; "now" is a day after.
	now := time.Date(2026, 11, 1, 14, 0, 0, 0, time.UTC)
	w := retention.Windows{AnonymizeAfter: 300 * retention.Day, DeleteAfter: 500 * retention.Day}
	deleteBefore, anonymizeBefore := now.Add(-w.DeleteAfter), now.Add(-w.AnonymizeAfter)
	// Ana's check-ins: one to delete, one to anonymize, one to keep.
	var checkins []int64
	for _, at := range []time.Time{deleteBefore.Add(-time.Hour), anonymizeBefore.Add(-time.Hour), anonymizeBefore.Add(time.Hour)} {
		a := attemptAt(1, at.Format(time.RFC3339))
		a.MacAddresses = "a4-5e-60-c2-19-0b"
		out := record(t, s, a)[0]
		if out.Err != nil || !out.Outcome.Accepted {
			t.Fatalf("RecordAttempts(Ana at %v) = %+v, %v; want accepted", at, out.Outcome, out.Err)
		}
		checkins = append(checkins, out.Outcome.ID)
	}

	var deleted, anonymous []int64
	for _, r := range want {
		switch {
		case r.CheckinAttemptTime.Before(deleteBefore):
			deleted = append(deleted, r.ID)
		case r.CheckinAttemptTime.Before(anonymizeBefore) && anonymized(r):
			anonymous = append(anonymous, r.ID)
		}
	}
	if len(deleted) < 100 || len(anonymous) < 100 {
		t.Fatalf("the windows cut %d deletions and %d anonymizations; want both sizable", len(deleted), len(anonymous))
	}
	// Small first batches and no 20-record floor, so that the run crosses
	// many batch boundaries (res.Batches below) whatever the machine's load.
	run := retention.Runner{Store: s, Windows: w, Now: func() time.Time { return now }, FirstBatch: 7, MinBatch: 1, Pause: time.Microsecond}
	res, err := run.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if res.Deleted != len(deleted)+1 || res.Anonymized != len(anonymous)+1 || res.Locked || res.Batches < 10 {
		t.Errorf("RunOnce = %+v; want %d deleted and %d anonymized (each with one check-in), in many batches",
			res, len(deleted)+1, len(anonymous)+1)
	}
	want = without(want, deleted...)
	syncAnonymized(t, s, want, anonymous, retention.By, false)
	checkEverything(t, s, want)
	check(t, s)
	g := generator{rnd: rand.New(rand.NewPCG(Seed(t), 0x7e7e)), records: want}
	groupings := fc.StatsGroupings()
	for range 40 {
		checkQuery(t, s, want, g.query())
	}
	for range 20 {
		q := g.query()
		checkStats(t, s, want, fc.StatsQuery{Scope: q.Scope, Conditions: q.Conditions, GroupBy: []fc.StatsGroupBy{groupings[g.rnd.IntN(len(groupings))]}})
	}

	if _, err := s.FindCheckinByID(ctx, fc.AllBusinesses(), checkins[0]); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("FindCheckinByID(the old check-in) error = %v; want ErrNotFound (deleted)", err)
	}
	if c, err := s.FindCheckinByID(ctx, fc.AllBusinesses(), checkins[1]); err != nil || c.CoworkerID != 0 || c.CoworkerFullName != "" ||
		c.MacAddresses != "" || c.Teams != "" || c.UpdatedBy == nil || *c.UpdatedBy != retention.By {
		t.Errorf("FindCheckinByID(the check-in to anonymize) = %+v, %v; want it anonymized by %s", c, err, retention.By)
	}
	if c, err := s.FindCheckinByID(ctx, fc.AllBusinesses(), checkins[2]); err != nil || c.CoworkerID != 10 || c.CoworkerFullName != "Ana Silva" {
		t.Errorf("FindCheckinByID(the recent check-in) = %+v, %v; want it as it was", c, err)
	}

	// A second run, an hour later, finds nothing more to do.
	now = now.Add(time.Hour)
	res, err = run.RunOnce(ctx)
	if err != nil || res.Deleted != 0 || res.Anonymized != 0 {
		t.Errorf("RunOnce again = %+v, %v; want nothing changed", res, err)
	}
	checkEverything(t, s, want)
}

// syncAnonymized takes UpdatedOn and UpdatedBy of the reference's records
// of ids from the store, after checking that they are by and, when
// oneTime (one transaction changed them all), one time.
func syncAnonymized(t *testing.T, s ChangeBackend, want []*fc.FailedCheckin, ids []int64, by string, oneTime bool) {
	t.Helper()
	var on *time.Time
	for _, r := range want {
		if !slices.Contains(ids, r.ID) {
			continue
		}
		got, err := s.FindFailedCheckinByID(context.Background(), fc.AllBusinesses(), r.ID)
		if err != nil {
			t.Fatalf("FindFailedCheckinByID(%d): %v", r.ID, err)
		}
		if on == nil {
			on = &got.UpdatedOn
		}
		if got.UpdatedBy == nil || *got.UpdatedBy != by || oneTime && !got.UpdatedOn.Equal(*on) {
			t.Errorf("record %d: UpdatedBy %s, UpdatedOn %v; want %s, %v", r.ID, describeOpt(got.UpdatedBy), got.UpdatedOn, by, *on)
		}
		r.UpdatedBy, r.UpdatedOn = got.UpdatedBy, got.UpdatedOn
	}
}
