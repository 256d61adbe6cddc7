package searchparams

import (
	"math"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// filterCondition turns one filter parameter into its condition.
func filterCondition(f param, p rawParam) (fc.Condition, *fc.FieldError) {
	bad := func(msg string) (fc.Condition, *fc.FieldError) {
		return fc.Condition{}, &fc.FieldError{Property: p.name, Message: msg, AttemptedValue: p.value}
	}
	switch f.kind {
	case kindIntList, kindIntListOrNull, kindSourceList, kindCodeList, kindChannelList:
		return listCondition(f, p)
	case kindText:
		if fe := checkText(f, p.name, p.value); fe != nil {
			return fc.Condition{}, fe
		}
		// The value is literal: %, _ and \ are characters, never wildcards.
		return fc.Contains(f.field, p.value), nil
	case kindExact:
		if fe := checkText(f, p.name, p.value); fe != nil {
			return fc.Condition{}, fe
		}
		return fc.Condition{Field: f.field, Match: fc.MatchExact, Strings: []string{p.value}}, nil
	case kindGUID:
		guid := strings.TrimSpace(p.value)
		if !isGUID(guid) {
			return bad("must be a GUID like 3f2504e0-4f89-41d3-9a0c-0305e82c3301")
		}
		return fc.Condition{Field: f.field, Match: fc.MatchEqualFold, Strings: []string{strings.ToLower(guid)}}, nil
	case kindTimeUTC, kindTimeLocal:
		dt, msg := parseTimeParam(f, p.value)
		if msg != "" {
			return bad(msg)
		}
		return fc.TimeRange(f.field, ceilSecond(dt.Start), ceilSecond(dt.End)), nil
	case kindSet:
		// The words of JSON's booleans, in any case, as a client writes
		// them; anything else (1, yes, maybe) is a 400 rather than a guess.
		switch strings.ToLower(strings.TrimSpace(p.value)) {
		case "true":
			return fc.Condition{Field: f.field, Match: fc.MatchNull}, nil
		case "false":
			return fc.Condition{Field: f.field, Match: fc.MatchNull, Null: true}, nil
		}
		return bad("must be true or false")
	case kindBool:
		switch strings.ToLower(strings.TrimSpace(p.value)) {
		case "true":
			return fc.In(f.field, 1), nil
		case "false":
			return fc.In(f.field, 0), nil
		}
		return bad("must be true or false")
	}
	return bad("is not supported") // a table entry with a range-only kind
}

// listCondition reads a list filter: one item or several, written 1,2,3 or
// [1,2,3]. Every bad item is named in the one message.
func listCondition(f param, p rawParam) (fc.Condition, *fc.FieldError) {
	items := SplitList(p.value)
	cond := fc.Condition{Field: f.field, Match: fc.MatchInts}
	switch f.kind {
	case kindCodeList:
		cond.Match = fc.MatchEqualFold
	case kindChannelList:
		cond.Match = fc.MatchExact
	}
	var badItems []string
	for _, item := range items {
		if !addListItem(&cond, f.kind, item) {
			badItems = append(badItems, strconv.Quote(fc.ShortValue(item)))
		}
	}
	switch {
	case len(items) > maxListItems:
		return fc.Condition{}, &fc.FieldError{Property: p.name, Message: "lists at most " + strconv.Itoa(maxListItems) + " values", AttemptedValue: p.value}
	case len(badItems) > 0:
		return fc.Condition{}, &fc.FieldError{Property: p.name, Message: listMessage(f.kind) + "; not valid: " + strings.Join(badItems, ", "), AttemptedValue: p.value}
	}
	return cond, nil
}

// addListItem adds one list item to cond; it reports whether the item is valid.
func addListItem(cond *fc.Condition, kind paramKind, item string) bool {
	if item == "" {
		return false
	}
	if fc.Fold(item) == "null" && (kind == kindIntListOrNull || kind == kindCodeList) {
		cond.Null = true
		return true
	}
	switch kind {
	case kindIntList, kindIntListOrNull:
		n, err := strconv.ParseInt(item, 10, 64)
		cond.Ints = append(cond.Ints, n)
		return err == nil
	case kindSourceList:
		s, err := fc.ParseSource(item)
		cond.Ints = append(cond.Ints, int64(s))
		return err == nil
	case kindCodeList:
		cond.Strings = append(cond.Strings, item)
		return fc.LineText.Problem(item) == ""
	case kindChannelList:
		c, ok := fc.ParseAuditChannel(item)
		cond.Strings = append(cond.Strings, string(c))
		return ok
	}
	return false
}

// checkText checks the value of a text filter as text of the field it
// filters (fc.FieldText): a value that field could never hold (a NUL,
// which PostgreSQL cannot even compare, a control character, more
// characters than the field keeps) is a 400 naming the parameter on
// every store, rather than a 500 on one and "no match" on the other.
func checkText(f param, name, value string) *fc.FieldError {
	kind, ok := fc.FieldText(f.field)
	if !ok {
		kind = fc.LineText
	}
	return kind.Check(name, value)
}

// listMessage says what a list of the given kind accepts.
func listMessage(kind paramKind) string {
	switch kind {
	case kindIntListOrNull:
		return "must be a whole number, null, or a list of them like 1,2,3 or [1,2,3]"
	case kindSourceList:
		names := make([]string, 0, 6)
		for _, s := range fc.Sources() {
			names = append(names, s.String())
		}
		return "must be a source (0-5 or " + strings.Join(names, ", ") + ") or a list of them like 1,2 or [DoorAccess,Tile]"
	case kindCodeList:
		return "must be a reason code, null, or a list of them like PlanExpired,null"
	case kindChannelList:
		names := make([]string, 0, 4)
		for _, c := range fc.AuditChannels() {
			names = append(names, string(c))
		}
		return "must be a channel (" + strings.Join(names, ", ") + ") or a list of them like Api,Console"
	}
	return "must be a whole number or a list of them like 1,2,3 or [1,2,3]"
}

// SplitList splits a list value, "1, 2,3" or "[1,2,3]", into trimmed
// items: the list syntax of every list parameter, for endpoints that take
// a list of their own (groupBy=).
func SplitList(value string) []string {
	value = strings.TrimSpace(value)
	if inner, ok := strings.CutPrefix(value, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			value = inner
		}
	}
	items := strings.Split(value, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// isGUID reports whether s has the form 8-4-4-4-12 hexadecimal digits.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// parseTimeParam reads a date-time for a field of the given kind; a
// non-empty message says what is wrong.
func parseTimeParam(f param, value string) (dateTime, string) {
	dt, err := parseDateTime(strings.TrimSpace(value))
	switch {
	case err != nil:
		return dt, err.Error()
	case dt.HasOffset && f.kind == kindTimeLocal:
		return dt, "is a local (wall-clock) time and takes no offset or Z"
	}
	return dt, ""
}

// ceilSecond rounds t up to a whole second. Records hold whole seconds, so
// the rounded bounds keep exactly the same records, and a store comparing
// whole seconds (Unix time) cannot get a fractional bound wrong.
func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); r.Before(t) {
		return r.Add(time.Second)
	}
	return t
}

