package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	fc "github.com/failedcheckins/failedcheckins"
)

// The random-shape benchmark (issue 17): a seeded generator draws search
// requests from the whole of GET /api/spaces/failedcheckins
// (docs/api.md#search): every filter and range parameter, integer lists,
// `null`, substrings of values read from the data, every sort field (and
// its aliases) in every direction spelling, sizes 1-1000, and first,
// middle, last and past-the-end pages. A third of the shapes are asked by
// location managers of one to five locations, so their scope is part of
// every query. The same seed over the same data draws the same shapes.

// sample holds values read from the data at start (randrun.go reads them
// through the API), from which the generator takes its filter values.
type sample struct {
	minID, maxID   int64
	minUTC, maxUTC time.Time // CheckinAttemptTime
	minLoc, maxLoc time.Time // CheckinAttemptTimeLocal, as a wall clock in UTC
	businesses     []int64   // one per sampled record, so as skewed as the data
	coworkers      []int64
	uniqueIDs      []string
	text           map[fc.Field][]string // the non-empty values of each text field
	oneID          int64                 // a record for the get-one reference
	anchors        []anchor              // every sampled record
}

// anchor is one sampled record. A shape's filter values are mostly taken
// from one anchor (the parts of a real record), so that a combination of
// several filters still matches something as often as real searches do;
// the rest are drawn from the whole sample.
type anchor struct {
	id, business, coworker int64 // coworker 0: none
	uniqueID               string
	text                   map[fc.Field]string
	utc, local             time.Time
}

// textFilters are the substring filters and the field their values come
// from.
var textFilters = []struct {
	param string
	field fc.Field
}{
	{"FailedCheckin_Coworker_FullName", fc.FieldCoworkerFullName},
	{"FailedCheckin_Business_Name", fc.FieldBusinessName},
	{"FailedCheckin_MacAddresses", fc.FieldMacAddresses},
	{"FailedCheckin_TeamsAtTheTimeOfCheckin", fc.FieldTeams},
	{"FailedCheckin_TariffAtTheTimeOfCheckin", fc.FieldTariff},
	{"FailedCheckin_Description", fc.FieldDescription},
	{"FailedCheckin_UpdatedBy", fc.FieldUpdatedBy},
}

// randomParams are every filter and range of the search, each drawn with
// the same weight (the text filters count one each).
var randomParams = func() []string {
	p := []string{"Id", "UniqueId", "FailedCheckin_Coworker", "FailedCheckin_Business",
		"FailedCheckin_CheckinAttemptTime", "FailedCheckin_Source", "FailedCheckin_CheckinAttemptTimeLocal",
		"FailedCheckin_SystemId", "FailedCheckin_Reason",
		"range_CheckinAttemptTime", "range_CheckinAttemptTimeLocal", "range_CreatedOn", "range_UpdatedOn", "range_Id"}
	for _, t := range textFilters {
		p = append(p, t.param)
	}
	return p
}()

// reasonCodes are the refusal codes of docs/checkins.md#reason-codes, and
// one that is no code (any text is a valid code that matches nothing).
var reasonCodes = []string{"UnrecognisedDevice", "UnknownCoworker", "AccountInactive", "AccountSuspended",
	"NoActivePlan", "PlanNotStarted", "PlanExpired", "LocationNotAllowed", "OutsideAllowedHours",
	"CheckinLimitReached", "UnpaidInvoices", "NotACode"}

var sourceNames = []string{"None", "Manual", "DoorAccess", "NetworkActivity", "Tile", "Sensor"}

// pageKind is where in the result a shape's page lies; the number itself
// needs the shape's TotalItems, read first (pageFor).
type pageKind int

const (
	pageFirst pageKind = iota
	pageMiddle
	pageLast
	pagePastEnd
	pageKinds
)

func (k pageKind) String() string { return [...]string{"first", "middle", "last", "past-end"}[k] }

// randomShape is one drawn request before its page is known.
type randomShape struct {
	name    string
	query   string  // the query string without page (url-encoded)
	manager []int64 // the locations of the manager asking; nil: the administrator
	size    int     // the page size the answer will have (25 when size is not sent)
	page    pageKind
	frac    float64 // where a middle page lies, 0..1
	omitPg  bool    // a first page is sent without page= (the default)
}

// pageFor returns the page number of kind k for total records at size
// per page: the last page is 1 for an empty result, past-the-end is the
// page after the last (or further), a middle page lies strictly between
// the first and the last when there is room.
func pageFor(k pageKind, frac float64, total int64, size int) int64 {
	last := max(1, (total+int64(size)-1)/int64(size))
	switch k {
	case pageMiddle:
		if last <= 2 {
			return last
		}
		return 2 + int64(frac*float64(last-2)) // 2..last-1
	case pageLast:
		return last
	case pagePastEnd:
		if frac < 0.2 {
			return last + 1 + int64(frac*1000) // sometimes far past
		}
		return last + 1
	}
	return 1
}

