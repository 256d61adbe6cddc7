package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The conformance cases of resolutions ("did they get in anyway?",
// docs/checkins.md): an accepted check-in resolves the refusals of its
// coworker at its location from the hour before it, in its own
// transaction. They run in RunChanges, since a resolution rewrites
// records, with its check of the store's count tables.

// importSuspending imports the directory doc with the coworkers ids
// suspended (and the others as doc says): a way to have the same people
// turned away, then let in.
func importSuspending(t *testing.T, s fc.DirectoryStore, doc string, ids ...int64) {
	t.Helper()
	d, err := fc.ParseDirectory(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Coworkers {
		if slices.Contains(ids, c.ID) {
			c.Suspended = true
		}
	}
	if err := s.ImportDirectory(context.Background(), d); err != nil {
		t.Fatalf("ImportDirectory: %v", err)
	}
}

// coworkerAttempt is an attempt of a coworker by id at business at when
// (RFC 3339).
func coworkerAttempt(coworker, business int64, when string) *fc.Attempt {
	a := attemptAt(business, when)
	a.CoworkerID = &coworker
	return a
}

// outcomeIDs records the attempts and returns the Id of each outcome,
// failing the test when one was not the expected kind (accepted or not).
func outcomeIDs(t *testing.T, s fc.AttemptStore, accepted bool, as ...*fc.Attempt) []int64 {
	t.Helper()
	var out []int64
	for i, r := range record(t, s, as...) {
		if r.Err != nil || r.Outcome.Accepted != accepted {
			t.Fatalf("attempt %d = %+v, %v; want accepted=%t", i, r.Outcome, r.Err, accepted)
		}
		out = append(out, r.Outcome.ID)
	}
	return out
}

// checkResolvedBy checks that the record id is resolved by the check-in
// by, or not resolved when by is 0, with UpdatedOn = ResolvedOn.
func checkResolvedBy(t *testing.T, s fc.FailedCheckinStore, id, by int64) {
	t.Helper()
	r, err := s.FindFailedCheckinByID(context.Background(), fc.AllBusinesses(), id)
	if err != nil {
		t.Fatalf("FindFailedCheckinByID(%d): %v", id, err)
	}
	switch {
	case by == 0 && (r.ResolvedByCheckinID != nil || r.ResolvedOn != nil):
		t.Errorf("record %d: resolved by %s; want not resolved", id, describe(r))
	case by == 0:
	case r.ResolvedByCheckinID == nil || *r.ResolvedByCheckinID != by:
		t.Errorf("record %d: %s; want resolved by check-in %d", id, describe(r), by)
	case r.ResolvedOn == nil || !r.UpdatedOn.Equal(*r.ResolvedOn) || r.ResolvedOn.Before(r.CreatedOn):
		t.Errorf("record %d: %s; want ResolvedOn set, not before CreatedOn, and UpdatedOn = ResolvedOn", id, describe(r))
	}
}

// checkResolvedCounts compares the totals of FailedCheckin_Resolved and
// the Resolved statistic with the numbers of records resolved and not.
func checkResolvedCounts(t *testing.T, s ChangeBackend, resolved, unresolved int64) {
	t.Helper()
	if got := find(t, s, all(fc.Resolved(true))).TotalItems; got != resolved {
		t.Errorf("Resolved=true: TotalItems %d; want %d", got, resolved)
	}
	if got := find(t, s, all(fc.Resolved(false))).TotalItems; got != unresolved {
		t.Errorf("Resolved=false: TotalItems %d; want %d", got, unresolved)
	}
	res := stats(t, s, fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: []fc.StatsGroupBy{fc.GroupByResolved}})
	want := fmt.Sprintf("total %d:", resolved+unresolved)
	for key, n := range []int64{unresolved, resolved} {
		if n > 0 { // a group without records is not listed
			want += fmt.Sprintf(" [%d]=%d", key, n)
		}
	}
	got := fmt.Sprintf("total %d:", res.Total)
	for _, g := range res.Groups {
		got += fmt.Sprintf(" [%d]=%d", g.Keys[0].Int, g.Count)
	}
	if got != want {
		t.Errorf("groupBy=Resolved: %s; want %s", got, want)
	}
}

// testResolution: an accepted check-in resolves the earlier refusals of
// its coworker at its location within 60 minutes, the bound included, and
// no others: not another location's, another coworker's, an older one,
// one without a coworker, or one already resolved (the first acceptance
// wins). The window is about the attempts' times, not the order they
// arrive in. Counts and statistics stay exact.
func testResolution(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	importSuspending(t, s, CheckinDirectory, 10, 11)
	unrecognised := attemptAt(1, "2026-07-01T10:00:00Z")
	unrecognised.MacAddresses = "00:00:00:00:00:01"
	refused := outcomeIDs(t, s, false,
		coworkerAttempt(10, 1, "2026-07-01T10:00:00Z"), // 0: resolved at 11:00, the bound
		coworkerAttempt(10, 1, "2026-07-01T10:10:00Z"), // 1: resolved at 11:00 too
		coworkerAttempt(10, 2, "2026-07-01T10:05:00Z"), // 2: another location
		coworkerAttempt(11, 1, "2026-07-01T10:05:00Z"), // 3: another coworker, resolved by his own 11:05
		coworkerAttempt(10, 1, "2026-07-01T09:59:59Z"), // 4: 60 min 1 s before 11:00
		unrecognised, // 5: no coworker
		coworkerAttempt(10, 1, "2026-07-01T11:00:01Z"), // 6: after the check-in
	)
	importSuspending(t, s, CheckinDirectory)
	first := outcomeIDs(t, s, true, coworkerAttempt(10, 1, "2026-07-01T11:00:00Z"))[0]
	second := outcomeIDs(t, s, true, coworkerAttempt(10, 1, "2026-07-01T11:05:00Z"))[0]
	// Ben: in at 11:06, 61 minutes after his refusal: not resolved; then a
	// backlog upload of 11:05, 60 minutes after it: resolved.
	late := outcomeIDs(t, s, true, coworkerAttempt(11, 1, "2026-07-01T11:06:00Z"))[0]
	checkResolvedBy(t, s, refused[3], 0)
	backlog := outcomeIDs(t, s, true, coworkerAttempt(11, 1, "2026-07-01T11:05:00Z"))[0]
	if late == backlog {
		t.Fatal("two check-ins with one Id")
	}

	want := []int64{first, first, 0, backlog, 0, 0, second}
	for i, id := range refused {
		checkResolvedBy(t, s, id, want[i])
	}
	checkResolvedCounts(t, s, 4, 3)
	check(t, s)
}

// testResolutionConcurrent: 16 goroutines record accepted attempts of one
// coworker at once; each earlier refusal is resolved exactly once, by the
// check-in committed first (the smallest Id: Ids are given in commit
// order under the records' lock).
func testResolutionConcurrent(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	importSuspending(t, s, CheckinDirectory, 11)
	var refusals []*fc.Attempt
	for i := range 8 {
		refusals = append(refusals, coworkerAttempt(11, 1, fmt.Sprintf("2026-07-01T10:%02d:00Z", i)))
	}
	refused := outcomeIDs(t, s, false, refusals...)
	importSuspending(t, s, CheckinDirectory)

	const goroutines = 16
	accepted := make([]int64, goroutines)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := coworkerAttempt(11, 1, fmt.Sprintf("2026-07-01T10:%02d:00Z", 20+i))
			res, err := s.RecordAttempts(context.Background(), []*fc.Attempt{a})
			switch {
			case err != nil:
				errs <- err
			case res[0].Err != nil || !res[0].Outcome.Accepted:
				errs <- fmt.Errorf("attempt %d: %+v, %v; want accepted", i, res[0].Outcome, res[0].Err)
			default:
				accepted[i] = res[0].Outcome.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	earliest := slices.Min(accepted)
	for _, id := range refused {
		checkResolvedBy(t, s, id, earliest)
	}
	checkResolvedCounts(t, s, int64(len(refused)), 0)
	check(t, s)
}

// resolutionDirectory is the directory of testResolutionRandom: access
// hours, so that the same people are turned away early and let in later,
// a plan for one location, a suspended coworker.
const resolutionDirectory = `{
 "Businesses": [{"Id": 1, "Name": "London", "TimeZone": "Europe/London"}, {"Id": 2, "Name": "Paris", "TimeZone": "Europe/Paris"}],
 "Tariffs": [
  {"Id": 1, "Name": "Office hours", "AccessHours": [{"Days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "From": "08:00", "To": "18:00"}]},
  {"Id": 2, "Name": "London office hours", "Businesses": [1], "AccessHours": [{"Days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "From": "08:00", "To": "18:00"}]}],
 "Coworkers": [
  {"Id": 20, "FullName": "Ana Silva", "Active": true, "TariffId": 1},
  {"Id": 21, "FullName": "Ben Okafor", "Active": true, "TariffId": 1},
  {"Id": 22, "FullName": "Chloé Martin", "Active": true, "TariffId": 2},
  {"Id": 23, "FullName": "Dev Patel", "Active": true, "Suspended": true, "TariffId": 1},
  {"Id": 24, "FullName": "Eva Nowak", "Active": true, "TariffId": 1}
 ]}`

// testResolutionRandom records a few hundred random attempts (in random
// batches, mostly in time order, some uploaded late) beside the 2,000-row
// sample, and resolves the refusals in plain Go by the rule, attempt by
// attempt in the order recorded. The store's records must equal that,
// and random searches (with FailedCheckin_Resolved among their
// conditions), statistics (groupBy=Resolved among them) and exports must
// equal the reference over them: the totals are exact, whatever count
// plan serves them.
func testResolutionRandom(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	seed(t, s, Sample(t))
	importSuspending(t, s, resolutionDirectory)
	rnd := rand.New(rand.NewPCG(Seed(t), 0x4e501e))
	start := time.Date(2026, 7, 1, 5, 0, 0, 0, time.UTC)
	var attempts []*fc.Attempt
	for range 400 {
		a := &fc.Attempt{BusinessID: 1 + rnd.Int64N(2), Source: fc.SourceDoorAccess,
			FromTime: start.Add(time.Duration(rnd.IntN(12*60)) * time.Minute)}
		if id := 20 + rnd.Int64N(6); id < 25 || rnd.IntN(2) == 0 {
			a.CoworkerID = &id // 25: not in the directory, an UnknownCoworker refusal that keeps the id
		} else {
			a.MacAddresses = "00:00:00:00:00:01" // no coworker: never resolved
		}
		attempts = append(attempts, a)
	}
	slices.SortFunc(attempts, func(a, b *fc.Attempt) int { return a.FromTime.Compare(b.FromTime) })
	for range 30 { // late uploads
		i, j := rnd.IntN(len(attempts)), rnd.IntN(len(attempts))
		attempts[i], attempts[j] = attempts[j], attempts[i]
	}

	// The rule, in plain Go: each accepted check-in, in the order
	// recorded, resolves the unresolved refusals of its coworker at its
	// location within the hour before it.
	type refusal struct {
		id, coworker, business int64
		at                     time.Time
		by                     int64
	}
	var refusals []*refusal
	resolved := map[int64]int64{} // refusal Id -> check-in Id
	for len(attempts) > 0 {
		if rnd.IntN(4) == 0 { // someone's account is suspended for a while, or no one's
			importSuspending(t, s, resolutionDirectory, 20+rnd.Int64N(6))
		}
		batch := attempts[:min(len(attempts), 1+rnd.IntN(8))]
		attempts = attempts[len(batch):]
		for i, r := range record(t, s, batch...) {
			a := batch[i]
			if r.Err != nil {
				t.Fatalf("attempt %+v: %v", a, r.Err)
			}
			if !r.Outcome.Accepted {
				if a.CoworkerID != nil {
					refusals = append(refusals, &refusal{id: r.Outcome.ID, coworker: *a.CoworkerID, business: a.BusinessID, at: a.FromTime})
				}
				continue
			}
			for _, f := range refusals {
				if f.by == 0 && f.coworker == *a.CoworkerID && f.business == a.BusinessID &&
					!f.at.Before(a.FromTime.Add(-fc.ResolutionWindow)) && !f.at.After(a.FromTime) {
					f.by = r.Outcome.ID
					resolved[f.id] = r.Outcome.ID
				}
			}
		}
	}
	t.Logf("%d of %d refusals resolved", len(resolved), len(refusals))
	if len(resolved) < 10 {
		t.Fatalf("only %d refusals were resolved: the test data does not exercise resolutions", len(resolved))
	}

	// The store's records with the resolutions of the rule: the refusals'
	// other fields are the pipeline's, tested elsewhere; ResolvedOn is the
	// store's clock, checked to be set with UpdatedOn.
	want := export(t, s, all())
	sample := map[int64]bool{}
	for _, r := range Sample(t) {
		sample[r.ID] = true
	}
	for _, r := range want {
		if sample[r.ID] {
			continue
		}
		by, ok := resolved[r.ID]
		if !ok {
			by = 0
		}
		got := int64(0)
		if r.ResolvedByCheckinID != nil {
			got = *r.ResolvedByCheckinID
		}
		if got != by || (r.ResolvedOn != nil) != (by != 0) || (r.ResolvedOn != nil && !r.UpdatedOn.Equal(*r.ResolvedOn)) ||
			(r.ResolvedOn == nil && !r.UpdatedOn.Equal(r.CreatedOn)) {
			t.Errorf("record %d: %s; want resolved by %d (0: not resolved), UpdatedOn = ResolvedOn", r.ID, describe(r), by)
		}
	}
	if t.Failed() {
		return
	}
	// Everything else against the reference over those records.
	checkEverything(t, s, want)
	check(t, s)
	g := generator{rnd: rnd, records: want}
	groupings := fc.StatsGroupings()
	for range 100 {
		q := g.query()
		if rnd.IntN(2) == 0 {
			q.Conditions = append(q.Conditions, fc.Resolved(rnd.IntN(2) == 0))
		}
		checkQuery(t, s, want, q)
		sq := fc.StatsQuery{Scope: q.Scope, Conditions: q.Conditions, GroupBy: []fc.StatsGroupBy{fc.GroupByResolved}}
		if other := groupings[rnd.IntN(len(groupings))]; other != fc.GroupByResolved {
			sq.GroupBy = append(sq.GroupBy, other)
		}
		checkStats(t, s, want, sq)
		if t.Failed() {
			return
		}
	}
	if got := find(t, s, all(fc.Resolved(true), fc.In(fc.FieldBusinessID, 1, 2))).TotalItems; got != int64(len(resolved)) {
		t.Errorf("Resolved=true at the two locations: %d; want %d", got, len(resolved))
	}
}
