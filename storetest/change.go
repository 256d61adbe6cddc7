package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// ChangeBackend is a store whose records may be deleted and rewritten
// after they were written, with everything that reads them.
type ChangeBackend interface {
	ReportStore
	CheckinBackend
	fc.RecordChangeStore
	fc.PrivacyStore
}

// RunChanges is the conformance suite of records that change: deletes and
// rewrites leave every search, total, statistic and export exactly as a
// fresh computation over the remaining records says, and an Id once given
// is never given again. open must return a new, empty, migrated store
// each call. check, when not nil, is called after every change with the
// store, to compare what only the store can see (its count tables) with
// a fresh count of its records.
func RunChanges(t *testing.T, open func(t *testing.T) ChangeBackend, check func(t *testing.T, s ChangeBackend)) {
	if check == nil {
		check = func(*testing.T, ChangeBackend) {}
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend))
	}{
		{"DeleteFailedCheckins", testDeleteFailedCheckins},
		{"UpdateFailedCheckins", testUpdateFailedCheckins},
		{"UpdateRefused", testUpdateRefused},
		{"UpdateKeepsTimes", testUpdateKeepsTimes},
		{"DeletedIdsNotGivenAgain", testDeletedIDsNotGivenAgain},
		{"DeletedCheckinIdsNotGivenAgain", testDeletedCheckinIDsNotGivenAgain},
		{"RandomChanges", testRandomChanges},
		{"Resolution", testResolution},
		{"ResolutionConcurrent", testResolutionConcurrent},
		{"ResolutionRandom", testResolutionRandom},
		{"ErasureByCoworkerId", testErasure(fc.ErasureSubject{CoworkerID: 10})},
		{"ErasureByMacAddress", testErasure(fc.ErasureSubject{MacAddress: "a4-5E-60-c2-19-0b"})},
		{"ErasureByEmail", testErasure(fc.ErasureSubject{Email: " ANA@example.com"})},
		{"RandomErasures", testRandomErasures},
		{"Retention", testRetention},
		{"MacSubstringsAfterChanges", testMacSubstringsAfterChanges},
		{"MacSubstringsAfterAttempts", testMacSubstringsAfterAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t), check) })
	}
}

// checkEverything compares the store with the reference over want: a few
// fixed searches, a statistic by every grouping and the whole export.
func checkEverything(t *testing.T, s ChangeBackend, want []*fc.FailedCheckin) {
	t.Helper()
	checkQuery(t, s, want, all())
	checkQuery(t, s, want, fc.Query{Scope: fc.BusinessScope(10, 20), OrderBy: fc.FieldCheckinAttemptTime, Descending: true, Page: 1, Size: 3})
	for _, g := range fc.StatsGroupings() {
		checkStats(t, s, want, fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: []fc.StatsGroupBy{g}})
	}
	checkExport(t, s, want, all())
}

// checkExport compares the export of q with the reference, field by field.
func checkExport(t *testing.T, s ReportStore, want []*fc.FailedCheckin, q fc.Query) {
	t.Helper()
	got, exp := export(t, s, q), Export(want, q)
	if len(got) != len(exp) {
		t.Errorf("ExportFailedCheckins(%s) = %d records; want %d", describeQuery(q), len(got), len(exp))
		return
	}
	for i := range got {
		if describe(got[i]) != describe(exp[i]) {
			t.Errorf("ExportFailedCheckins(%s) record %d = %s; want %s", describeQuery(q), i, describe(got[i]), describe(exp[i]))
			return
		}
	}
}

// without returns the records whose Id is not in ids.
func without(records []*fc.FailedCheckin, ids ...int64) []*fc.FailedCheckin {
	return slices.DeleteFunc(slices.Clone(records), func(r *fc.FailedCheckin) bool { return slices.Contains(ids, r.ID) })
}

