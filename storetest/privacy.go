package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The erasure of a person (PRIVACY.md section 2) on a ChangeBackend:
// part of RunChanges, since an erasure is a change of records that must
// keep every count exact.

// anonymized is the reference's anonymization (PRIVACY.md section 2),
// written apart from the store's: the fields that name the person go.
// It reports whether r changed.
func anonymized(r *fc.FailedCheckin) bool {
	if r.CoworkerID == nil && r.CoworkerFullName == "" && r.MacAddresses == "" && r.Teams == "" {
		return false
	}
	r.CoworkerID, r.CoworkerFullName, r.MacAddresses, r.Teams = nil, "", "", ""
	return true
}

// aboutPerson says whether the reference's record r is about the person
// of coworker ids or MAC addresses (12 hex digits each): its CoworkerId
// is one of them, or one of the addresses in its MacAddresses is.
func aboutPerson(r *fc.FailedCheckin, coworkers []int64, macs []string) bool {
	if r.CoworkerID != nil && slices.Contains(coworkers, *r.CoworkerID) {
		return true
	}
	for _, m := range strings.Split(r.MacAddresses, ",") {
		if n, ok := fc.NormalizeMAC(strings.TrimSpace(m)); ok && slices.Contains(macs, n) {
			return true
		}
	}
	return false
}

// widen is the reference's one step of fc.PrivacyStore.ErasePerson:
// the coworker Ids and MAC addresses on the records about the person are
// the person's too (once; not again from what that adds).
func widen(records []*fc.FailedCheckin, coworkers []int64, macs []string) ([]int64, []string) {
	wc, wm := slices.Clone(coworkers), slices.Clone(macs)
	for _, r := range records {
		if !aboutPerson(r, coworkers, macs) {
			continue
		}
		if r.CoworkerID != nil && !slices.Contains(wc, *r.CoworkerID) {
			wc = append(wc, *r.CoworkerID)
		}
		for _, m := range strings.Split(r.MacAddresses, ",") {
			if n, ok := fc.NormalizeMAC(strings.TrimSpace(m)); ok && !slices.Contains(wm, n) {
				wm = append(wm, n)
			}
		}
	}
	return wc, wm
}

// erase erases s's person and applies the same to want: the records
// about the person (widened by widen) are anonymized, their UpdatedOn
// and UpdatedBy taken from the store after checking that they are the erasure's (by, and
// one time for all of them: the store's clock, which tests may fix). It
// checks the count the store returns.
func erase(t *testing.T, s ChangeBackend, want []*fc.FailedCheckin, subject fc.ErasureSubject, coworkers []int64, macs []string) int {
	t.Helper()
	ctx := context.Background()
	n, err := s.ErasePerson(ctx, subject, "dpo@example.com")
	var on *time.Time
	if err != nil {
		t.Fatalf("ErasePerson(%+v): %v", subject, err)
	}
	changed := 0
	coworkers, macs = widen(want, coworkers, macs)
	for _, r := range want {
		if !aboutPerson(r, coworkers, macs) || !anonymized(r) {
			continue
		}
		changed++
		got, err := s.FindFailedCheckinByID(ctx, fc.AllBusinesses(), r.ID)
		if err != nil {
			t.Fatalf("FindFailedCheckinByID(%d) after the erasure: %v", r.ID, err)
		}
		if on == nil {
			on = &got.UpdatedOn
		}
		if got.UpdatedBy == nil || *got.UpdatedBy != "dpo@example.com" || !got.UpdatedOn.Equal(*on) {
			t.Errorf("record %d after the erasure: UpdatedBy %s, UpdatedOn %v; want dpo@example.com, %v (one time for the erasure)",
				r.ID, describeOpt(got.UpdatedBy), got.UpdatedOn, *on)
		}
		r.UpdatedBy, r.UpdatedOn = got.UpdatedBy, got.UpdatedOn
	}
	if n < changed {
		t.Errorf("ErasePerson(%+v) = %d; want at least the %d FailedCheckins the reference changed", subject, n, changed)
	}
	return n
}

