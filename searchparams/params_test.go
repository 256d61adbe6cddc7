package searchparams

import (
	"errors"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestParseConditions checks the exact Query the parameters become, so that
// what the store is asked is pinned independently of the store.
func TestParseConditions(t *testing.T) {
	day := func(s string) time.Time { return utc(s + "T00:00:00Z") }
	for _, c := range []struct {
		query string
		want  fc.Condition
	}{
		{"Id=[1,2]", fc.In(fc.FieldID, 1, 2)},
		{"FailedCheckin_Coworker=null,7", fc.Condition{Field: fc.FieldCoworkerID, Match: fc.MatchInts, Ints: []int64{7}, Null: true}},
		{"FailedCheckin_Source=DoorAccess,5", fc.In(fc.FieldSource, 2, 5)},
		{"FailedCheckin_Description=a%25_b", fc.Contains(fc.FieldDescription, "a%_b")},
		{"FailedCheckin_Description=%20x%20", fc.Contains(fc.FieldDescription, " x ")},
		{"FailedCheckin_SystemId=X-1", fc.Condition{Field: fc.FieldSystemID, Match: fc.MatchExact, Strings: []string{"X-1"}}},
		{"FailedCheckin_Reason=PlanExpired,null", fc.Condition{Field: fc.FieldReason, Match: fc.MatchEqualFold, Strings: []string{"PlanExpired"}, Null: true}},
		{"FailedCheckin_Resolved=true", fc.Resolved(true)},
		{"failedcheckin_resolved=FALSE", fc.Resolved(false)},
		{"UniqueId=A1FC918C-EE79-424F-8537-8D9312820CFE", fc.Condition{Field: fc.FieldUniqueID, Match: fc.MatchEqualFold, Strings: []string{"a1fc918c-ee79-424f-8537-8d9312820cfe"}}},
		{"FailedCheckin_CheckinAttemptTime=2026-01-15", fc.TimeRange(fc.FieldCheckinAttemptTime, day("2026-01-15"), day("2026-01-16"))},
		{"FailedCheckin_CheckinAttemptTimeLocal=2026-01-15T10:30", fc.TimeRange(fc.FieldCheckinAttemptTimeLocal, utc("2026-01-15T10:30:00Z"), utc("2026-01-15T10:31:00Z"))},
		{"to_FailedCheckin_CreatedOn=2026-01-31", fc.TimeRange(fc.FieldCreatedOn, time.Time{}, day("2026-02-01"))},
		{"from_FailedCheckin_UpdatedOn=2026-01-31T10:30%2B01:00", fc.TimeRange(fc.FieldUpdatedOn, utc("2026-01-31T09:30:00Z"), time.Time{})},
		{"from_FailedCheckin_CheckinAttemptTime=2026-01-15T10:30:00.2&to_FailedCheckin_CheckinAttemptTime=2026-01-15T10:30:01.5",
			fc.TimeRange(fc.FieldCheckinAttemptTime, utc("2026-01-15T10:30:01Z"), utc("2026-01-15T10:30:02Z"))},
		{"from_FailedCheckin_Id=3", fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: 3, Max: math.MaxInt64}},
		{"to_FailedCheckin_Id=3", fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: math.MinInt64, Max: 3}},
		{"to_FailedCheckin_CheckinAttemptTime=0001-01-01T01:59%2B02:00", fc.TimeRange(fc.FieldCheckinAttemptTime, time.Time{}, time.Time{}.Add(-time.Second))},
	} {
		q, err := FailedCheckins.Parse(c.query)
		if err != nil {
			t.Errorf("parse(%q) = %v; want %+v", c.query, err, c.want)
			continue
		}
		if len(q.Conditions) != 1 || !equalCondition(q.Conditions[0], c.want) {
			t.Errorf("parse(%q) = %+v; want [%+v]", c.query, q.Conditions, c.want)
		}
	}
}

func equalCondition(a, b fc.Condition) bool {
	return a.Field == b.Field && a.Match == b.Match && slices.Equal(a.Ints, b.Ints) && slices.Equal(a.Strings, b.Strings) &&
		a.Null == b.Null && a.From.Equal(b.From) && a.Until.Equal(b.Until) && a.Min == b.Min && a.Max == b.Max
}

func TestParseDefaults(t *testing.T) {
	q, err := FailedCheckins.Parse("")
	want := fc.Query{Page: 1, Size: 25, OrderBy: fc.FieldCreatedOn, Descending: true}
	if err != nil || q.Page != want.Page || q.Size != want.Size || q.OrderBy != want.OrderBy || !q.Descending || len(q.Conditions) != 0 {
		t.Errorf("parse(\"\") = %+v, %v; want %+v", q, err, want)
	}
}