func testDeleteFailedCheckins(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	seed(t, s, fixtures())
	// 2 and 5 hold the only records of their names, so their rows in the
	// dictionaries must go; 999 does not exist.
	n, err := s.DeleteFailedCheckins(ctx, []int64{2, 5, 999})
	if err != nil || n != 2 {
		t.Fatalf("DeleteFailedCheckins(2, 5, 999) = %d, %v; want 2, nil", n, err)
	}
	want := without(fixtures(), 2, 5)
	checkEverything(t, s, want)
	check(t, s)
	if _, err := s.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 2); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("FindFailedCheckinByID(deleted 2) error = %v; want ErrNotFound", err)
	}
	if n, err := s.DeleteFailedCheckins(ctx, []int64{2, 5}); err != nil || n != 0 {
		t.Errorf("DeleteFailedCheckins(2, 5) again = %d, %v; want 0, nil", n, err)
	}
	// Every record of a location: its business rows go.
	n, err = s.DeleteFailedCheckins(ctx, []int64{6})
	if err != nil || n != 1 {
		t.Fatalf("DeleteFailedCheckins(6) = %d, %v; want 1, nil", n, err)
	}
	want = without(want, 6)
	checkEverything(t, s, want)
	checkQuery(t, s, want, all(fc.Contains(fc.FieldCoworkerFullName, "bob")))
	checkQuery(t, s, want, fc.Query{Scope: fc.BusinessScope(30), OrderBy: fc.FieldID, Page: 1, Size: 10})
	check(t, s)
	if n, err := s.DeleteFailedCheckins(ctx, ids(want)); err != nil || n != len(want) {
		t.Fatalf("DeleteFailedCheckins(all) = %d, %v; want %d, nil", n, err, len(want))
	}
	checkEverything(t, s, nil)
	check(t, s)
}

func testUpdateFailedCheckins(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	seed(t, s, fixtures())
	want := fixtures()
	// Every counted field moves: a name only record 4 had goes, one new
	// to the store comes, and record 1 takes record 3's location.
	later := base.Add(49 * time.Hour)
	change := func(r *fc.FailedCheckin) error {
		switch r.ID {
		case 1:
			r.BusinessID, r.BusinessName = 20, "Hauptstraße 5"
			r.CheckinAttemptTime, r.CheckinAttemptTimeLocal = later, later.Add(2*time.Hour)
		case 4:
			r.CoworkerID, r.CoworkerFullName, r.MacAddresses = nil, "", ""
			r.Teams, r.Tariff, r.Description, r.Source = "Ωmega team", "Nouveau", "Anonymized", fc.SourceManual
			r.Reason, r.UpdatedBy, r.UpdatedOn = nil, ptr("privacy"), later
		}
		return nil
	}
	n, err := s.UpdateFailedCheckins(ctx, []int64{4, 1, 999, 1}, change)
	if err != nil || n != 2 {
		t.Fatalf("UpdateFailedCheckins(4, 1, 999, 1) = %d, %v; want 2, nil", n, err)
	}
	for _, r := range want {
		if err := change(r); err != nil {
			t.Fatalf("change(%d): %v", r.ID, err)
		}
	}
	checkEverything(t, s, want)
	checkQuery(t, s, want, all(fc.Contains(fc.FieldCoworkerFullName, "Ωmega")))
	checkQuery(t, s, want, all(fc.Contains(fc.FieldTeams, "ωmega")))
	checkQuery(t, s, want, fc.Query{Scope: fc.BusinessScope(20), Conditions: []fc.Condition{fc.Contains(fc.FieldDescription, "anonym")}, OrderBy: fc.FieldID, Page: 1, Size: 5})
	got, err := s.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 4)
	if err != nil || describe(got) != describe(want[3]) {
		t.Errorf("FindFailedCheckinByID(4) = %s, %v; want %s", describe(got), err, describe(want[3]))
	}
	check(t, s)
	// A change that alters nothing writes nothing.
	if n, err := s.UpdateFailedCheckins(ctx, []int64{1, 2, 3}, func(*fc.FailedCheckin) error { return nil }); err != nil || n != 0 {
		t.Errorf("UpdateFailedCheckins(no change) = %d, %v; want 0, nil", n, err)
	}
}

