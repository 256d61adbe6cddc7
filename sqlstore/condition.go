package sqlstore

import (
	"fmt"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// condition returns one SQL term for c, adding its arguments to a. Every
// value travels as an argument; only whitelisted column names are written
// into the SQL text.
func condition(a *args, c fc.Condition) (string, error) {
	col, ok := a.t.columns[c.Field]
	if !ok {
		return "", unknownField(c.Field)
	}
	if a.d.SortIndexHints && a.t == failedCheckins && col.sortIndex != "" && c.Field != a.order {
		// "+column" is the column's value, which no index serves: SQLite
		// would take the sort index for a selective filter (it has no
		// statistics) and gather and sort half the table for a Source.
		// Rollups and dictionaries keep their keys usable.
		col.name = "+" + col.name
		if col.fold != "" {
			col.fold = "+" + col.fold
		}
	}
	switch c.Match {
	case fc.MatchInts:
		return intsTerm(a, col, c)
	case fc.MatchContains:
		return containsTerm(a, col, c)
	case fc.MatchEqualFold:
		return equalFoldTerm(a, col, c)
	case fc.MatchExact:
		return exactTerm(a, col, c)
	case fc.MatchTimeRange:
		return timeRangeTerm(a, col, c)
	case fc.MatchIntRange:
		if !isInt(col.kind) {
			return "", mismatch(c)
		}
		return col.name + " BETWEEN " + a.add(c.Min) + " AND " + a.add(c.Max), nil
	case fc.MatchNull:
		return nullTerm(col, c)
	}
	return "", fc.Errorf(fc.ErrInvalid, "unknown kind of filter on field %q", c.Field)
}

func isInt(k kind) bool  { return k == kindInt || k == kindNullInt || k == kindFalse }
func isText(k kind) bool { return k == kindText || k == kindNullText }

func intsTerm(a *args, col column, c fc.Condition) (string, error) {
	if !isInt(col.kind) {
		return "", mismatch(c)
	}
	var alts []string
	if len(c.Ints) > 0 {
		alts = append(alts, col.name+" IN ("+list(a, c.Ints)+")")
	}
	if c.Null && col.kind == kindNullInt {
		alts = append(alts, col.name+" IS NULL")
	}
	return anyOf(alts), nil
}

// containsTerm tests the folded copy. With instr() nothing in the needle
// is a wildcard; with LIKE the pattern escapes %, _ and \, so they are
// literal too.
func containsTerm(a *args, col column, c fc.Condition) (string, error) {
	if !isText(col.kind) || len(c.Strings) != 1 {
		return "", mismatch(c)
	}
	needle := fc.Fold(c.Strings[0])
	if dict := dictionaries[c.Field]; dict != nil && a.t.rollup != nil && col.kind == kindText {
		return dictionaryTerm(a, dict, c.Field, col, needle), nil
	}
	term := substringTerm(a, col, needle)
	if seek := macArrayTerm(a, c.Field, col, needle, term); seek != "" {
		term = seek
	}
	if col.kind == kindNullText {
		// The folded copy of NULL is '', which contains the empty needle.
		term = "(" + col.name + " IS NOT NULL AND " + term + ")"
	}
	return term, nil
}

// substringTerm tests whether col's folded copy contains the folded
// needle.
func substringTerm(a *args, col column, needle string) string {
	if a.d.LikeContains {
		return col.fold + " LIKE " + a.add(likePattern(needle))
	}
	return "instr(" + col.fold + ", " + a.add(needle) + ") > 0"
}

// macArrayTerm is, on PostgreSQL (Dialect.DictionaryArrays), a substring
// of the MAC addresses on failed_checkins seeked through their dictionary
// (fc_count_mac): "the folded list is one of the dictionary's lists that
// hold the needle", and the needle's own test like. No index serves a
// substring of the lists, so such a search scanned the table (issue 17's
// random shapes: 230-330 ms for the page or the count of a MAC substring
// beside a sort, a scope or a range: r053, r065, r117, r150), where the
// 62,297 distinct lists of the 1M bench data hold about 5.6 records each
// (but the empty one, which no needle of macPieces' length matches):
// the lists found through macPieces' index are a few thousand at most,
// whose records failed_checkins_mac_addresses finds by equality. The same
// records, since every record's list is in the dictionary (dictionaries)
// with its folded copy, read in the statement's own snapshot, and like
// still tests each. The lists are an array built once per statement (an
// InitPlan), so the planner seeks the index for each: written as IN
// (subquery), PostgreSQL joined the dictionary row by row, probing a
// trigram index of the lists once per record (258 ms for 20 records, by
// hand on the 1M database).
// "" when macPieces has no piece to seek: the dictionary's scan would
// cost 15-35 ms per statement, more than the plain plans of the short
// needles (r035's "F:9": 11 ms of CPU per search).
func macArrayTerm(a *args, f fc.Field, col column, needle, like string) string {
	if a.t != failedCheckins {
		return ""
	}
	pieces := macPieces(a, f, needle)
	if pieces == "" {
		return ""
	}
	// The dictionary carries failed_checkins' column names, so the tests
	// (whose numbered placeholders both uses share) read the same there.
	return "(" + col.fold + " = ANY(ARRAY(SELECT " + col.fold + " FROM " + dictionaries[f].Name +
		" WHERE " + pieces + like + ")) AND " + like + ")"
}

// macPieces returns, for a substring of the MAC addresses on PostgreSQL
// (Dialect.DictionaryArrays), the test "the folded list without its
// colons contains the needle without its colons" followed by AND, which
// the MAC dictionary's trigram index serves (postgres migration 0025),
// or "" (another field or dialect, or no run of three letters or digits
// once stripped: pg_trgm takes its trigrams from such runs only, and a
// needle without one, "   " or "a-b", would read the whole index).
// Every list holding the needle passes it, so it only narrows what the
// needle's own test reads.
func macPieces(a *args, f fc.Field, needle string) string {
	stripped := strings.ReplaceAll(needle, ":", "")
	if !a.d.DictionaryArrays || f != fc.FieldMacAddresses || !hasTrigram(stripped) {
		return ""
	}
	return "replace(" + columnTable[f].fold + ", ':', '') LIKE " + a.add(likePattern(stripped)) + " AND "
}

// hasTrigram reports whether s holds three ASCII letters or digits in a
// row: a word pg_trgm makes a trigram of. (Letters beyond ASCII count as
// breaks here, which only keeps the plain test for more needles.)
func hasTrigram(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			if run++; run == 3 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// dictionaryTerm is a substring condition on a rollup (a.t). On the
// field's dictionary itself it is the plain test, narrowed first to the
// values holding the needle's picked piece when there is one, or the
// values listed for the needle once per search (resolved: no test); on
// any other rollup it is "col IN (those values of the dictionary)", which
// matches the same rows (see dictionaries) and lets the rollup's primary
// key seek on them.
func dictionaryTerm(a *args, dict *Rollup, f fc.Field, col column, needle string) string {
	var term string
	key := trigramKey{f, needle}
	if ids, ok := a.d.resolved[key]; ok {
		term = "FALSE"
		if len(ids) > 0 {
			term = col.name + " IN (SELECT " + col.name + " FROM " + trigramTables[f].lists + " WHERE id IN (" + list(a, ids) + "))"
		}
	} else {
		if tri, ok := a.d.picked[key]; ok {
			term = col.name + " IN (" + fmt.Sprintf(trigramTables[f].values, a.add(tri)) + ") AND "
		}
		term += macPieces(a, f, needle) + substringTerm(a, col, needle)
	}
	if a.t.rollup == dict {
		return term
	}
	return col.name + " IN (SELECT " + col.name + " FROM " + dict.Name + " WHERE " + term + ")"
}

func equalFoldTerm(a *args, col column, c fc.Condition) (string, error) {
	if !isText(col.kind) {
		return "", mismatch(c)
	}
	var alts []string
	if len(c.Strings) > 0 {
		folded := make([]string, len(c.Strings))
		for i, s := range c.Strings {
			folded[i] = fc.Fold(s)
		}
		term := col.fold + " IN (" + list(a, folded) + ")"
		if col.kind == kindNullText {
			// The folded copy of NULL is '', which must not equal "".
			term = "(" + col.name + " IS NOT NULL AND " + term + ")"
		}
		alts = append(alts, term)
	}
	if c.Null && col.kind == kindNullText {
		alts = append(alts, col.name+" IS NULL")
	}
	return anyOf(alts), nil
}

func exactTerm(a *args, col column, c fc.Condition) (string, error) {
	if !isText(col.kind) {
		return "", mismatch(c)
	}
	if len(c.Strings) == 0 {
		return "FALSE", nil
	}
	// NULL IN (...) is never true, so null values never match.
	return col.name + " IN (" + list(a, c.Strings) + ")", nil
}

// nullTerm tests whether a nullable column is null (c.Null) or set. The
// folded copy of a NULL text is the empty string, so the raw column is
// tested.
func nullTerm(col column, c fc.Condition) (string, error) {
	if col.kind != kindNullInt && col.kind != kindNullText && col.kind != kindNullTime {
		return "", mismatch(c)
	}
	if c.Null {
		return col.name + " IS NULL", nil
	}
	return col.name + " IS NOT NULL", nil
}

func timeRangeTerm(a *args, col column, c fc.Condition) (string, error) {
	if col.kind != kindTime && col.kind != kindNullTime {
		return "", mismatch(c)
	}
	bound := func(t time.Time) any { return a.d.Time(CeilUnix(t)) }
	if a.t.accountTimes {
		// Stored to the millisecond: "r >= From" is "r >= From rounded up
		// to the millisecond", and so is "r < Until".
		bound = func(t time.Time) any { return a.d.Accounts.Value(ceilMilli(t)) }
	}
	var terms []string
	if !c.From.IsZero() {
		terms = append(terms, col.name+" >= "+a.add(bound(c.From)))
	}
	if !c.Until.IsZero() {
		terms = append(terms, col.name+" < "+a.add(bound(c.Until)))
	}
	switch len(terms) {
	case 0:
		return "TRUE", nil
	case 1:
		return terms[0], nil
	}
	return "(" + terms[0] + " AND " + terms[1] + ")", nil
}

// anyOf joins alternatives with OR; no alternative at all matches nothing.
// TRUE and FALSE are keywords in both PostgreSQL and SQLite (3.23+).
func anyOf(alts []string) string {
	switch len(alts) {
	case 0:
		return "FALSE"
	case 1:
		return alts[0]
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// ceilMilli rounds t up to the millisecond.
func ceilMilli(t time.Time) time.Time {
	if r := t.Truncate(time.Millisecond); r.Before(t) {
		return r.Add(time.Millisecond)
	}
	return t
}