// TestParseInvalidUTF8: a value that is not UTF-8 is a 400, never a
// filter on a lone byte; name and value are echoed with U+FFFD.
func TestParseInvalidUTF8(t *testing.T) {
	for _, raw := range []string{"FailedCheckin_Description=%C3", "FailedCheckin_Business=%ff", "FailedCheckin_%ff=1"} {
		_, err := FailedCheckins.Parse(raw)
		var e *fc.Error
		if !errors.As(err, &e) || e.Code != fc.ErrInvalid || len(e.Fields) != 1 || e.Fields[0].Message != "must be valid UTF-8 text" {
			t.Errorf("parse(%q) = %v; want one field error: must be valid UTF-8 text", raw, err)
			continue
		}
		if f := e.Fields[0]; !utf8.ValidString(f.Property) || !utf8.ValidString(f.AttemptedValue) || !strings.Contains(f.Property+f.AttemptedValue, "\uFFFD") {
			t.Errorf("parse(%q) field = %+v; want U+FFFD in place of the bad bytes", raw, f)
		}
	}
}

func TestParseListLimit(t *testing.T) {
	list := make([]byte, 0, 4*maxListItems)
	for i := range maxListItems + 1 {
		if i > 0 {
			list = append(list, ',')
		}
		list = append(list, '7')
	}
	if _, err := FailedCheckins.Parse("Id=" + string(list[:len(list)-2])); err != nil {
		t.Errorf("parse(Id with %d values) = %v; want no error", maxListItems, err)
	}
	if _, err := FailedCheckins.Parse("Id=" + string(list)); fc.ErrorCode(err) != fc.ErrInvalid {
		t.Errorf("parse(Id with %d values) = %v; want an invalid error", maxListItems+1, err)
	}
}

// TestParseResolved: FailedCheckin_Resolved takes true or false in any
// case and nothing else, with a 400 that names the parameter.
func TestParseResolved(t *testing.T) {
	for _, v := range []string{"maybe", "1", "yes", "null", "true,false", "%20"} {
		_, err := FailedCheckins.Parse("FailedCheckin_Resolved=" + v)
		var e *fc.Error
		if !errors.As(err, &e) || e.Code != fc.ErrInvalid || len(e.Fields) != 1 ||
			e.Fields[0].Property != "FailedCheckin_Resolved" || e.Fields[0].Message != "must be true or false" {
			t.Errorf("parse(FailedCheckin_Resolved=%s) = %v; want ErrInvalid naming FailedCheckin_Resolved", v, err)
		}
	}
}

// validQuery reports what is wrong with a parsed Query, or "".
func validQuery(q fc.Query) string {
	switch {
	case q.Page < 1:
		return "page < 1"
	case q.Size < 1 || q.Size > fc.MaxPageSize:
		return "size out of range"
	case !slices.Contains(fc.FailedCheckinFields, q.OrderBy):
		return "unknown order field"
	}
	for _, c := range q.Conditions {
		switch {
		case !slices.Contains(fc.FailedCheckinFields, c.Field):
			return "unknown condition field " + string(c.Field)
		case c.Match < fc.MatchInts || c.Match > fc.MatchNull:
			return "unknown match"
		case c.Match == fc.MatchInts && len(c.Ints) == 0 && !c.Null:
			return "empty integer list"
		case (c.Match == fc.MatchContains || c.Match == fc.MatchExact) && len(c.Strings) != 1:
			return "text condition without exactly one value"
		case c.Match == fc.MatchEqualFold && len(c.Strings) == 0 && !c.Null:
			return "empty code list"
		case c.Match == fc.MatchIntRange && c.Min > c.Max:
			return "empty id range"
		case c.Match == fc.MatchTimeRange && c.From.IsZero() && c.Until.IsZero():
			return "time range open on both sides"
		}
	}
	return ""
}