// testMacSubstringsAfterChanges: searches for substrings of the MAC
// addresses, alone (a store may count them from a dictionary of the lists)
// and beside a location or a page (a store may list their records through
// it), answer as the reference after deletes that take a list's last
// record, a rewrite that moves a record to a new list, and an erasure by
// MAC address: a dictionary that kept a list no record holds any more, or
// missed a new one, answers with records that are gone or misses some.
func testMacSubstringsAfterChanges(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	seed(t, s, fixtures())
	want := fixtures()
	queries := func() []fc.Query {
		var qs []fc.Query
		for _, needle := range []string{"aa:b", "AA:BB", "dd,ee", "11:2", "a4:5e", "77:88", ":"} {
			c := fc.Contains(fc.FieldMacAddresses, needle)
			qs = append(qs, all(c), fc.Query{Scope: fc.BusinessScope(10, 20), Conditions: []fc.Condition{c}, OrderBy: fc.FieldBusinessName, Page: 1, Size: 2},
				all(c, fc.In(fc.FieldSource, int64(fc.SourceDoorAccess), int64(fc.SourceTile))))
		}
		return qs
	}
	checkAll := func(step string) {
		t.Helper()
		for _, q := range queries() {
			got, ref := find(t, s, q), Search(want, q)
			if g, w := describePage(got), describePage(ref); g != w {
				t.Errorf("after %s: FindFailedCheckins(%s) = %s; want %s", step, describeQuery(q), g, w)
			}
		}
		check(t, s)
	}
	checkAll("the import")
	// Records 1 and 8 hold aa:bb and AA:BB (one folded list), 6 the only
	// 11:22: it goes.
	if n, err := s.DeleteFailedCheckins(ctx, []int64{1, 6}); err != nil || n != 2 {
		t.Fatalf("DeleteFailedCheckins(1, 6) = %d, %v; want 2, nil", n, err)
	}
	want = without(want, 1, 6)
	checkAll("deleting 1 and 6")
	// Record 4 leaves cc:dd,ee:ff (its only holder) for a list new to the store.
	move := func(r *fc.FailedCheckin) error {
		if r.ID == 4 {
			r.MacAddresses = "A4-5E-60-C2-19-0B,77:88:99:aa:bb:cc"
		}
		return nil
	}
	if n, err := s.UpdateFailedCheckins(ctx, []int64{4}, move); err != nil || n != 1 {
		t.Fatalf("UpdateFailedCheckins(4) = %d, %v; want 1, nil", n, err)
	}
	for _, r := range want {
		_ = move(r)
	}
	checkAll("moving record 4 to a new list")
	// Erasing an address of that list empties record 4's MAC addresses
	// (and those of the other records of its coworker).
	erase(t, s, want, fc.ErasureSubject{MacAddress: "a4:5e:60:c2:19:0b"}, nil, []string{"a45e60c2190b"})
	checkAll("erasing a4:5e:60:c2:19:0b")
	if n, err := s.DeleteFailedCheckins(ctx, ids(want)); err != nil || n != len(want) {
		t.Fatalf("DeleteFailedCheckins(all) = %d, %v; want %d, nil", n, err, len(want))
	}
	want = nil
	checkAll("deleting every record")
}

// testMacSubstringsAfterAttempts: the refusals the check-in pipeline
// writes are in the dictionary of the MAC addresses as soon as their batch
// commits, whichever way the store counts them (in Go beside the inserts,
// or its triggers): a list new to the store, one that two refusals of one
// batch share, one that a later batch adds to, and the empty list of the
// refusals by card. A search whose only conditions are MAC substrings may
// be counted from the dictionary alone, so a list it missed answers a
// total of 0 (seen with the batch's MAC counting taken out). The
// reference is the records the store reads back.
func testMacSubstringsAfterAttempts(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ImportTestDirectory(t, s)
	byMAC := func(business int64, when, macs string) *fc.Attempt {
		a := attemptAt(business, when)
		a.MacAddresses = macs
		return a
	}
	byCard := attemptAt(2, "2026-07-01T09:00:00Z")
	byCard.AccessCardID = "04a2b3c4" // Ben at Paris: refused, no MAC
	batches := [][]*fc.Attempt{{
		byMAC(1, "2026-07-01T10:00:00Z", "aa:bb:cc:dd:ee:01"), // unknown: refused
		byMAC(2, "2026-07-01T10:01:00Z", "aa:bb:cc:dd:ee:01"),
		byMAC(1, "2026-07-01T10:02:00Z", "aa:bb:cc:dd:ee:01,AA:BB:CC:DD:EE:02"),
		byMAC(1, "2026-07-02T10:00:00Z", "a4-5e-60-c2-19-0b"), // Ana: three accepted,
		byMAC(1, "2026-07-03T10:00:00Z", "a4-5e-60-c2-19-0b"),
		byMAC(1, "2026-07-04T10:00:00Z", "a4-5e-60-c2-19-0b"),
		byMAC(1, "2026-07-05T10:00:00Z", "a4-5e-60-c2-19-0b"), // then over her monthly limit
		byCard,
	}, {
		byMAC(2, "2026-07-06T10:00:00Z", "aa:bb:cc:dd:ee:01"),
		byMAC(1, "2026-07-06T10:01:00Z", "11:22:33:44:55:66"),
		byMAC(1, "2026-07-06T10:02:00Z", "a4-5e-60-c2-19-0b"),
	}}
	refused := 0
	for i, batch := range batches {
		for j, r := range record(t, s, batch...) {
			if r.Err != nil {
				t.Fatalf("batch %d, attempt %d: %v", i+1, j+1, r.Err)
			}
			if !r.Outcome.Accepted {
				refused++
			}
		}
	}
	stored := find(t, s, all()).Records
	if len(stored) != refused || refused != 8 {
		t.Fatalf("%d refusals stored, %d recorded; want 8", len(stored), refused)
	}
	for _, needle := range []string{"aa:bb", "EE:02", "ee:0", "a4-5e", "55:66", ":", "zz"} {
		c := fc.Contains(fc.FieldMacAddresses, needle)
		for _, q := range []fc.Query{all(c), {Scope: fc.BusinessScope(1), Conditions: []fc.Condition{c}, OrderBy: fc.FieldBusinessName, Page: 1, Size: 2}} {
			checkQuery(t, s, stored, q)
		}
	}
	check(t, s)
}