// path returns the request path of the shape for its TotalItems.
func (s randomShape) path(total int64) string {
	q := s.query
	if !(s.page == pageFirst && s.omitPg) {
		if q != "" {
			q += "&"
		}
		q += "page=" + strconv.FormatInt(pageFor(s.page, s.frac, total, s.size), 10)
	}
	return withQuery(q)
}

// firstPath is the request that reads TotalItems (page 1).
func (s randomShape) firstPath() string { return withQuery(s.query) }

func withQuery(q string) string {
	const base = "/api/spaces/failedcheckins"
	if q == "" {
		return base
	}
	return base + "?" + q
}

// generator draws shapes from a sample.
type generator struct {
	r        *rand.Rand
	s        *sample
	managers [][]int64
	anch     *anchor // the current shape's anchor record
}

// anchored decides whether the next filter value comes from the anchor
// (seven times in eight).
func (g *generator) anchored() bool { return g.anch != nil && g.r.IntN(8) != 0 }

// pickAnchor draws the shape's anchor: for a manager, a sampled record of
// their locations when there is one.
func (g *generator) pickAnchor(manager []int64) *anchor {
	if len(g.s.anchors) == 0 {
		return nil
	}
	var pool []int
	for i, a := range g.s.anchors {
		if manager == nil || slices.Contains(manager, a.business) {
			pool = append(pool, i)
		}
	}
	if len(pool) == 0 {
		return &g.s.anchors[g.r.IntN(len(g.s.anchors))]
	}
	return &g.s.anchors[pool[g.r.IntN(len(pool))]]
}

// newGenerator returns a generator for seed over s, with a pool of
// managers of one to five of the sampled locations (two of each size, so
// that a run signs in a bounded number of users).
func newGenerator(seed uint64, s *sample) *generator {
	g := &generator{r: rand.New(rand.NewPCG(seed, 0x17)), s: s}
	for n := 1; n <= 5; n++ {
		for range 2 {
			g.managers = append(g.managers, g.locations(n))
		}
	}
	return g
}

