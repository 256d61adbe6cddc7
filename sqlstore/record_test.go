package sqlstore

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestNewUniqueIDIsTimeOrderedV7: new UniqueIds are lower-case canonical
// time-ordered (version 7) UUIDs, as docs/api.md#the-failedcheckin-record
// says: each carries the millisecond of its making, and each sorts after
// the one made before it, within one millisecond too.
func TestNewUniqueIDIsTimeOrderedV7(t *testing.T) {
	before := time.Now().UnixMilli()
	prev := ""
	for range 10000 {
		s := NewUniqueID()
		u, err := uuid.Parse(s)
		if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 || u.String() != s {
			t.Fatalf("NewUniqueID() = %q (version %d, variant %v, err %v); want a lower-case canonical version 7 UUID", s, u.Version(), u.Variant(), err)
		}
		if s <= prev {
			t.Fatalf("NewUniqueID() = %q after %q; want each id to sort after the one made before it", s, prev)
		}
		prev = s
		sec, nsec := u.Time().UnixTime()
		if ms := sec*1000 + nsec/1e6; ms < before || ms > time.Now().UnixMilli() {
			t.Fatalf("NewUniqueID() = %q carries the time %d ms; want between %d and now", s, ms, before)
		}
	}
}
