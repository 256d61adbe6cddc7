package storetest

import (
	"context"
	"errors"
	"iter"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// uuidV7: a record created without a UniqueId gets a time-ordered one, as
// docs/api.md#the-failedcheckin-record says (sqlstore.NewUniqueID).
var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// minimal returns a valid record with only the required fields set.
func minimal(id int64) *fc.FailedCheckin {
	return &fc.FailedCheckin{ID: id, BusinessID: 10, BusinessName: "X", CheckinAttemptTime: base, CheckinAttemptTimeLocal: base}
}

func count(t *testing.T, s fc.FailedCheckinStore) int64 {
	t.Helper()
	return find(t, s, all()).TotalItems
}

// testCreateDefaults: the store fills in Id, UniqueId, CreatedOn and
// UpdatedOn when they are zero, and normalises UniqueId to lower case. The
// UniqueIds it makes are version 7 and sort by creation, within an import
// and from one import to the next.
func testCreateDefaults(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	upper := minimal(0)
	upper.UniqueID = "ABCDEF00-1234-4ABC-8DEF-0123456789AB"
	created := minimal(0)
	created.CreatedOn = base.Add(time.Minute)
	seed(t, s, []*fc.FailedCheckin{minimal(0), upper, created})
	q := all(fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: 9, Max: 1 << 62})
	got := find(t, s, q).Records
	if len(got) != 3 || got[0].ID != 9 || got[1].ID != 10 || got[2].ID != 11 {
		t.Fatalf("FindFailedCheckins(%s) = ids %v; want [9 10 11] (the next free ids)", describeQuery(q), ids(got))
	}
	seed(t, s, []*fc.FailedCheckin{minimal(0)})
	got = append(got, find(t, s, all(fc.In(fc.FieldID, 12))).Records...)
	made := []string{got[0].UniqueID, got[2].UniqueID, got[len(got)-1].UniqueID} // in order of creation
	for i, uid := range made {
		if !uuidV7.MatchString(uid) {
			t.Errorf("new record UniqueId = %q; want a lower-case v7 UUID", uid)
		}
		if i > 0 && uid <= made[i-1] {
			t.Errorf("new record UniqueIds %q; want them sorted by creation", made)
		}
	}
	if want := strings.ToLower(upper.UniqueID); got[1].UniqueID != want {
		t.Errorf("UniqueId stored as %q; want %q", got[1].UniqueID, want)
	}
	if got[0].CreatedOn.IsZero() || !got[0].UpdatedOn.Equal(got[0].CreatedOn) {
		t.Errorf("defaults: CreatedOn %v, UpdatedOn %v; want a set CreatedOn and UpdatedOn equal to it", got[0].CreatedOn, got[0].UpdatedOn)
	}
	if !got[2].CreatedOn.Equal(created.CreatedOn) || !got[2].UpdatedOn.Equal(created.CreatedOn) {
		t.Errorf("CreatedOn %v, UpdatedOn %v; want both %v", got[2].CreatedOn, got[2].UpdatedOn, created.CreatedOn)
	}
}

// testCreateInvalid: a bad record is ErrInvalid and nothing is written.
func testCreateInvalid(t *testing.T, s fc.FailedCheckinStore) {
	bad := map[string]func(r *fc.FailedCheckin){
		"source":   func(r *fc.FailedCheckin) { r.Source = 9 },
		"uniqueid": func(r *fc.FailedCheckin) { r.UniqueID = "not-a-uuid" },
		"business": func(r *fc.FailedCheckin) { r.BusinessID = 0 },
		"time":     func(r *fc.FailedCheckin) { r.CheckinAttemptTime = time.Time{} },
		"id":       func(r *fc.FailedCheckin) { r.ID = -1 },
		// Text one store could keep and the other not (issue 18 item 8:
		// PostgreSQL failed an import or a copy with a raw SQL error and
		// no record number): refused on both, naming the record and field.
		"Description":  func(r *fc.FailedCheckin) { r.Description = "a\x00b" },
		"BusinessName": func(r *fc.FailedCheckin) { r.BusinessName = "Lon\xffdon" },
		"Tariff":       func(r *fc.FailedCheckin) { r.Tariff = strings.Repeat("t", fc.MaxNameLength+1) },
		// A resolution is the check-in and when, both or neither.
		"resolved without when":  func(r *fc.FailedCheckin) { id := int64(5); r.ResolvedByCheckinID = &id },
		"resolved on without by": func(r *fc.FailedCheckin) { on := r.CheckinAttemptTime; r.ResolvedOn = &on },
		"resolved by check-in 0": func(r *fc.FailedCheckin) {
			id, on := int64(0), r.CheckinAttemptTime
			r.ResolvedByCheckinID, r.ResolvedOn = &id, &on
		},
	}
	for name, spoil := range bad {
		r := minimal(2)
		spoil(r)
		n, err := s.CreateFailedCheckins(context.Background(), records([]*fc.FailedCheckin{minimal(1), r}))
		if fc.ErrorCode(err) != fc.ErrInvalid || n != 0 {
			t.Errorf("CreateFailedCheckins(bad %s) = %d, %v; want 0 and an %s error", name, n, err, fc.ErrInvalid)
		}
		if msg := fc.ErrorMessage(err); name[0] >= 'A' && name[0] <= 'Z' && (!strings.Contains(msg, "record 2: ") || !strings.Contains(msg, name)) {
			t.Errorf("CreateFailedCheckins(bad %s) message = %q; want one naming record 2 and %s", name, msg, name)
		}
	}
	if n := count(t, s); n != 0 {
		t.Errorf("after rejected writes the store holds %d records; want 0", n)
	}
}

