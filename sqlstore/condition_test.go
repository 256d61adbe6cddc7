package sqlstore

import "testing"

// TestHasTrigram pins which MAC needles PostgreSQL seeks through the
// dictionary's trigram index (macPieces): only those with a run of three
// letters or digits once their colons are gone; the others ("   ", "a-b",
// "%%%") would read the whole index, so they keep the plain test.
func TestHasTrigram(t *testing.T) {
	for s, want := range map[string]bool{
		"abc": true, "a5e6": true, "e67": true, "xx-abc": true, "ab9": true,
		"": false, "ab": false, "   ": false, "%%%": false, ",,,": false, "a-b": false,
		"ab,cd": false, "a b c": false, "äbc": false, "a_bc": false,
	} {
		if got := hasTrigram(s); got != want {
			t.Errorf("hasTrigram(%q) = %v, want %v", s, got, want)
		}
	}
}
