// Package searchparams turns the query string of a Nexudus-style search
// (docs/api.md#search, docs/api.md#searching-check-ins) into an fc.Query:
// filters, ranges (from_/to_), paging, sorting and the date-time forms
// they accept, or an fc.ErrInvalid error listing every bad parameter in
// the Nexudus error shape, each under the name the client spelled.
//
// One Table per searchable entity (FailedCheckins, Checkins) says which
// parameters exist; the rules are the same for all. The API's search,
// export and statistics endpoints and the operator console parse with the
// same Table, so a filter means the same thing everywhere. It imports only
// the domain.
package searchparams

import (
	"net/url"
	"strings"
	"unicode/utf8"

	fc "github.com/failedcheckins/failedcheckins"
)

// paramKind says how the value of a filter parameter is read and which
// kind of condition it becomes.
type paramKind int

// The kinds of filter parameter (docs/api.md#filters and docs/api.md#range-filters).
const (
	kindIntList       paramKind = iota + 1 // one integer or a list: MatchInts
	kindIntListOrNull                      // the same, and the word null matches null
	kindSourceList                         // sources by number or name: MatchInts
	kindText                               // case-insensitive substring: MatchContains
	kindExact                              // one exact string: MatchExact
	kindCodeList                           // codes (case-insensitive) or null: MatchEqualFold
	kindGUID                               // one GUID, case-insensitive: MatchEqualFold
	kindTimeUTC                            // a date-time unit, offsets converted: MatchTimeRange
	kindTimeLocal                          // a wall-clock unit, no offset: MatchTimeRange
	kindInt                                // one integer; for ranges only: MatchIntRange
	kindSet                                // true (the field is set) or false (null): MatchNull
	kindBool                               // true (1) or false (0): MatchInts
	kindChannelList                        // audit channels by name, any case: MatchExact on the canonical names
)

// param is one filter: the parameter name as documented, the field it
// tests and how its value is read. For range parameters the name has no
// from_/to_ prefix and kind is kindTimeUTC, kindTimeLocal or kindInt.
type param struct {
	name  string
	field fc.Field
	kind  paramKind
}

// Table is the parameter table of one search endpoint. The same parsing
// rules (docs/api.md#search) serve every entity; only the table
// differs (FailedCheckins, and Checkins with the prefix Checkin_).
type Table struct {
	filters []param
	ranges  []param
	// strictPrefixes start parameter names that must name a filter: an
	// unknown one is a typo, answered with 400 rather than ignored.
	strictPrefixes []string
	sortFields     []fc.Field
	// sortAliases are extra orderBy names ("Coworker" for "CoworkerId").
	sortAliases  map[string]fc.Field
	defaultOrder fc.Field
}

// Names of the paging and sorting parameters and the range prefixes.
const (
	paramPage    = "page"
	paramSize    = "size"
	paramOrderBy = "orderby"
	paramDir     = "dir"
	prefixFrom   = "from_"
	prefixTo     = "to_"
	// maxListItems caps integer and code lists, so that one request cannot
	// make a store build a query with an unbounded number of parameters.
	maxListItems = 1000
)

// Names returns every parameter name the table accepts, as documented
// (filters, from_ and to_ of every range, paging and sorting), for a test
// that holds the API description to the parser.
func (sp *Table) Names() []string {
	names := []string{paramPage, paramSize, "orderBy", paramDir}
	for _, f := range sp.filters {
		names = append(names, f.name)
	}
	for _, f := range sp.ranges {
		names = append(names, prefixFrom+f.name, prefixTo+f.name)
	}
	return names
}

// ParamFold returns the value of the parameter named name in rawQuery
// (names compared case-insensitively, like every parameter name),
// trimmed and lower-cased, or def when it is absent or empty. A bad
// encoding of it, or two different values, is the same ErrInvalid error
// a search gives; other parameters are not looked at. Endpoints use it for
// their own parameters beside the search's (format=, groupBy=).
func ParamFold(rawQuery, name, def string) (string, error) {
	params, errs := splitQuery(rawQuery)
	params, dupErrs := collapse(params)
	errs = append(errs, dupErrs...)
	for _, e := range errs {
		if fc.Fold(e.Property) == fc.Fold(name) {
			return "", fc.InvalidFields([]fc.FieldError{e})
		}
	}
	for _, p := range params {
		if fc.Fold(p.name) == fc.Fold(name) {
			return strings.ToLower(strings.TrimSpace(p.value)), nil
		}
	}
	return def, nil
}

// rawParam is one name=value pair of the query string as the client sent it.
type rawParam struct {
	name, value string
}

// splitQuery decodes a raw query string in order (url.Values would lose the
// order, and with it a stable order of errors). A pair that is not valid URL
// encoding is reported, not skipped: skipping it could widen the result.
func splitQuery(raw string) ([]rawParam, []fc.FieldError) {
	var params []rawParam
	var errs []fc.FieldError
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(rawName)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			errs = append(errs, fc.FieldError{Property: rawName, Message: "is not valid URL encoding", AttemptedValue: rawValue})
			continue
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			// Matching a lone byte of a broken character against the
			// stored text would find records nobody asked for.
			errs = append(errs, fc.FieldError{Property: strings.ToValidUTF8(name, "\uFFFD"), Message: "must be valid UTF-8 text",
				AttemptedValue: strings.ToValidUTF8(value, "\uFFFD")})
			continue
		}
		params = append(params, rawParam{name: name, value: value})
	}
	return params, errs
}

// collapse drops empty values (an empty value is the same as leaving the
// parameter out) and merges repeats of a name, compared case-insensitively.
//
// A parameter given twice with different values is a 400: a repeated filter
// could mean "either" or "both", and guessing wrong returns wrong data
// silently; lists are written as one value (1,2,3). Repeating the same value
// is harmless and accepted.
func collapse(params []rawParam) ([]rawParam, []fc.FieldError) {
	var out []rawParam
	var errs []fc.FieldError
	seen := map[string]int{} // folded name -> index in out
	reported := map[string]bool{}
	for _, p := range params {
		if p.value == "" {
			continue
		}
		key := fc.Fold(p.name)
		i, ok := seen[key]
		switch {
		case !ok:
			seen[key] = len(out)
			out = append(out, p)
		case out[i].value != p.value && !reported[key]:
			reported[key] = true
			errs = append(errs, fc.FieldError{Property: p.name,
				Message: "is given more than once with different values; give it once (lists are written 1,2,3)", AttemptedValue: p.value})
		}
	}
	return out, errs
}