// testCreateConflictRollsBack: a duplicate Id in the middle of a batch
// fails the whole batch, and the message names the Id.
func testCreateConflictRollsBack(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	for _, tt := range []struct {
		batch []*fc.FailedCheckin
		dup   int64
	}{
		{[]*fc.FailedCheckin{minimal(20), minimal(3), minimal(21)}, 3},
		{[]*fc.FailedCheckin{minimal(30), minimal(31), minimal(30)}, 30},
	} {
		batch, dup := tt.batch, tt.dup
		n, err := s.CreateFailedCheckins(context.Background(), records(batch))
		if fc.ErrorCode(err) != fc.ErrConflict || n != 0 {
			t.Errorf("CreateFailedCheckins(ids %v) = %d, %v; want 0 and a %s error", ids(batch), n, err, fc.ErrConflict)
		} else if msg := fc.ErrorMessage(err); !strings.Contains(msg, "a record with Id "+strconv.FormatInt(dup, 10)+" already exists") {
			t.Errorf("CreateFailedCheckins(ids %v) message %q; want it to name Id %d", ids(batch), msg, dup)
		}
	}
	if n := count(t, s); n != 8 {
		t.Errorf("after failed batches the store holds %d records; want the 8 fixtures", n)
	}
}

// testCreateSequenceErrorRollsBack: an error yielded by the sequence (a
// bad CSV line) aborts the batch and comes back to the caller.
func testCreateSequenceErrorRollsBack(t *testing.T, s fc.FailedCheckinStore) {
	bad := errors.New("line 3: bad date")
	seq := func(yield func(*fc.FailedCheckin, error) bool) {
		if yield(minimal(1), nil) && yield(minimal(2), nil) {
			yield(nil, bad)
		}
	}
	n, err := s.CreateFailedCheckins(context.Background(), iter.Seq2[*fc.FailedCheckin, error](seq))
	if !errors.Is(err, bad) || n != 0 {
		t.Errorf("CreateFailedCheckins(sequence failing at 3) = %d, %v; want 0 and the sequence's error", n, err)
	}
	if n := count(t, s); n != 0 {
		t.Errorf("after the failed batch the store holds %d records; want 0", n)
	}
}

func testDuplicateUniqueID(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	r := minimal(50)
	r.UniqueID = strings.ToUpper(uniqueIDs[0]) // same UUID, other case
	n, err := s.CreateFailedCheckins(context.Background(), records([]*fc.FailedCheckin{r}))
	if fc.ErrorCode(err) != fc.ErrConflict || n != 0 || !strings.Contains(fc.ErrorMessage(err), uniqueIDs[0]) {
		t.Errorf("CreateFailedCheckins(duplicate UniqueId) = %d, %v; want 0 and a %s error naming %s", n, err, fc.ErrConflict, uniqueIDs[0])
	}
	a, b := minimal(51), minimal(52)
	a.UniqueID, b.UniqueID = "aaaaaaaa-0000-4000-8000-000000000001", "AAAAAAAA-0000-4000-8000-000000000001"
	n, err = s.CreateFailedCheckins(context.Background(), records([]*fc.FailedCheckin{a, b}))
	if fc.ErrorCode(err) != fc.ErrConflict || n != 0 {
		t.Errorf("CreateFailedCheckins(same UniqueId twice) = %d, %v; want 0 and a %s error", n, err, fc.ErrConflict)
	}
	if n := count(t, s); n != 8 {
		t.Errorf("after failed batches the store holds %d records; want the 8 fixtures", n)
	}
}
