package failedcheckins

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestTextProblem(t *testing.T) {
	for _, tt := range []struct {
		kind TextKind
		s    string
		want string // a part of the problem; "" for good text
	}{
		{NameText, "Zürich – Ана Сільва 東京", ""},
		{NameText, "", ""},
		{NameText, "a\x00b", "U+0000 at character 2"},
		{NameText, "a\tb", "control characters"},
		{NameText, "a\u0085b", "U+0085"},
		{NameText, "a\x7fb", "U+007F"},
		{NameText, "a\xffb", "valid UTF-8"},
		{NameText, strings.Repeat("é", MaxNameLength), ""},
		{NameText, strings.Repeat("é", MaxNameLength+1), "at most 200 characters (this is 201)"},
		{DescriptionText, "line one\r\nline\ttwo", ""},
		{DescriptionText, "nul \x00", "other than tab and line breaks"},
		{DescriptionText, "bell \a", "U+0007"},
		{DescriptionText, strings.Repeat("x", 1<<20), "at most 600 characters"},
	} {
		got := tt.kind.Problem(tt.s)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("%+v.Problem(%.20q) = %q, want %q", tt.kind, tt.s, got, tt.want)
		}
	}
	fe := NameText.Check("Name", "\xff"+strings.Repeat("x", 100))
	if fe == nil || fe.Property != "Name" || !utf8.ValidString(fe.AttemptedValue) || len(fe.AttemptedValue) > 70 {
		t.Errorf("Check = %+v, want a FieldError naming Name with a short, valid AttemptedValue", fe)
	}
}

// TestTextLimitsFitAnIndexEntry holds every limit to what a PostgreSQL
// B-tree entry takes (2,704 bytes on 8 KiB pages, less the other key
// columns): the text at 4 bytes a character and its folded copy at the
// most a character folds to, measured over all of Unicode.
func TestTextLimitsFitAnIndexEntry(t *testing.T) {
	maxFold := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if utf8.ValidRune(r) {
			maxFold = max(maxFold, len(Fold(string(r))))
		}
	}
	const entry = 2704 - 64 // room for the other key columns and the tuple header
	// Names and emails are indexed folded too (the name filter and sort,
	// the users' unique email).
	for name, kind := range map[string]TextKind{"name": NameText, "email": EmailText} {
		if kind.Max*maxFold > entry {
			t.Errorf("%s: %d characters may fold to %d bytes, over an index entry (%d)", name, kind.Max, kind.Max*maxFold, entry)
		}
	}
	// The others are indexed as written only (folded teams and
	// descriptions are in trigram indexes, which have no such limit).
	for name, kind := range map[string]TextKind{"teams": TeamsText, "description": DescriptionText, "client id": ClientIDText} {
		if kind.Max*utf8.UTFMax > entry {
			t.Errorf("%s: %d characters may take %d bytes, over an index entry (%d)", name, kind.Max, kind.Max*utf8.UTFMax, entry)
		}
	}
}

// TestLongestDescriptionFits: the descriptions the service writes from a
// valid directory stay within MaxDescriptionLength, so the records of
// refusals always pass the stores' CheckText.
func TestLongestDescriptionFits(t *testing.T) {
	long := strings.Repeat("ΐ", MaxNameLength)
	var hours []AccessHours
	for range MaxAccessHours {
		hours = append(hours, AccessHours{Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday, time.Sunday}, From: 8 * 60, To: 19 * 60})
	}
	v := &Verdict{Business: &Business{Name: long}, Tariff: &Tariff{Name: long, AccessHours: hours}}
	for _, reason := range []string{ReasonLocationNotAllowed, ReasonOutsideAllowedHours} {
		if msg := DescriptionText.Problem(describe(reason, v, 0)); msg != "" {
			t.Errorf("%s: the description %s", reason, msg)
		}
	}
}

func TestParseRFC3339Offsets(t *testing.T) {
	for s, ok := range map[string]bool{
		"2026-03-29T00:30:00Z": true, "2026-03-29T00:30:00+23:59": true, "2026-03-29T00:30:00-12:00": true,
		"2026-03-29T00:30:00.5+02:00": true, "2026-03-29T00:30:00+24:00": false, "2026-03-29T00:30:00-24:00": false,
		"2026-03-29T00:30:00+14:60": false, "2026-03-29T00:30:00+99:00": false, "2026-03-29": false,
	} {
		if _, err := ParseRFC3339(s); (err == nil) != ok {
			t.Errorf("ParseRFC3339(%q) error = %v, want ok %v", s, err, ok)
		}
	}
}

func TestFailedCheckinCheckText(t *testing.T) {
	sys := "a\x00"
	r := &FailedCheckin{BusinessName: "ok", Description: strings.Repeat("d", MaxDescriptionLength+1), SystemID: &sys}
	bad := r.CheckText()
	if len(bad) != 2 || bad[0].Property != "Description" || bad[1].Property != "SystemId" {
		t.Errorf("CheckText = %+v, want Description and SystemId", bad)
	}
}

// TestUserEmailIsText: users add refused spaces but took a NUL or broken
// UTF-8, which PostgreSQL cannot store.
func TestUserEmailIsText(t *testing.T) {
	for _, email := range []string{"a\x00@b.c", "a\xff@b.c", "a\x7f@b.c"} {
		u := &User{Email: email, PasswordHash: "x"}
		if err := u.Validate(); ErrorCode(err) != ErrInvalid || !strings.Contains(err.Error(), "Email") {
			t.Errorf("Validate(%q) = %v, want an ErrInvalid naming Email", email, err)
		}
	}
}