func FuzzParseSearch(f *testing.F) {
	for _, seed := range []string{
		"", "page=2&size=10&orderBy=coworker&dir=asc", "size=99999999999999999999", "Id=[1,2,3]&FailedCheckin_Coworker=null",
		"FailedCheckin_Source=DoorAccess,1&FailedCheckin_Reason=PlanExpired,null&UniqueId=3f2504e0-4f89-41d3-9a0c-0305e82c3301",
		"FailedCheckin_Resolved=true", "FailedCheckin_Resolved=maybe",
		"from_FailedCheckin_CheckinAttemptTime=2026-01-15T10:30%2B02:00&to_FailedCheckin_CheckinAttemptTime=2026-01-16",
		"from_FailedCheckin_Id=5&to_FailedCheckin_Id=2", "FailedCheckin_Nope=1&%zz=1", "a=1&A=2&orderBy=Id&ORDERBY=Source",
		"FailedCheckin_CheckinAttemptTimeLocal=2026-01-15T10:30:00.5Z", "FailedCheckin_Description=%25_%5C",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := FailedCheckins.Parse(raw)
		if err != nil {
			var e *fc.Error
			if !errors.As(err, &e) || e.Code != fc.ErrInvalid || len(e.Fields) == 0 {
				t.Fatalf("parse(%q) = %v; want an invalid error listing fields", raw, err)
			}
			return
		}
		if msg := validQuery(q); msg != "" {
			t.Fatalf("parse(%q) = %+v: %s", raw, q, msg)
		}
		// A query that parses also parses after re-encoding through
		// url.Values, which is how most clients build it.
		if vals, err := url.ParseQuery(raw); err == nil && !containsSemicolon(raw) {
			if _, err := FailedCheckins.Parse(vals.Encode()); err != nil && len(vals) == countPairs(raw) {
				t.Fatalf("parse(%q) succeeded but parse(%q) = %v", raw, vals.Encode(), err)
			}
		}
	})
}

func containsSemicolon(s string) bool { return slices.Contains([]byte(s), ';') }

// countPairs counts the name=value pairs of raw, so the re-encoding check
// applies only when url.Values kept every pair in the same number.
func countPairs(raw string) int {
	n := 0
	for _, p := range splitRaw(raw) {
		if p != "" {
			n++
		}
	}
	return n
}

func splitRaw(raw string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(raw); i++ {
		if i == len(raw) || raw[i] == '&' {
			out = append(out, raw[start:i])
			start = i + 1
		}
	}
	return out
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// TestParamFold: one parameter read beside a search, by the search's
// rules: any case of the name, repeats only with the same value, and a
// bad encoding of that parameter (not of others) reported.
func TestParamFold(t *testing.T) {
	for _, c := range []struct {
		raw, want string
		invalid   bool
	}{
		{"", "csv", false},
		{"format=", "csv", false},
		{"FORMAT=%20NDJSON%20", "ndjson", false},
		{"format=csv&Format=csv", "csv", false},
		{"format=csv&format=ndjson", "", true},
		{"format=%zz", "", true},
		{"other=%zz&format=ndjson", "ndjson", false},
	} {
		got, err := ParamFold(c.raw, "format", "csv")
		if c.invalid != (fc.ErrorCode(err) == fc.ErrInvalid) || got != c.want {
			t.Errorf("ParamFold(%q) = %q, %v; want %q (invalid: %v)", c.raw, got, err, c.want, c.invalid)
		}
	}
}

// TestParseFilters: the filters and ranges read as Parse reads them, in Id
// order; page, size, orderBy and dir (any case) are each refused by name,
// beside any other bad parameter.
func TestParseFilters(t *testing.T) {
	q, err := FailedCheckins.ParseFilters("FailedCheckin_Reason=PlanExpired&from_FailedCheckin_Id=5&after=7")
	if err != nil || q.OrderBy != fc.FieldID || q.Descending || len(q.Conditions) != 2 {
		t.Errorf("ParseFilters = %+v, %v; want two conditions in Id order", q, err)
	}
	want, _ := FailedCheckins.Parse("FailedCheckin_Reason=PlanExpired&from_FailedCheckin_Id=5")
	if !reflect.DeepEqual(q.Conditions, want.Conditions) {
		t.Errorf("ParseFilters conditions = %+v; want Parse's %+v", q.Conditions, want.Conditions)
	}
	_, err = Checkins.ParseFilters("Page=1&size=5&ORDERBY=Id&dir=asc&Checkin_Source=Teleport")
	var fe *fc.Error
	if !errors.As(err, &fe) || fe.Code != fc.ErrInvalid {
		t.Fatalf("ParseFilters(paging) = %v; want ErrInvalid", err)
	}
	var names []string
	for _, f := range fe.Fields {
		names = append(names, f.Property)
	}
	if strings.Join(names, ",") != "Page,size,ORDERBY,dir,Checkin_Source" {
		t.Errorf("ParseFilters refused %v; want Page, size, ORDERBY, dir and Checkin_Source", names)
	}
}
