package storetest

import (
	"context"
	"fmt"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// PoisonKey is the idempotency key a store's Poison makes fail: the
// insert of that key must fail with a database error (a trigger that
// raises), the way a value the database cannot store fails.
const PoisonKey = "poison"

// FaultBackend is a store whose database a test can break on purpose.
type FaultBackend interface {
	CheckinBackend
	// Poison makes every write of the idempotency key PoisonKey fail with
	// a database error, as a test of the store arranges it in SQL.
	Poison(t *testing.T)
}

// RunFaults is the conformance suite of the pipeline's faults: one
// attempt's failure never fails the others of its group-commit batch.
// open must return a new, empty, migrated store each call.
func RunFaults(t *testing.T, open func(t *testing.T) FaultBackend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s FaultBackend)
	}{
		{"PoisonedAttemptIsolated", testPoisonedAttemptIsolated},
		{"PoisonedAlone", testPoisonedAlone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// testPoisonedAttemptIsolated: a batch of eleven attempts of Ana (limit 3
// a month) with two poisoned ones in it. The poisoned attempts get their
// own errors; the nine others are committed and judged in the order they
// came, as one batch would judge them: the first three accepted, the rest
// refused for the limit, each with its record.
func testPoisonedAttemptIsolated(t *testing.T, s FaultBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	s.Poison(t)
	poisoned := map[int]bool{2: true, 7: true}
	var as []*fc.Attempt
	for i := range 11 {
		a := attemptAt(1, fmt.Sprintf("2026-07-%02dT10:00:00Z", i+1))
		a.CoworkerID = new(int64)
		*a.CoworkerID = 10
		key := fmt.Sprintf("k%d", i)
		if poisoned[i] {
			key = PoisonKey
		}
		a.Idempotency = &fc.IdempotencyKey{UserID: 1, Key: key, Fingerprint: fmt.Sprint(i)}
		as = append(as, a)
	}
	res := record(t, s, as...)
	judged := 0
	for i, r := range res {
		if poisoned[i] {
			if r.Err == nil || r.Outcome != nil {
				t.Errorf("poisoned attempt %d = %+v, %v; want its own error", i, r.Outcome, r.Err)
			}
			if code := fc.ErrorCode(r.Err); code == fc.ErrUnavailable {
				t.Errorf("poisoned attempt %d error code = %s; want not unavailable (it is this attempt's fault)", i, code)
			}
			continue
		}
		judged++
		want := ""
		if judged > 3 {
			want = fc.ReasonCheckinLimitReached
		}
		if r.Err != nil || r.Outcome == nil || r.Outcome.Reason != want || r.Outcome.ID < 1 {
			t.Errorf("attempt %d = %+v, %v; want committed with reason %q", i, r.Outcome, r.Err, want)
			continue
		}
		var err error
		if r.Outcome.Accepted {
			_, err = s.FindCheckinByID(ctx, fc.AllBusinesses(), r.Outcome.ID)
		} else {
			_, err = s.FindFailedCheckinByID(ctx, fc.AllBusinesses(), r.Outcome.ID)
		}
		if err != nil {
			t.Errorf("attempt %d: its record %d: %v; want it stored", i, r.Outcome.ID, err)
		}
	}
	page, err := s.FindCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 20})
	if err != nil || page.TotalItems != 3 {
		t.Errorf("FindCheckins total = %+v, %v; want 3 (nothing of the poisoned attempts)", page, err)
	}
	fpage, err := s.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 20})
	if err != nil || fpage.TotalItems != 6 {
		t.Errorf("FindFailedCheckins total = %+v, %v; want 6", fpage, err)
	}
	// The keys of the committed attempts were stored: a retry replays.
	again := record(t, s, as[0])[0]
	if again.Err != nil || !again.Outcome.Replayed || again.Outcome.ID != res[0].Outcome.ID {
		t.Errorf("retry of attempt 0 = %+v, %v; want the first outcome replayed", again.Outcome, again.Err)
	}
}

// testPoisonedAlone: a batch of one poisoned attempt answers it with its
// error (not an error of the whole call), and the next batch works.
func testPoisonedAlone(t *testing.T, s FaultBackend) {
	ImportTestDirectory(t, s)
	s.Poison(t)
	a := attemptAt(1, "2026-07-01T10:00:00Z")
	a.AccessCardID = "04A2B3C4"
	a.Idempotency = &fc.IdempotencyKey{UserID: 1, Key: PoisonKey, Fingerprint: "f"}
	if r := record(t, s, a)[0]; r.Err == nil {
		t.Errorf("poisoned attempt = %+v; want its error", r.Outcome)
	}
	a.Idempotency = nil
	if r := record(t, s, a)[0]; r.Err != nil || r.Outcome == nil || !r.Outcome.Accepted {
		t.Errorf("next attempt = %+v, %v; want accepted", r.Outcome, r.Err)
	}
}
