package sqlstore

import (
	"slices"
	"testing"
)

func TestIDsText(t *testing.T) {
	for _, ids := range [][]int64{nil, {1}, {1, 22, 9007199254740993}} {
		text := idsText(ids)
		got, err := parseIDs(text)
		if err != nil || !slices.Equal(got, ids) {
			t.Errorf("parseIDs(%s) = %v, %v; want %v", text, got, err, ids)
		}
	}
	if got := idsText([]int64{3, 4}); got != "[3,4]" {
		t.Errorf("idsText = %s", got)
	}
	for _, bad := range []string{"", "[", "[1,x]", "1,2"} {
		if _, err := parseIDs(bad); err == nil {
			t.Errorf("parseIDs(%q) = nil error", bad)
		}
	}
}
