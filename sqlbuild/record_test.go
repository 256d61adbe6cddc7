package sqlbuild

import (
	"testing"

	"github.com/google/uuid"
)

// TestNewUniqueIDTimeOrdered: new UniqueIds are lower-case RFC 9562
// version 7 UUIDs, and each sorts after the previous one as text, which
// is what makes an insert append to the unique_id index.
func TestNewUniqueIDTimeOrdered(t *testing.T) {
	prev := ""
	for i := range 10000 {
		s := NewUniqueID()
		u, err := uuid.Parse(s)
		if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 || u.String() != s {
			t.Fatalf("NewUniqueID() = %q (version %d, variant %v, err %v); want a lower-case canonical version 7 UUID", s, u.Version(), u.Variant(), err)
		}
		if s <= prev {
			t.Fatalf("NewUniqueID() #%d = %q, not after the previous %q", i, s, prev)
		}
		prev = s
	}
}