// rangeBounds gathers the from_ and to_ parameters of one field.
type rangeBounds struct {
	param    param
	from, to *rawParam
	bad      bool // a bound failed to parse and was already reported
	dtFrom   dateTime
	dtTo     dateTime
	intFrom  int64
	intTo    int64
}

// set parses one bound and keeps it for condition.
func (rb *rangeBounds) set(isFrom bool, p rawParam) *fc.FieldError {
	var err *fc.FieldError
	if rb.param.kind == kindInt {
		n, perr := strconv.ParseInt(strings.TrimSpace(p.value), 10, 64)
		if perr != nil {
			err = &fc.FieldError{Property: p.name, Message: "must be a whole number", AttemptedValue: p.value}
		}
		rb.intFrom, rb.intTo = pick(isFrom, n, rb.intFrom, rb.intTo)
	} else {
		dt, msg := parseTimeParam(rb.param, p.value)
		if msg != "" {
			err = &fc.FieldError{Property: p.name, Message: msg, AttemptedValue: p.value}
		}
		rb.dtFrom, rb.dtTo = pick(isFrom, dt, rb.dtFrom, rb.dtTo)
	}
	rb.bad = rb.bad || err != nil
	if isFrom {
		rb.from = &p
	} else {
		rb.to = &p
	}
	return err
}

// pick stores v as the from or the to value.
func pick[T any](isFrom bool, v, from, to T) (T, T) {
	if isFrom {
		return v, to
	}
	return from, v
}

// condition builds the range condition, or reports a from_ later than its
// to_ (an empty range is almost certainly a mistake, so it is a 400).
func (rb *rangeBounds) condition() (fc.Condition, *fc.FieldError) {
	if rb.bad {
		return fc.Condition{}, nil // already reported; the query is rejected anyway
	}
	if rb.param.kind == kindInt {
		c := fc.Condition{Field: rb.param.field, Match: fc.MatchIntRange, Min: math.MinInt64, Max: math.MaxInt64}
		if rb.from != nil {
			c.Min = rb.intFrom
		}
		if rb.to != nil {
			c.Max = rb.intTo
		}
		return c, rb.checkOrder(c.Min > c.Max)
	}
	c := fc.Condition{Field: rb.param.field, Match: fc.MatchTimeRange}
	if rb.from != nil {
		c.From = nonZero(ceilSecond(rb.dtFrom.Start))
	}
	if rb.to != nil {
		c.Until = nonZero(ceilSecond(rb.dtTo.End))
	}
	return c, rb.checkOrder(rb.from != nil && rb.to != nil && !rb.dtFrom.Start.Before(rb.dtTo.End))
}

// checkOrder reports a from_ bound past the to_ bound.
func (rb *rangeBounds) checkOrder(reversed bool) *fc.FieldError {
	if !reversed {
		return nil
	}
	return &fc.FieldError{Property: rb.from.name, Message: "must not be later than " + rb.to.name + " (" + rb.to.value + ")", AttemptedValue: rb.from.value}
}

// nonZero keeps a bound from being the zero time, which a Condition reads
// as "open". Only an offset bound just before year 1 can be zero; moving it
// one second earlier selects the same (no) records.
func nonZero(t time.Time) time.Time {
	if t.IsZero() {
		return t.Add(-time.Second)
	}
	return t
}
