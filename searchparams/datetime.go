package searchparams

import (
	"errors"
	"time"
)

// dateTime is one parsed date-time parameter: the unit of time it names,
// from Start (inclusive) to End (exclusive), both in UTC. A value without an
// offset is read as UTC; for a wall-clock (local) field the caller must
// reject values with HasOffset and read Start and End as wall clocks.
type dateTime struct {
	Start, End time.Time
	HasOffset  bool
}

// errDateTime is the one message for every malformed date-time: it says what
// is accepted, which helps a client more than which character was wrong.
var errDateTime = errors.New("must be a date-time like 2026-01-15, 2026-01-15T10:30 or 2026-01-15T10:30:00, optionally with fractional seconds and Z or an offset like +02:00")

// parseDateTime reads YYYY-MM-DD, YYYY-MM-DDTHH:mm or YYYY-MM-DDTHH:mm:ss,
// the last optionally with up to 9 fractional digits, each optionally
// ending in Z or ±hh:mm (docs/api.md#date-time-values; a date with an offset is that
// day at that offset, so 2026-01-15+02:00 starts at 2026-01-14T22:00Z). The unit is
// the precision given: a day, a minute, a second or the fraction's last
// digit. 'T' may also be 't' or a space, and a space in place of the '+'
// of an offset is read as '+', because '+' in a query string means space.
func parseDateTime(s string) (dateTime, error) {
	p := &dtScanner{s: s}
	year, month, day := p.num(4), p.sep('-')+p.num(2), p.sep('-')+p.num(2)
	if p.bad || year < 1 {
		return dateTime{}, errDateTime
	}
	start := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if start.Month() != time.Month(month) || start.Day() != day {
		return dateTime{}, errDateTime // Feb 30 and the like: time.Date normalises
	}
	if p.done() {
		return dateTime{Start: start, End: start.AddDate(0, 0, 1)}, nil
	}
	if c := p.peek(); c == 'Z' || c == 'z' || c == '+' || c == '-' {
		offset := p.offset()
		if p.bad || !p.done() {
			return dateTime{}, errDateTime
		}
		start = start.Add(-*offset)
		return dateTime{Start: start, End: start.AddDate(0, 0, 1), HasOffset: true}, nil
	}
	if c := p.next(); c != 'T' && c != 't' && c != ' ' {
		return dateTime{}, errDateTime
	}
	hour, minute := p.num(2), p.sep(':')+p.num(2)
	unit := time.Minute
	var sec, nanos int
	if !p.done() && p.peek() == ':' {
		sec, unit = p.sep(':')+p.num(2), time.Second
		if !p.done() && p.peek() == '.' {
			nanos, unit = p.fraction()
		}
	}
	offset := p.offset()
	if p.bad || !p.done() || hour > 23 || minute > 59 || sec > 59 {
		return dateTime{}, errDateTime
	}
	t := start.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute +
		time.Duration(sec)*time.Second + time.Duration(nanos))
	if offset != nil {
		t = t.Add(-*offset) // the wall clock at +02:00 is two hours ahead of UTC
	}
	return dateTime{Start: t, End: t.Add(unit), HasOffset: offset != nil}, nil
}

// dtScanner reads a date-time left to right; any mismatch sets bad and the
// rest of the scan is ignored.
type dtScanner struct {
	s   string
	pos int
	bad bool
}

func (p *dtScanner) done() bool { return p.pos >= len(p.s) }

func (p *dtScanner) peek() byte { return p.s[p.pos] }

func (p *dtScanner) next() byte {
	if p.done() {
		p.bad = true
		return 0
	}
	p.pos++
	return p.s[p.pos-1]
}

// num reads exactly n decimal digits.
func (p *dtScanner) num(n int) int {
	v := 0
	for range n {
		c := p.next()
		if c < '0' || c > '9' {
			p.bad = true
			return 0
		}
		v = v*10 + int(c-'0')
	}
	return v
}

// sep reads the separator c; it returns 0 so it can be added to a number.
func (p *dtScanner) sep(c byte) int {
	if p.next() != c {
		p.bad = true
	}
	return 0
}

// fraction reads '.' and 1-9 digits; it returns the nanoseconds and the
// unit of the last digit.
func (p *dtScanner) fraction() (int, time.Duration) {
	p.pos++ // the '.'
	nanos, digits := 0, 0
	for !p.done() && p.peek() >= '0' && p.peek() <= '9' {
		nanos = nanos*10 + int(p.next()-'0')
		digits++
	}
	if digits == 0 || digits > 9 {
		p.bad = true
		return 0, time.Second
	}
	unit := time.Nanosecond
	for range 9 - digits {
		nanos *= 10
		unit *= 10
	}
	return nanos, unit
}

// offset reads an optional Z or ±hh:mm; nil means none was given.
func (p *dtScanner) offset() *time.Duration {
	if p.done() {
		return nil
	}
	var sign time.Duration
	switch p.next() {
	case 'Z', 'z':
		zero := time.Duration(0)
		return &zero
	case '+', ' ':
		sign = 1
	case '-':
		sign = -1
	default:
		p.bad = true
		return nil
	}
	hours, minutes := p.num(2), p.sep(':')+p.num(2)
	if hours > 23 || minutes > 59 {
		p.bad = true
	}
	d := sign * (time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute)
	return &d
}
