package searchparams

import (
	"net/url"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// Redacted is what RedactPersonal puts in place of a personal value.
const Redacted = "***"

// redactTables are the tables whose parameter names RedactPersonal
// knows: the searches whose filters name personal fields, whichever one
// a query string was written for (a webhook's Filter, an audited
// request's query).
var redactTables = []*Table{FailedCheckins, Checkins}

// RedactPersonal returns rawQuery with the value of every parameter on a
// personal field (fc.IsPersonalField: the name, the MAC addresses, the
// teams, under a FailedCheckins or Checkins filter name, in any case,
// with a from_ or to_ prefix too) replaced by Redacted. (An orderBy
// names a field, never a value, and is kept.) It serves a masked user the Filter of a
// webhook and the Query of an audit entry, which hold values other users
// typed (PRIVACY.md section 4). Every other pair is kept byte for byte,
// in order; a pair that is not valid URL encoding, whose name cannot be
// read, has its value redacted too, since what it filters cannot be told.
//
// A value that is itself a query string (the console's back= link to the
// list a record was opened from, a command line's filter=) is redacted
// the same way, a few levels deep, so a filter cannot hide inside another
// parameter.
func RedactPersonal(rawQuery string) string {
	return redactPersonal(rawQuery, 3)
}

// redactPersonal is RedactPersonal with depth levels of nested query
// strings left to look into.
func redactPersonal(rawQuery string, depth int) string {
	if rawQuery == "" {
		return ""
	}
	pairs := strings.Split(rawQuery, "&")
	for i, pair := range pairs {
		rawName, rawValue, hasValue := strings.Cut(pair, "=")
		if !hasValue || rawValue == "" {
			continue
		}
		name, err := url.QueryUnescape(rawName)
		if err != nil || personalParam(fc.Fold(name)) {
			pairs[i] = rawName + "=" + Redacted
			continue
		}
		if value, err := url.QueryUnescape(rawValue); err == nil && strings.Contains(value, "=") {
			switch {
			case depth == 0:
				pairs[i] = rawName + "=" + Redacted // deeper than any link makes: not shown
			default:
				if inner := redactPersonal(value, depth-1); inner != value {
					pairs[i] = rawName + "=" + url.QueryEscape(inner)
				}
			}
		}
	}
	return strings.Join(pairs, "&")
}

// personalParam reports whether the parameter of folded name key names
// a personal field in any of redactTables.
func personalParam(key string) bool {
	for _, t := range redactTables {
		if f, ok := findParam(t.filters, key); ok && fc.IsPersonalField(f.field) {
			return true
		}
		for _, prefix := range []string{prefixFrom, prefixTo} {
			if rest, ok := strings.CutPrefix(key, prefix); ok {
				if f, ok := findParam(t.ranges, rest); ok && fc.IsPersonalField(f.field) {
					return true
				}
			}
		}
	}
	return false
}
