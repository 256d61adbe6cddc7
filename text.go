package failedcheckins

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The one validation of text that enters the service (docs/api.md#text),
// whatever the way in: query parameters, credentials, headers, JSON
// bodies, the directory and CSV rows. Both stores must be able to keep
// whatever it lets through, so that SQLite and PostgreSQL accept and
// refuse the same input:
//
//   - valid UTF-8: PostgreSQL refuses anything else (SQLite would store
//     the bytes, and a lone byte of a broken character matched against
//     stored text finds records nobody asked for);
//   - no control characters (U+0000-U+001F, U+007F-U+009F): PostgreSQL
//     cannot store NUL in text at all, and the others have no place in a
//     name, a code or a header value. Only a Description may hold tab,
//     line feed and carriage return: it is free text that imported
//     history writes on several lines, CSV quotes it and JSON escapes it,
//     so they travel safely, and PostgreSQL stores them;
//   - at most a number of characters per kind of field. The text columns
//     that PostgreSQL indexes with a B-tree (names, teams, descriptions,
//     the counts' keys, client ids, sign-in names) must fit in one index
//     entry, about 2,700 bytes. A character is at most 4 bytes of UTF-8,
//     and its folded copy (Fold, also indexed) at most 6, so each limit
//     of an indexed name below times 6 stays under 2,700 bytes with room
//     for the other columns of the key (TestTextLimitsFitAnIndexEntry
//     holds them to it). Description is not indexed whole: its limit,
//     600, keeps the rollup keys that hold it (up to 4 bytes a
//     character, with their other columns) inside one entry.
//     The limits are far above real names, so a person never meets them.
const (
	// MaxNameLength bounds a name: a business (location), a tariff (plan),
	// a coworker's full name, one team.
	MaxNameLength = 200
	// MaxTeamsLength bounds a coworker's teams as recorded, joined with ", "
	// (TeamsAtTheTimeOfCheckin is one indexed column).
	MaxTeamsLength = 400
	// MaxDescriptionLength bounds a Description (indexed by the counts of
	// descriptions). A description the service writes stays below it: see
	// MaxAccessHours.
	MaxDescriptionLength = 600
	// MaxEmailLength bounds a user's email, the name of a sign-in (RFC
	// 5321's limit of an address).
	MaxEmailLength = 254
	// MaxClientIDLength bounds an OAuth client id (a token's client_id).
	MaxClientIDLength = 200
	// MaxLineLength bounds other one-line text: SystemId, UpdatedBy,
	// Reason and MacAddresses of imported history, and the values of text
	// filters on them. None is indexed by a B-tree; the limit only keeps
	// one field from carrying a megabyte.
	MaxLineLength = 1000
	// MaxAccessHours bounds the windows of one tariff, so that the
	// description of an OutsideAllowedHours refusal, which lists them,
	// fits in MaxDescriptionLength.
	MaxAccessHours = 16
)

// TextKind is a kind of text field: how long it may be and whether it may
// span lines.
type TextKind struct {
	// Max is the largest number of characters (Unicode code points).
	Max int
	// Multiline allows tab, line feed and carriage return.
	Multiline bool
}

// The kinds of text field.
var (
	NameText        = TextKind{Max: MaxNameLength}
	TeamsText       = TextKind{Max: MaxTeamsLength}
	DescriptionText = TextKind{Max: MaxDescriptionLength, Multiline: true}
	EmailText       = TextKind{Max: MaxEmailLength}
	ClientIDText    = TextKind{Max: MaxClientIDLength}
	LineText        = TextKind{Max: MaxLineLength}
)

// FieldText returns the kind of text a record field holds (the fields of
// FailedCheckins and Checkins), for validating the field and the filters
// on it; ok is false for a field that is not text.
func FieldText(f Field) (kind TextKind, ok bool) {
	switch f {
	case FieldCoworkerFullName, FieldBusinessName, FieldTariff:
		return NameText, true
	case FieldTeams:
		return TeamsText, true
	case FieldDescription:
		return DescriptionText, true
	case FieldMacAddresses, FieldUpdatedBy, FieldSystemID, FieldReason:
		return LineText, true
	}
	return TextKind{}, false
}

// Problem returns what is wrong with s as text of this kind, for a person,
// or "" when it is good.
func (k TextKind) Problem(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	n := 0
	for i, r := range s {
		n++
		if isControl(r) && !(k.Multiline && (r == '\t' || r == '\n' || r == '\r')) {
			allowed := ""
			if k.Multiline {
				allowed = " other than tab and line breaks"
			}
			return fmt.Sprintf("must not contain control characters%s (found U+%04X at character %d)",
				allowed, r, utf8.RuneCountInString(s[:i])+1)
		}
	}
	if n > k.Max {
		return fmt.Sprintf("must be at most %d characters (this is %d)", k.Max, n)
	}
	return ""
}

// Check returns a FieldError naming property when s is not good text of
// this kind, and nil when it is. The AttemptedValue is shortened and made
// valid UTF-8, so that the error itself can always be written.
func (k TextKind) Check(property, s string) *FieldError {
	msg := k.Problem(s)
	if msg == "" {
		return nil
	}
	return &FieldError{Property: property, Message: msg, AttemptedValue: ShortValue(s)}
}

// isControl reports a control character (Unicode category Cc).
func isControl(r rune) bool { return r < 0x20 || 0x7F <= r && r <= 0x9F }

// ShortValue is s as an error's AttemptedValue: at most 64 bytes, cut on a
// character boundary, with invalid UTF-8 replaced.
func ShortValue(s string) string {
	const keep = 64
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= keep {
		return s
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// CheckText checks every text field of r (TextKind of each field), listing
// every bad one under its field name. Both stores run it on every record
// they are given (sqlstore), and the CSV reader on every row.
func (r *FailedCheckin) CheckText() []FieldError {
	var bad []FieldError
	check := func(f Field, s string) {
		kind, _ := FieldText(f)
		if fe := kind.Check(string(f), s); fe != nil {
			bad = append(bad, *fe)
		}
	}
	check(FieldCoworkerFullName, r.CoworkerFullName)
	check(FieldBusinessName, r.BusinessName)
	check(FieldMacAddresses, r.MacAddresses)
	check(FieldTeams, r.Teams)
	check(FieldTariff, r.Tariff)
	check(FieldDescription, r.Description)
	optional := [...]struct {
		f Field
		s *string
	}{{FieldUpdatedBy, r.UpdatedBy}, {FieldSystemID, r.SystemID}, {FieldReason, r.Reason}}
	for _, o := range optional {
		if o.s != nil {
			check(o.f, *o.s)
		}
	}
	return bad
}

// ParseRFC3339 reads an RFC 3339 time (fractional seconds allowed) as
// time.Parse does, but refuses an offset that RFC 3339 does not allow:
// time.Parse accepts +24:00 and minutes up to 99, offsets no clock has.
func ParseRFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, err
	}
	if n := len(s); n >= 6 && (s[n-6] == '+' || s[n-6] == '-') && s[n-3] == ':' {
		hh, mm := s[n-5:n-3], s[n-2:]
		if hh > "23" || mm > "59" {
			return time.Time{}, fmt.Errorf("parsing time %q: the offset %s is out of range (at most ±23:59)", s, s[n-6:])
		}
	}
	return t, nil
}