// testUpdateKeepsTimes: a rewrite that changes one text field leaves
// every time of the record exactly as the store kept it, sub-second
// digits included (PostgreSQL keeps microseconds, SQLite whole seconds):
// a rewrite once wrote them back as whole seconds.
func testUpdateKeepsTimes(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	// A refusal written by the check-in pipeline: its CreatedOn and
	// UpdatedOn are the store's clock, with sub-second digits.
	refused := attemptAt(2, "2026-07-01T10:00:00.123456Z")
	refused.AccessCardID = "04a2b3c4"
	out := record(t, s, refused)
	if out[0].Err != nil || out[0].Outcome.Accepted {
		t.Fatalf("RecordAttempts(refused) = %+v, %v; want a refusal", out[0].Outcome, out[0].Err)
	}
	id := out[0].Outcome.ID
	before, err := s.FindFailedCheckinByID(ctx, fc.AllBusinesses(), id)
	if err != nil {
		t.Fatalf("FindFailedCheckinByID(%d): %v", id, err)
	}
	n, err := s.UpdateFailedCheckins(ctx, []int64{id}, func(r *fc.FailedCheckin) error {
		r.Description = "Rewritten"
		return nil
	})
	if err != nil || n != 1 {
		t.Fatalf("UpdateFailedCheckins(%d) = %d, %v; want 1, nil", id, n, err)
	}
	after, err := s.FindFailedCheckinByID(ctx, fc.AllBusinesses(), id)
	if err != nil {
		t.Fatalf("FindFailedCheckinByID(%d) after the rewrite: %v", id, err)
	}
	for _, tt := range []struct {
		name          string
		before, after time.Time
	}{
		{"CheckinAttemptTime", before.CheckinAttemptTime, after.CheckinAttemptTime},
		{"CheckinAttemptTimeLocal", before.CheckinAttemptTimeLocal, after.CheckinAttemptTimeLocal},
		{"CreatedOn", before.CreatedOn, after.CreatedOn},
		{"UpdatedOn", before.UpdatedOn, after.UpdatedOn},
	} {
		if !tt.after.Equal(tt.before) {
			t.Errorf("%s after rewriting Description = %v; want %v as before", tt.name, tt.after, tt.before)
		}
	}
	if after.Description != "Rewritten" {
		t.Errorf("Description after the rewrite = %q; want Rewritten", after.Description)
	}
	check(t, s)
}