// testErasure: a person known to the directory, with refusals and
// check-ins made by the pipeline (by MAC address and by Id, with
// idempotency keys) beside other people's records, is erased by each
// identifier: nothing finds them afterwards, every total and statistic
// that does not name them is what it was, their directory entry and
// idempotency answers are gone, and a second erasure changes nothing.
func testErasure(subject fc.ErasureSubject) func(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	return func(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
		ctx := context.Background()
		{
			d, err := fc.ParseDirectory(strings.NewReader(strings.Replace(CheckinDirectory, `"FullName": "Ana Silva",`,
				`"FullName": "Ana Silva", "Email": "ana@example.com",`, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ImportDirectory(ctx, d); err != nil {
				t.Fatal(err)
			}
			seed(t, s, fixtures())
			// Ana (10) three times: accepted by MAC with a key, refused by
			// Id at Paris with a key (her plan's limit is not reached;
			// Paris is allowed: a 4th check-in is refused), and Ben (11).
			var as []*fc.Attempt
			for i, when := range []string{"2026-07-01T10:00:00Z", "2026-07-02T10:00:00Z", "2026-07-03T10:00:00Z", "2026-07-04T10:00:00Z"} {
				a := attemptAt(1+int64(i%2), when)
				if i%2 == 0 {
					a.MacAddresses = "A4:5E:60:C2:19:0B"
				} else {
					id := int64(10)
					a.CoworkerID = &id
				}
				a.Idempotency = &fc.IdempotencyKey{UserID: 1, Key: "ana-" + when, Fingerprint: "f"}
				as = append(as, a)
			}
			ben := attemptAt(2, "2026-07-01T11:00:00Z")
			ben.AccessCardID = "04a2b3c4"
			as = append(as, ben)
			res := record(t, s, as...)
			if !res[0].Outcome.Accepted || res[3].Outcome.Accepted || res[4].Outcome.Accepted {
				t.Fatalf("the attempts were judged %+v %+v %+v; want Ana accepted, then refused (limit), Ben refused", res[0].Outcome, res[3].Outcome, res[4].Outcome)
			}
			want := exportAll(t, s)
			before := map[fc.StatsGroupBy]string{}
			for _, g := range []fc.StatsGroupBy{fc.GroupByBusiness, fc.GroupByDay, fc.GroupByReason, fc.GroupBySource, fc.GroupByHour} {
				before[g] = describeStats(stats(t, s, fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: []fc.StatsGroupBy{g}}))
			}

			n := erase(t, s, want, subject, []int64{10}, []string{"a45e60c2190b"})
			checkins, err := s.FindCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 100})
			if err != nil {
				t.Fatal(err)
			}
			if wantN := 3 + 1; n != wantN { // her 3 check-ins and her refusal
				t.Errorf("ErasePerson(%+v) = %d; want %d (her refusals and check-ins)", subject, n, wantN)
			}
			checkEverything(t, s, want)
			for _, q := range []fc.Query{all(fc.In(fc.FieldCoworkerID, 10)), all(fc.Contains(fc.FieldCoworkerFullName, "ana silva")),
				all(fc.Contains(fc.FieldMacAddresses, "a4:5e:60")), all(fc.Contains(fc.FieldTeams, "atlas"))} {
				if page := find(t, s, q); page.TotalItems != 0 {
					t.Errorf("FindFailedCheckins(%s) after the erasure = %d records; want none", describeQuery(q), page.TotalItems)
				}
			}
			for _, c := range checkins.Records {
				if c.CoworkerID == 10 || strings.Contains(c.CoworkerFullName, "Ana") || c.MacAddresses != "" || strings.Contains(c.Teams, "Atlas") {
					t.Errorf("check-in %d after the erasure = %+v; want nothing of Ana", c.ID, c)
				}
			}
			for g, was := range before {
				if now := describeStats(stats(t, s, fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: []fc.StatsGroupBy{g}})); now != was {
					t.Errorf("statistic by %s after the erasure = %s; want %s as before", g, now, was)
				}
			}
			dir, err := s.Directory(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if dir.Coworker(10) != nil || dir.CoworkerByMAC("a4:5e:60:c2:19:0b") != nil || dir.Coworker(11) == nil {
				t.Errorf("directory after the erasure: Ana %v, Ben %v; want Ana gone, Ben kept", dir.Coworker(10), dir.Coworker(11))
			}
			if n, err := s.ErasePerson(ctx, subject, "dpo@example.com"); err != nil || n != 0 {
				t.Errorf("ErasePerson(%+v) again = %d, %v; want 0, nil", subject, n, err)
			}
			check(t, s)
			// Her idempotency answers are gone: the same key is judged
			// afresh (now as an unrecognised device), not replayed.
			again := record(t, s, as[0])[0]
			if again.Err != nil || again.Outcome.Replayed || again.Outcome.Accepted {
				t.Errorf("her first attempt again, same key = %+v, %v; want judged afresh and refused", again.Outcome, again.Err)
			}
		}
		if _, err := s.ErasePerson(ctx, fc.ErasureSubject{CoworkerID: 10, Email: "x@example.com"}, "x"); fc.ErrorCode(err) != fc.ErrInvalid {
			t.Errorf("ErasePerson(two identifiers) error = %v; want ErrInvalid", err)
		}
		if _, err := s.ErasePerson(ctx, fc.ErasureSubject{MacAddress: "zz"}, "x"); fc.ErrorCode(err) != fc.ErrInvalid {
			t.Errorf("ErasePerson(bad MAC) error = %v; want ErrInvalid", err)
		}
	}
}

