package failedcheckins

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// Fold returns s under full Unicode case folding (so "Zürich", "ZÜRICH" and
// "zürich" fold alike, and "Straße" folds to "strasse"). It defines what
// "case-insensitive" means everywhere in the service: substring filters,
// exact case-insensitive filters and the order of text fields. Stores keep
// a folded copy of each text column, computed with this function on write,
// so that SQL never has to know Unicode.
func Fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	// A Caser keeps state and must not be shared between goroutines.
	return cases.Fold().String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