// locations draws n distinct sampled locations (fewer if the sample has
// fewer), sorted.
func (g *generator) locations(n int) []int64 {
	distinct := slices.Compact(slices.Sorted(slices.Values(g.s.businesses)))
	n = min(n, len(distinct))
	var out []int64
	for len(out) < n {
		b := g.s.businesses[g.r.IntN(len(g.s.businesses))]
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	slices.Sort(out)
	return out
}

// shapes draws n shapes, named r001...
func (g *generator) shapes(n int) []randomShape {
	out := make([]randomShape, n)
	for i := range out {
		out[i] = g.shape()
		out[i].name = fmt.Sprintf("r%03d", i+1)
	}
	return out
}

// shape draws one request.
func (g *generator) shape() randomShape {
	var s randomShape
	if g.r.IntN(3) == 0 {
		s.manager = g.managers[g.r.IntN(len(g.managers))]
	}
	g.anch = g.pickAnchor(s.manager)
	var parts []string
	add := func(name, value string) { parts = append(parts, name+"="+url.QueryEscape(value)) }
	// 0 to 4 filters, fewer more often; none 15% of the time.
	nf := [...]int{0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4}[g.r.IntN(20)]
	for _, i := range g.r.Perm(len(randomParams))[:nf] {
		g.filter(randomParams[i], s.manager, add)
	}
	// Sort: omitted (CreatedOn) 10% of the time, else any field or alias in
	// any case; direction omitted (descending) 10%, else any spelling.
	if g.r.IntN(10) != 0 {
		names := make([]string, 0, len(fc.FailedCheckinFields)+2)
		for _, f := range fc.FailedCheckinFields {
			names = append(names, string(f))
		}
		names = append(names, "Coworker", "Business")
		name := names[g.r.IntN(len(names))]
		if g.r.IntN(8) == 0 {
			name = strings.ToLower(name)
		}
		add("orderBy", name)
	}
	if g.r.IntN(10) != 0 {
		add("dir", [...]string{"0", "1", "-1", "asc", "desc", "Ascending", "Descending", "0", "1"}[g.r.IntN(9)])
	}
	// Size: omitted (25) a quarter of the time, else 1..1000, log-uniform.
	s.size = fc.DefaultPageSize
	if g.r.IntN(4) != 0 {
		switch g.r.IntN(10) {
		case 0:
			s.size = 1
		case 1:
			s.size = fc.MaxPageSize
		default:
			s.size = min(fc.MaxPageSize, int(math.Pow(10, g.r.Float64()*3)))
		}
		add("size", strconv.Itoa(s.size))
	}
	s.page = pageKind(g.r.IntN(int(pageKinds)))
	s.frac = g.r.Float64()
	s.omitPg = g.r.IntN(2) == 0
	s.query = strings.Join(parts, "&")
	return s
}

// filter adds the parameters of one filter or range.
func (g *generator) filter(p string, manager []int64, add func(name, value string)) {
	r, s := g.r, g.s
	switch p {
	case "Id":
		add(p, g.intList(func() int64 { return s.minID + r.Int64N(s.maxID-s.minID+1) }, g.anchorID(func(a *anchor) int64 { return a.id })))
	case "UniqueId":
		id := s.uniqueIDs[r.IntN(len(s.uniqueIDs))]
		if g.anchored() {
			id = g.anch.uniqueID
		}
		if r.IntN(4) == 0 {
			id = strings.ToUpper(id)
		}
		add(p, id)
	case "FailedCheckin_Coworker":
		v := g.intList(func() int64 { return s.coworkers[r.IntN(len(s.coworkers))] }, g.anchorID(func(a *anchor) int64 { return a.coworker }))
		switch {
		case g.anch != nil && g.anch.coworker == 0 && r.IntN(2) == 0, r.IntN(8) == 0:
			v = "null"
		case r.IntN(7) == 0:
			if inner, ok := strings.CutSuffix(v, "]"); ok {
				v = inner + ",null]" // inside the brackets: [1,2],null is a 400
			} else {
				v += ",null"
			}
		}
		add(p, v)
	case "FailedCheckin_Business":
		pool := s.businesses
		if manager != nil && r.IntN(5) != 0 {
			pool = manager // mostly the manager's own; else another too
		}
		add(p, g.intList(func() int64 { return pool[r.IntN(len(pool))] }, g.anchorID(func(a *anchor) int64 { return a.business })))
	case "FailedCheckin_Source":
		n := 1 + r.IntN(3)
		var vs []string
		for range n {
			src := r.IntN(len(sourceNames))
			if r.IntN(2) == 0 {
				vs = append(vs, sourceNames[src])
			} else {
				vs = append(vs, strconv.Itoa(src))
			}
		}
		add(p, strings.Join(vs, ","))
	case "FailedCheckin_SystemId":
		add(p, fmt.Sprintf("sys-%d", r.IntN(1000))) // imported history has none: matches nothing
	case "FailedCheckin_Reason":
		n := 1 + r.IntN(3)
		var vs []string
		for range n {
			if r.IntN(5) == 0 {
				vs = append(vs, "null")
			} else {
				vs = append(vs, reasonCodes[r.IntN(len(reasonCodes))])
			}
		}
		add(p, strings.Join(vs, ","))
	case "FailedCheckin_CheckinAttemptTime":
		t := g.timeIn(s.minUTC, s.maxUTC)
		if g.anchored() {
			t = g.anch.utc
		}
		add(p, g.utcValue(t))
	case "FailedCheckin_CheckinAttemptTimeLocal":
		t := g.timeIn(s.minLoc, s.maxLoc)
		if g.anchored() {
			t = g.anch.local
		}
		add(p, g.localValue(t))
	case "range_CheckinAttemptTime", "range_CreatedOn", "range_UpdatedOn":
		var at *time.Time
		if g.anchored() {
			at = &g.anch.utc // CreatedOn and UpdatedOn are within seconds of it
		}
		g.timeRange("FailedCheckin_"+strings.TrimPrefix(p, "range_"), s.minUTC, s.maxUTC, at, g.utcValue, add)
	case "range_CheckinAttemptTimeLocal":
		var at *time.Time
		if g.anchored() {
			at = &g.anch.local
		}
		g.timeRange("FailedCheckin_CheckinAttemptTimeLocal", s.minLoc, s.maxLoc, at, g.localValue, add)
	case "range_Id":
		a, b := s.minID+r.Int64N(s.maxID-s.minID+1), s.minID+r.Int64N(s.maxID-s.minID+1)
		a, b = min(a, b), max(a, b)
		if g.anchored() { // a range around the anchor
			a, b = min(a, g.anch.id), max(b, g.anch.id)
		}
		switch r.IntN(3) {
		case 0:
			add("from_FailedCheckin_Id", strconv.FormatInt(a, 10))
		case 1:
			add("to_FailedCheckin_Id", strconv.FormatInt(b, 10))
		default:
			add("from_FailedCheckin_Id", strconv.FormatInt(a, 10))
			add("to_FailedCheckin_Id", strconv.FormatInt(b, 10))
		}
	default:
		for _, t := range textFilters {
			if t.param == p {
				values := s.text[t.field]
				if g.anchored() && g.anch.text[t.field] != "" {
					values = []string{g.anch.text[t.field]}
				}
				add(p, g.substring(values))
				return
			}
		}
		panic("fcbench: no generator for parameter " + p)
	}
}

// anchorID returns the anchor's value of a field when the next filter is
// anchored and the anchor has one, else 0.
func (g *generator) anchorID(f func(*anchor) int64) int64 {
	if g.anchored() {
		return f(g.anch)
	}
	return 0
}

// intList draws one to five values, written as a value, a list or a
// bracketed list; a non-zero first is one of them.
func (g *generator) intList(draw func() int64, first int64) string {
	n := [...]int{1, 1, 1, 2, 2, 3, 5}[g.r.IntN(7)]
	vs := make([]string, n)
	for i := range vs {
		vs[i] = strconv.FormatInt(draw(), 10)
	}
	if first != 0 {
		vs[g.r.IntN(n)] = strconv.FormatInt(first, 10)
	}
	if n > 1 && g.r.IntN(3) == 0 {
		return "[" + strings.Join(vs, ",") + "]"
	}
	return strings.Join(vs, ",")
}

// substring returns a piece of a sampled value (1 to 12 characters, in
// a random case now and then), the whole value, or a word no value holds.
func (g *generator) substring(values []string) string {
	r := g.r
	if len(values) == 0 || r.IntN(12) == 0 {
		return [...]string{"zqxj", "nothing-matches", "100%_\\"}[r.IntN(3)]
	}
	v := []rune(values[r.IntN(len(values))])
	if r.IntN(8) == 0 {
		return string(v)
	}
	n := 1 + r.IntN(min(12, len(v)))
	at := r.IntN(len(v) - n + 1)
	sub := string(v[at : at+n])
	if strings.TrimSpace(sub) == "" {
		sub = string(v) // a blank value means no filter; keep the filter
	}
	switch r.IntN(6) {
	case 0:
		sub = strings.ToUpper(sub)
	case 1:
		sub = strings.ToLower(sub)
	}
	return sub
}

// timeIn draws an instant between a and b (whole seconds).
func (g *generator) timeIn(a, b time.Time) time.Time {
	span := b.Sub(a) / time.Second
	if span <= 0 {
		return a
	}
	return a.Add(time.Duration(g.r.Int64N(int64(span)+1)) * time.Second)
}

// A date-time value is written in a unit (day, minute, second, or a
// fraction) and, for UTC fields, without an offset, with Z or with an
// offset.
var timeLayouts = []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.0", "2006-01-02 15:04"}

func (g *generator) utcValue(t time.Time) string {
	layout := timeLayouts[g.r.IntN(len(timeLayouts))]
	switch g.r.IntN(4) {
	case 0:
		return t.Format(layout) + "Z"
	case 1:
		off := []int{2 * 3600, -5 * 3600, 5*3600 + 1800}[g.r.IntN(3)]
		return t.In(time.FixedZone("", off)).Format(layout + "-07:00")
	}
	return t.Format(layout)
}

func (g *generator) localValue(t time.Time) string {
	return t.Format(timeLayouts[g.r.IntN(len(timeLayouts))])
}

// timeRange adds a from_ bound, a to_ bound or both for a field, around
// the instant at when it is given. The from instant is not after the to
// instant, so the start of the from unit is before the end of the to unit
// whatever the units: never a reversed range (a 400).
func (g *generator) timeRange(name string, lo, hi time.Time, at *time.Time, format func(time.Time) string, add func(name, value string)) {
	a, b := g.timeIn(lo, hi), g.timeIn(lo, hi)
	if b.Before(a) {
		a, b = b, a
	}
	if g.r.IntN(3) == 0 { // a short range: an hour to a week
		b = a.Add(time.Duration(1+g.r.IntN(168)) * time.Hour)
	}
	if at != nil { // shift the range to hold at
		if at.Before(a) {
			b, a = b.Add(at.Sub(a)), *at
		} else if at.After(b) {
			a, b = a.Add(at.Sub(b)), *at
		}
	}
	switch g.r.IntN(4) {
	case 0:
		add("from_"+name, format(a))
	case 1:
		add("to_"+name, format(b))
	default:
		add("from_"+name, format(a))
		add("to_"+name, format(b))
	}
}

// managerEmail is the sign-in of the fcbench manager of the given
// locations: one user per set of locations, reused by later runs.
func managerEmail(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "fcbench-manager-" + strings.Join(parts, "-") + "@example.com"
}

// truncateRunes shortens a query string for a table cell.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