// exportAll returns every record of s, by Id.
func exportAll(t *testing.T, s ReportStore) []*fc.FailedCheckin {
	t.Helper()
	return export(t, s, all())
}

// testRandomErasures: the sample's people are erased at random, by
// coworker Id and by MAC address, and after each round every search,
// statistic and export agrees with the reference over the same
// anonymization (issue 16 item 5: the counts stay exact through it).
func testRandomErasures(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	// Devices shared by several coworkers, so that the one step of
	// widening (a MAC address leads to ids, an id to MAC addresses) is
	// met, and must stop after one step.
	sample := func() []*fc.FailedCheckin {
		records := Sample(t)
		for _, r := range records {
			if r.CoworkerID != nil && r.ID%40 == 0 {
				r.MacAddresses = fmt.Sprintf("02:00:00:00:00:%02x", r.ID/40%8)
			}
		}
		return records
	}
	seed(t, s, sample())
	g := generator{rnd: rand.New(rand.NewPCG(Seed(t), 0xe7a5e)), records: sample()}
	groupings := fc.StatsGroupings()
	for round := range 4 {
		for range 6 {
			r := g.pick()
			var subject fc.ErasureSubject
			var coworkers []int64
			var macs []string
			if m := strings.Split(r.MacAddresses, ",")[0]; m != "" && g.rnd.IntN(2) == 0 {
				n, _ := fc.NormalizeMAC(strings.TrimSpace(m))
				subject.MacAddress, macs = strings.ToUpper(strings.TrimSpace(m)), []string{n}
			} else if r.CoworkerID != nil {
				subject.CoworkerID, coworkers = *r.CoworkerID, []int64{*r.CoworkerID}
			} else {
				continue
			}
			erase(t, s, g.records, subject, coworkers, macs)
		}
		check(t, s)
		for range 40 {
			checkQuery(t, s, g.records, g.query())
		}
		for range 20 {
			q := g.query()
			sq := fc.StatsQuery{Scope: q.Scope, Conditions: q.Conditions, GroupBy: []fc.StatsGroupBy{groupings[g.rnd.IntN(len(groupings))]}}
			checkStats(t, s, g.records, sq)
		}
		checkExport(t, s, g.records, all())
		if t.Failed() {
			t.Fatalf("round %d: the store and the reference differ after erasures", round)
		}
	}
}

func describeOpt(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
