package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// CheckinBackend is what the check-in pipeline needs of a store.
type CheckinBackend interface {
	fc.FailedCheckinStore
	fc.CheckinStore
	fc.DirectoryStore
	fc.AttemptStore
}

// RunCheckins is the conformance suite of the check-in pipeline: the
// directory, judging and recording attempts, idempotency keys and the
// Checkin search. open must return a new, empty, migrated store each call.
func RunCheckins(t *testing.T, open func(t *testing.T) CheckinBackend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s CheckinBackend)
	}{
		{"DirectoryImport", testDirectoryImport},
		{"RecordAttempts", testRecordAttempts},
		{"DirectoryStoredBeforeTextRules", testDirectoryStoredBeforeTextRules},
		{"UnknownCoworkerKeepsId", testUnknownCoworkerKeepsID},
		{"MonthlyLimitInOneBatch", testMonthlyLimitInOneBatch},
		{"Idempotency", testIdempotency},
		{"CheckinSearch", testCheckinSearch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// CheckinDirectory is a small directory for pipeline tests: two locations,
// a plan with a monthly limit of 3 and a plan restricted to location 1.
const CheckinDirectory = `{
 "Businesses": [{"Id": 1, "Name": "London", "TimeZone": "Europe/London"}, {"Id": 2, "Name": "Paris", "TimeZone": "Europe/Paris"}],
 "Tariffs": [{"Id": 1, "Name": "Three a month", "MonthlyCheckinLimit": 3}, {"Id": 2, "Name": "London only", "Businesses": [1]}],
 "Coworkers": [
  {"Id": 10, "FullName": "Ana Silva", "Active": true, "TariffId": 1, "Teams": ["Atlas", "Blue"], "MacAddresses": ["A4:5E:60:C2:19:0B"]},
  {"Id": 11, "FullName": "Ben Okafor", "Active": true, "TariffId": 2, "AccessCards": ["04A2B3C4"]}
 ]}`

// ImportTestDirectory imports CheckinDirectory into s.
func ImportTestDirectory(t testing.TB, s fc.DirectoryStore) {
	t.Helper()
	d, err := fc.ParseDirectory(strings.NewReader(CheckinDirectory))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportDirectory(context.Background(), d); err != nil {
		t.Fatalf("ImportDirectory: %v", err)
	}
}

func testDirectoryImport(t *testing.T, s CheckinBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	upd, _ := fc.ParseDirectory(strings.NewReader(`{"Coworkers": [{"Id": 11, "FullName": "Ben Renamed", "Active": true, "TariffId": 1}]}`))
	if err := s.ImportDirectory(ctx, upd); err != nil {
		t.Fatalf("ImportDirectory(update) = %v", err)
	}
	bad, _ := fc.ParseDirectory(strings.NewReader(`{"Coworkers": [{"Id": 12, "FullName": "New", "TariffId": 9}, {"Id": 10, "FullName": "Changed"}]}`))
	if err := s.ImportDirectory(ctx, bad); fc.ErrorCode(err) != fc.ErrInvalid || !strings.Contains(err.Error(), "Id 12") {
		t.Errorf("ImportDirectory(bad) = %v; want ErrInvalid naming Id 12", err)
	}
	d, err := s.Directory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Coworkers) != 2 || d.Coworker(11).FullName != "Ben Renamed" || d.Coworker(10).FullName != "Ana Silva" || d.Business(2) == nil {
		t.Errorf("Directory() after update and failed import = %+v; want Ben renamed, Ana unchanged, no Id 12", d.Coworkers)
	}
}

// testDirectoryStoredBeforeTextRules: a directory kept before the text
// rules of issue 18 existed may break them (here a 201-character name and
// a tab in a team). Reading it back refused it, which made every check-in,
// evaluation and GET of the directory an internal error, and the PUT that
// would repair it too. It is read as kept; refusals record its values.
func testDirectoryStoredBeforeTextRules(t *testing.T, s CheckinBackend) {
	ctx := context.Background()
	d, err := fc.ParseDirectory(strings.NewReader(CheckinDirectory))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("n", fc.MaxNameLength+1)
	d.Coworkers[1].FullName = long // built past ParseDirectory, as an old store kept it
	d.Coworkers[1].Teams = []string{"Blue\tGreen"}
	if err := s.ImportDirectory(ctx, d); err != nil {
		t.Fatalf("ImportDirectory: %v", err)
	}
	got, err := s.Directory(ctx)
	if err != nil || got.Coworker(11) == nil || got.Coworker(11).FullName != long {
		t.Fatalf("Directory() = %v; want the stored directory as kept", err)
	}
	refused := attemptAt(2, "2026-07-01T10:00:00Z")
	refused.AccessCardID = "04a2b3c4"
	res := record(t, s, refused)
	if o := res[0].Outcome; res[0].Err != nil || o.Accepted || o.Reason != fc.ReasonLocationNotAllowed {
		t.Fatalf("RecordAttempts = %+v, %v; want a LocationNotAllowed refusal", o, res[0].Err)
	}
	again, err := fc.ParseDirectory(strings.NewReader(`{"Coworkers": [{"Id": 11, "FullName": "Ben Okafor", "Active": true, "TariffId": 2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportDirectory(ctx, again); err != nil {
		t.Errorf("ImportDirectory(repair) = %v; want the repair to go through", err)
	}
}

func attemptAt(business int64, when string) *fc.Attempt {
	t, _ := time.Parse(time.RFC3339, when)
	return &fc.Attempt{BusinessID: business, Source: fc.SourceDoorAccess, FromTime: t}
}

func record(t *testing.T, s fc.AttemptStore, as ...*fc.Attempt) []fc.AttemptResult {
	t.Helper()
	res, err := s.RecordAttempts(context.Background(), as)
	if err != nil || len(res) != len(as) {
		t.Fatalf("RecordAttempts = %d results, %v; want %d, nil", len(res), err, len(as))
	}
	return res
}

func testRecordAttempts(t *testing.T, s CheckinBackend) {
	ImportTestDirectory(t, s)
	ok := attemptAt(1, "2026-07-01T10:00:00Z")
	ok.MacAddresses = "a4-5e-60-c2-19-0b"
	refused := attemptAt(2, "2026-07-01T10:00:00Z")
	refused.AccessCardID = "04a2b3c4"
	unknown := attemptAt(99, "2026-07-01T10:00:00Z")
	unknown.AccessCardID = "x"
	res := record(t, s, ok, refused, unknown)
	if o := res[0].Outcome; res[0].Err != nil || !o.Accepted || o.ID < 1 {
		t.Errorf("RecordAttempts[0] = %+v, %v; want accepted with an Id", o, res[0].Err)
	}
	if o := res[1].Outcome; res[1].Err != nil || o.Accepted || o.Reason != fc.ReasonLocationNotAllowed || o.Description != "Plan London only does not include Paris" {
		t.Errorf("RecordAttempts[1] = %+v, %v; want LocationNotAllowed", o, res[1].Err)
	}
	if fc.ErrorCode(res[2].Err) != fc.ErrInvalid {
		t.Errorf("RecordAttempts[2] error = %v; want ErrInvalid (unknown business)", res[2].Err)
	}
	c, err := s.FindCheckinByID(context.Background(), fc.AllBusinesses(), res[0].Outcome.ID)
	if err != nil || c.CoworkerID != 10 || c.Teams != "Atlas, Blue" || c.Tariff != "Three a month" || c.MacAddresses != "a4-5e-60-c2-19-0b" ||
		c.FromTimeLocal.Format(time.DateTime) != "2026-07-01 11:00:00" || c.ToTime != nil || c.UniqueID == "" {
		t.Errorf("FindCheckinByID = %+v, %v; want Ana's check-in at 11:00 local", c, err)
	}
	f, err := s.FindFailedCheckinByID(context.Background(), fc.AllBusinesses(), res[1].Outcome.ID)
	if err != nil || *f.CoworkerID != 11 || f.CoworkerFullName != "Ben Okafor" || f.Tariff != "London only" || *f.Reason != fc.ReasonLocationNotAllowed ||
		f.CheckinAttemptTimeLocal.Format(time.DateTime) != "2026-07-01 12:00:00" || f.BusinessName != "Paris" {
		t.Errorf("FindFailedCheckinByID = %+v, %v; want Ben's refusal at 12:00 Paris time", f, err)
	}
}

// testUnknownCoworkerKeepsID: the refusal of an id the directory does
// not know keeps the id the device sent (to trace it), with no name.
func testUnknownCoworkerKeepsID(t *testing.T, s CheckinBackend) {
	ImportTestDirectory(t, s)
	a := attemptAt(1, "2026-07-01T10:00:00Z")
	id := int64(999)
	a.CoworkerID = &id
	res := record(t, s, a)
	o := res[0].Outcome
	if res[0].Err != nil || o.Accepted || o.Reason != fc.ReasonUnknownCoworker {
		t.Fatalf("RecordAttempts = %+v, %v; want UnknownCoworker", o, res[0].Err)
	}
	f, err := s.FindFailedCheckinByID(context.Background(), fc.AllBusinesses(), o.ID)
	if err != nil || f.CoworkerID == nil || *f.CoworkerID != 999 || f.CoworkerFullName != "" || f.Description != "Unknown coworker" {
		t.Errorf("FindFailedCheckinByID = %+v, %v; want CoworkerId 999 kept, no name", f, err)
	}
}

// testMonthlyLimitInOneBatch: attempts of one batch count each other, and
// the month is the local one.
func testMonthlyLimitInOneBatch(t *testing.T, s CheckinBackend) {
	ImportTestDirectory(t, s)
	var as []*fc.Attempt
	// 23:30Z on June 30 is already July 1 in London: a new month.
	for _, when := range []string{"2026-06-30T10:00:00Z", "2026-06-30T23:30:00Z", "2026-07-02T10:00:00Z", "2026-07-03T10:00:00Z", "2026-07-04T10:00:00Z"} {
		a := attemptAt(1, when)
		a.CoworkerID = new(int64)
		*a.CoworkerID = 10
		as = append(as, a)
	}
	res := record(t, s, as...)
	want := []string{"", "", "", "", fc.ReasonCheckinLimitReached}
	for i, r := range res {
		if r.Err != nil || r.Outcome.Reason != want[i] {
			t.Errorf("attempt %d = %+v, %v; want reason %q", i, r.Outcome, r.Err, want[i])
		}
	}
	// One coworker alternating between London and Paris in one batch: the
	// months start at different instants in the two zones, yet the
	// attempts of both count against one limit of 3.
	as = nil
	for i := range 6 {
		a := attemptAt(int64(1+i%2), fmt.Sprintf("2026-08-%02dT10:00:00Z", 10+i))
		a.CoworkerID = new(int64)
		*a.CoworkerID = 10
		as = append(as, a)
	}
	res = record(t, s, as...)
	want = []string{"", "", "", fc.ReasonCheckinLimitReached, fc.ReasonCheckinLimitReached, fc.ReasonCheckinLimitReached}
	for i, r := range res {
		if r.Err != nil || r.Outcome.Reason != want[i] {
			t.Errorf("two zones: attempt %d at business %d = %+v, %v; want reason %q", i, as[i].BusinessID, r.Outcome, r.Err, want[i])
		}
	}
}

func testIdempotency(t *testing.T, s CheckinBackend) {
	ImportTestDirectory(t, s)
	a := attemptAt(1, "2026-07-01T10:00:00Z")
	a.AccessCardID = "04A2B3C4"
	a.Idempotency = &fc.IdempotencyKey{UserID: 1, Key: "k1", Fingerprint: "f1"}
	first := record(t, s, a)[0]
	again := record(t, s, a, a)
	other := *a
	other.Idempotency = &fc.IdempotencyKey{UserID: 1, Key: "k1", Fingerprint: "f2"}
	otherUser := *a
	otherUser.Idempotency = &fc.IdempotencyKey{UserID: 2, Key: "k1", Fingerprint: "f1"}
	res := record(t, s, &other, &otherUser)
	if first.Outcome.Replayed {
		t.Errorf("first outcome = %+v; want Replayed false (it was judged)", first.Outcome)
	}
	replayed := *first.Outcome
	replayed.Replayed = true // a retry is answered, not judged again (not a verdict)
	for _, r := range again {
		if r.Err != nil || *r.Outcome != replayed {
			t.Errorf("retry = %+v, %v; want the first outcome, replayed: %+v", r.Outcome, r.Err, replayed)
		}
	}
	if fc.ErrorCode(res[0].Err) != fc.ErrConflict {
		t.Errorf("same key, other request: error = %v; want ErrConflict", res[0].Err)
	}
	if res[1].Err != nil || res[1].Outcome.ID == first.Outcome.ID {
		t.Errorf("same key, other user = %+v, %v; want a new record", res[1].Outcome, res[1].Err)
	}
	page, err := s.FindCheckins(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldFromTime, Page: 1, Size: 10})
	if err != nil || page.TotalItems != 2 {
		t.Errorf("FindCheckins total = %v, %v; want 2 (one per user)", page, err)
	}
}

func testCheckinSearch(t *testing.T, s CheckinBackend) {
	ImportTestDirectory(t, s)
	var as []*fc.Attempt
	for i, b := range []int64{1, 2, 1} {
		a := attemptAt(b, "2026-07-0"+string(rune('1'+i))+"T10:00:00Z")
		a.CoworkerID = new(int64)
		*a.CoworkerID = 10
		as = append(as, a)
	}
	record(t, s, as...)
	ctx := context.Background()
	page, err := s.FindCheckins(ctx, fc.Query{Scope: fc.BusinessScope(1), OrderBy: fc.FieldFromTime, Descending: true, Page: 1, Size: 10,
		Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, "SILVA")}})
	if err != nil || page.TotalItems != 2 || len(page.Records) != 2 || page.Records[0].FromTime.Day() != 3 || page.Records[1].FromTime.Day() != 1 {
		t.Fatalf("FindCheckins(scope 1, FromTime desc) = %+v, %v; want July 3 then July 1", page, err)
	}
	if _, err := s.FindCheckinByID(ctx, fc.BusinessScope(1), 2); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("FindCheckinByID(out of scope) error = %v; want ErrNotFound", err)
	}
	if p, err := s.FindCheckins(ctx, fc.Query{Scope: fc.BusinessScope(), OrderBy: fc.FieldID, Page: 1, Size: 10}); err != nil || p.TotalItems != 0 {
		t.Errorf("FindCheckins(empty scope) = %+v, %v; want nothing", p, err)
	}
}
