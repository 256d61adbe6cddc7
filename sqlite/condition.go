package sqlite

import (
	fc "github.com/failedcheckins/failedcheckins"
)

// buildCondition returns one SQL term for c and its arguments. Every value
// travels as an argument; only whitelisted column names are written into
// the SQL text.
func buildCondition(c fc.Condition) (string, []any, error) {
	col, ok := columns[c.Field]
	if !ok {
		return "", nil, unknownField(c.Field)
	}
	switch c.Match {
	case fc.MatchInts:
		return intsTerm(col, c)
	case fc.MatchContains:
		return containsTerm(col, c)
	case fc.MatchEqualFold:
		return equalFoldTerm(col, c)
	case fc.MatchExact:
		return exactTerm(col, c)
	case fc.MatchTimeRange:
		return timeRangeTerm(col, c)
	case fc.MatchIntRange:
		if !isInt(col.kind) {
			return "", nil, mismatch(c)
		}
		return col.name + " BETWEEN ? AND ?", []any{c.Min, c.Max}, nil
	}
	return "", nil, fc.Errorf(fc.ErrInvalid, "unknown kind of filter on field %q", c.Field)
}

func isInt(k kind) bool  { return k == kindInt || k == kindNullInt || k == kindFalse }
func isText(k kind) bool { return k == kindText || k == kindNullText }

func intsTerm(col column, c fc.Condition) (string, []any, error) {
	if !isInt(col.kind) {
		return "", nil, mismatch(c)
	}
	var alts []string
	var args []any
	if len(c.Ints) > 0 {
		alts = append(alts, col.name+" IN ("+placeholders(len(c.Ints))+")")
		for _, v := range c.Ints {
			args = append(args, v)
		}
	}
	if c.Null && col.kind == kindNullInt {
		alts = append(alts, col.name+" IS NULL")
	}
	return anyOf(alts), args, nil
}

// containsTerm uses instr on the folded copy: unlike LIKE it has no
// wildcards, so %, _ and \ in the needle are literal.
func containsTerm(col column, c fc.Condition) (string, []any, error) {
	if !isText(col.kind) || len(c.Strings) != 1 {
		return "", nil, mismatch(c)
	}
	term := "instr(" + col.fold + ", ?) > 0"
	if col.kind == kindNullText {
		// The folded copy of NULL is '', which contains the empty needle.
		term = "(" + col.name + " IS NOT NULL AND " + term + ")"
	}
	return term, []any{fc.Fold(c.Strings[0])}, nil
}

func equalFoldTerm(col column, c fc.Condition) (string, []any, error) {
	if !isText(col.kind) {
		return "", nil, mismatch(c)
	}
	var alts []string
	var args []any
	if len(c.Strings) > 0 {
		term := col.fold + " IN (" + placeholders(len(c.Strings)) + ")"
		if col.kind == kindNullText {
			// The folded copy of NULL is '', which must not equal "".
			term = "(" + col.name + " IS NOT NULL AND " + term + ")"
		}
		alts = append(alts, term)
		for _, s := range c.Strings {
			args = append(args, fc.Fold(s))
		}
	}
	if c.Null && col.kind == kindNullText {
		alts = append(alts, col.name+" IS NULL")
	}
	return anyOf(alts), args, nil
}

func exactTerm(col column, c fc.Condition) (string, []any, error) {
	if !isText(col.kind) {
		return "", nil, mismatch(c)
	}
	if len(c.Strings) == 0 {
		return "0", nil, nil
	}
	args := make([]any, len(c.Strings))
	for i, s := range c.Strings {
		args[i] = s
	}
	// NULL IN (...) is never true, so null values never match.
	return col.name + " IN (" + placeholders(len(c.Strings)) + ")", args, nil
}

func timeRangeTerm(col column, c fc.Condition) (string, []any, error) {
	if col.kind != kindTime {
		return "", nil, mismatch(c)
	}
	var terms []string
	var args []any
	if !c.From.IsZero() {
		terms = append(terms, col.name+" >= ?")
		args = append(args, ceilUnix(c.From))
	}
	if !c.Until.IsZero() {
		terms = append(terms, col.name+" < ?")
		args = append(args, ceilUnix(c.Until))
	}
	switch len(terms) {
	case 0:
		return "1", nil, nil
	case 1:
		return terms[0], args, nil
	}
	return "(" + terms[0] + " AND " + terms[1] + ")", args, nil
}

// anyOf joins alternatives with OR; no alternative at all matches nothing.
func anyOf(alts []string) string {
	switch len(alts) {
	case 0:
		return "0"
	case 1:
		return alts[0]
	}
	s := "(" + alts[0]
	for _, a := range alts[1:] {
		s += " OR " + a
	}
	return s + ")"
}