// testUpdateRefused: a change that alters a record's identity, makes it
// invalid, or fails changes nothing at all, not even the records changed
// before it in the same call.
func testUpdateRefused(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	seed(t, s, fixtures())
	boom := errors.New("boom")
	cases := []struct {
		name string
		last func(r *fc.FailedCheckin) error // applied to record 3; records 1 and 2 get a new name first
		code string
		err  error
	}{
		{"Id", func(r *fc.FailedCheckin) error { r.ID = 100; return nil }, fc.ErrInvalid, nil},
		{"UniqueId", func(r *fc.FailedCheckin) error { r.UniqueID = uniqueIDs[7]; return nil }, fc.ErrInvalid, nil},
		{"CreatedOn", func(r *fc.FailedCheckin) error { r.CreatedOn = r.CreatedOn.Add(time.Second); return nil }, fc.ErrInvalid, nil},
		{"Invalid", func(r *fc.FailedCheckin) error { r.BusinessID = 0; return nil }, fc.ErrInvalid, nil},
		{"Error", func(r *fc.FailedCheckin) error { r.Teams = "x"; return boom }, "", boom},
	}
	for _, c := range cases {
		_, err := s.UpdateFailedCheckins(ctx, []int64{1, 2, 3}, func(r *fc.FailedCheckin) error {
			if r.ID == 3 {
				return c.last(r)
			}
			r.CoworkerFullName = "Renamed"
			return nil
		})
		if c.err != nil && !errors.Is(err, c.err) || c.err == nil && fc.ErrorCode(err) != c.code {
			t.Errorf("UpdateFailedCheckins(%s) error = %v; want %v%v", c.name, err, c.code, c.err)
		}
		checkEverything(t, s, fixtures())
	}
	check(t, s)
}

// testDeletedIDsNotGivenAgain: records created without an Id get one
// past the largest ever given, even when the newest were deleted, and
// even when the table was emptied.
func testDeletedIDsNotGivenAgain(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	seed(t, s, []*fc.FailedCheckin{minimal(0), minimal(0), minimal(0)})
	if n, err := s.DeleteFailedCheckins(ctx, []int64{3}); err != nil || n != 1 {
		t.Fatalf("DeleteFailedCheckins(3) = %d, %v; want 1, nil", n, err)
	}
	seed(t, s, []*fc.FailedCheckin{minimal(0)})
	checkIDs(t, s, all(), 1, 2, 4)
	// An explicit Id above the rest, deleted, still counts.
	seed(t, s, []*fc.FailedCheckin{minimal(10)})
	if n, err := s.DeleteFailedCheckins(ctx, []int64{1, 2, 4, 10}); err != nil || n != 4 {
		t.Fatalf("DeleteFailedCheckins(all) = %d, %v; want 4, nil", n, err)
	}
	seed(t, s, []*fc.FailedCheckin{minimal(0), minimal(0)})
	checkIDs(t, s, all(), 11, 12)
	check(t, s)
}

// testDeletedCheckinIDsNotGivenAgain: the check-in pipeline gives both
// kinds of record the next Id past every one deleted.
func testDeletedCheckinIDsNotGivenAgain(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	attempts := func() []*fc.Attempt {
		ok := attemptAt(1, "2026-07-01T10:00:00Z")
		ok.MacAddresses = "a4-5e-60-c2-19-0b"
		refused := attemptAt(2, "2026-07-01T10:00:00Z")
		refused.AccessCardID = "04a2b3c4"
		return []*fc.Attempt{ok, refused}
	}
	first := record(t, s, attempts()...)
	checkin, failed := first[0].Outcome.ID, first[1].Outcome.ID
	if n, err := s.DeleteCheckins(ctx, []int64{checkin}); err != nil || n != 1 {
		t.Fatalf("DeleteCheckins(%d) = %d, %v; want 1, nil", checkin, n, err)
	}
	if n, err := s.DeleteFailedCheckins(ctx, []int64{failed}); err != nil || n != 1 {
		t.Fatalf("DeleteFailedCheckins(%d) = %d, %v; want 1, nil", failed, n, err)
	}
	if _, err := s.FindCheckinByID(ctx, fc.AllBusinesses(), checkin); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("FindCheckinByID(deleted %d) error = %v; want ErrNotFound", checkin, err)
	}
	second := record(t, s, attempts()...)
	if got := second[0].Outcome; second[0].Err != nil || !got.Accepted || got.ID != checkin+1 {
		t.Errorf("RecordAttempts after deleting check-in %d = %+v, %v; want accepted with Id %d", checkin, got, second[0].Err, checkin+1)
	}
	if got := second[1].Outcome; second[1].Err != nil || got.Accepted || got.ID != failed+1 {
		t.Errorf("RecordAttempts after deleting failed check-in %d = %+v, %v; want refused with Id %d", failed, got, second[1].Err, failed+1)
	}
	if n, err := s.DeleteCheckins(ctx, []int64{checkin}); err != nil || n != 0 {
		t.Errorf("DeleteCheckins(%d) again = %d, %v; want 0, nil", checkin, n, err)
	}
	check(t, s)
}
