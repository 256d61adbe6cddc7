package sqlstore

import (
	"testing"

	"github.com/google/uuid"
)

// TestNewUniqueIDIsRandomV4: new UniqueIds are lower-case canonical
// random (version 4) UUIDs, as docs/api.md#the-failedcheckin-record says, and do not repeat.
func TestNewUniqueIDIsRandomV4(t *testing.T) {
	seen := make(map[string]bool)
	for range 10000 {
		s := NewUniqueID()
		u, err := uuid.Parse(s)
		if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != s {
			t.Fatalf("NewUniqueID() = %q (version %d, variant %v, err %v); want a lower-case canonical version 4 UUID", s, u.Version(), u.Variant(), err)
		}
		if seen[s] {
			t.Fatalf("NewUniqueID() repeated %q", s)
		}
		seen[s] = true
	}
}
