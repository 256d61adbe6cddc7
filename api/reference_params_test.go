package api

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestRandomSearchesMatchPlainRules sends a few hundred random searches over
// the sample data through the whole stack and checks each answer against
// the rules of docs/api.md#search applied here, from the parameters alone: the
// test writes the parameters and judges every record itself, with none of
// the production parsing, so a parser bug cannot hide behind a reference
// that shares it.
func TestRandomSearchesMatchPlainRules(t *testing.T) {
	s, records := sampleServer(t)
	h := s.Handler()
	rng := rand.New(rand.NewPCG(storetest.Seed(t), 7))
	for i := range 300 {
		search := randomPlainSearch(rng, records)
		var kept []*fc.FailedCheckin
		for _, r := range records {
			if search.keeps(r) {
				kept = append(kept, r)
			}
		}
		slices.SortFunc(kept, search.compare)
		search.pick(rng, len(kept))

		target := searchPath + "?" + search.params.Encode()
		w := do(t, h, "GET", target, "admin")
		if w.Code != 200 {
			t.Fatalf("search %d: GET %s = %d %s", i, target, w.Code, w.Body)
		}
		var got envelope
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("search %d: GET %s: %v", i, target, err)
		}
		if want := search.envelope(kept); !got.equal(want) {
			t.Fatalf("search %d: GET %s\n got %+v\nwant %+v", i, target, got, want)
		}
	}
}

// envelope is the part of a search answer the test checks.
type envelope struct {
	Records                                           []struct{ Id int64 }
	CurrentPage, CurrentPageSize, FirstItem, LastItem int64
	TotalItems, TotalPages                            int64
	CurrentOrderField                                 string
	CurrentSortDirection                              int
	HasNextPage, HasPreviousPage                      bool
}

func (e envelope) equal(o envelope) bool {
	ids := func(e envelope) (out []int64) {
		for _, r := range e.Records {
			out = append(out, r.Id)
		}
		return out
	}
	return e.CurrentPage == o.CurrentPage && e.CurrentPageSize == o.CurrentPageSize &&
		e.FirstItem == o.FirstItem && e.LastItem == o.LastItem && e.TotalItems == o.TotalItems &&
		e.TotalPages == o.TotalPages && e.CurrentOrderField == o.CurrentOrderField &&
		e.CurrentSortDirection == o.CurrentSortDirection && e.HasNextPage == o.HasNextPage &&
		e.HasPreviousPage == o.HasPreviousPage && slices.Equal(ids(e), ids(o))
}

// plainSearch is one random search: its parameters and its meaning.
type plainSearch struct {
	params  url.Values
	filters []func(*fc.FailedCheckin) bool
	order   string // canonical field name
	desc    bool
	page    int
	size    int
}

func (s *plainSearch) keeps(r *fc.FailedCheckin) bool {
	for _, f := range s.filters {
		if !f(r) {
			return false
		}
	}
	return true
}

// has reports whether a parameter of that name, in any case, is set.
func (s *plainSearch) has(name string) bool {
	for k := range s.params {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// set adds a parameter under a randomly cased spelling of its name.
func (s *plainSearch) set(rng *rand.Rand, name, value string) {
	s.params.Set(randomCase(rng, name), value)
}

func randomPlainSearch(rng *rand.Rand, records []*fc.FailedCheckin) *plainSearch {
	s := &plainSearch{params: url.Values{}}
	some := func() *fc.FailedCheckin { return records[rng.IntN(len(records))] }
	for _, add := range []func(){
		func() { // integer list, one of two spellings
			a, b := some().BusinessID, some().BusinessID
			list := fmt.Sprintf("%d,%d", a, b)
			if rng.IntN(2) == 0 {
				list = "[" + list + "]"
			}
			s.set(rng, "FailedCheckin_Business", list)
			s.filters = append(s.filters, func(r *fc.FailedCheckin) bool { return r.BusinessID == a || r.BusinessID == b })
		},
		func() {
			if rng.IntN(3) == 0 {
				s.set(rng, "FailedCheckin_Coworker", "null")
				s.filters = append(s.filters, func(r *fc.FailedCheckin) bool { return r.CoworkerID == nil })
				return
			}
			id := *cmp.Or(some().CoworkerID, ptr(int64(100001)))
			s.set(rng, "FailedCheckin_Coworker", strconv.FormatInt(id, 10))
			s.filters = append(s.filters, func(r *fc.FailedCheckin) bool { return r.CoworkerID != nil && *r.CoworkerID == id })
		},
		func() { s.addText(rng, some()) },
		func() { s.addText(rng, some()) }, // often a second text field, sometimes skipped as a repeat
		func() {
			src := fc.Source(rng.IntN(6))
			text := strconv.Itoa(int(src))
			if rng.IntN(2) == 0 {
				text = randomCase(rng, src.String())
			}
			s.set(rng, "FailedCheckin_Source", text)
			s.filters = append(s.filters, func(r *fc.FailedCheckin) bool { return r.Source == src })
		},
		func() { s.addTimeRange(rng, some().CheckinAttemptTime, false) },
		func() { s.addTimeRange(rng, some().CheckinAttemptTimeLocal, true) },
		func() { // the sample resolves a third of its records with a coworker
			resolved := rng.IntN(2) == 0
			s.set(rng, "FailedCheckin_Resolved", randomCase(rng, strconv.FormatBool(resolved)))
			s.filters = append(s.filters, func(r *fc.FailedCheckin) bool { return (r.ResolvedByCheckinID != nil) == resolved })
		},
		func() {
			lo, hi := rng.Int64N(2000)+1, rng.Int64N(2000)+1
			lo, hi = min(lo, hi), max(lo, hi)
			s.set(rng, "from_FailedCheckin_Id", strconv.FormatInt(lo, 10))
			s.set(rng, "to_FailedCheckin_Id", strconv.FormatInt(hi, 10))
			s.filters = append(s.filters, func(r *fc.FailedCheckin) bool { return r.ID >= lo && r.ID <= hi })
		},
	} {
		if rng.IntN(4) == 0 {
			add()
		}
	}
	s.addOrder(rng)
	return s
}

// addText filters a text field by a piece of a real value, in random case.
func (s *plainSearch) addText(rng *rand.Rand, r *fc.FailedCheckin) {
	fields := []struct {
		param string
		get   func(*fc.FailedCheckin) string
	}{
		{"FailedCheckin_Coworker_FullName", func(r *fc.FailedCheckin) string { return r.CoworkerFullName }},
		{"FailedCheckin_Business_Name", func(r *fc.FailedCheckin) string { return r.BusinessName }},
		{"FailedCheckin_MacAddresses", func(r *fc.FailedCheckin) string { return r.MacAddresses }},
		{"FailedCheckin_TeamsAtTheTimeOfCheckin", func(r *fc.FailedCheckin) string { return r.Teams }},
		{"FailedCheckin_TariffAtTheTimeOfCheckin", func(r *fc.FailedCheckin) string { return r.Tariff }},
		{"FailedCheckin_Description", func(r *fc.FailedCheckin) string { return r.Description }},
	}
	f := fields[rng.IntN(len(fields))]
	value := []rune(f.get(r))
	if len(value) == 0 {
		return // an empty value is the same as no parameter
	}
	start := rng.IntN(len(value))
	needle := string(value[start : start+1+rng.IntN(min(6, len(value)-start))])
	if s.has(f.param) {
		return // a repeated parameter is a 400 of its own
	}
	s.set(rng, f.param, randomCase(rng, needle))
	lower := strings.ToLower(needle)
	s.filters = append(s.filters, func(r *fc.FailedCheckin) bool { return strings.Contains(strings.ToLower(f.get(r)), lower) })
}

// addTimeRange adds from_/to_ bounds, or an exact value, at a random unit
// (day, minute, second) around t; UTC fields sometimes get an offset.
func (s *plainSearch) addTimeRange(rng *rand.Rand, t time.Time, local bool) {
	field, get := "CheckinAttemptTime", func(r *fc.FailedCheckin) time.Time { return r.CheckinAttemptTime }
	if local {
		field, get = "CheckinAttemptTimeLocal", func(r *fc.FailedCheckin) time.Time { return r.CheckinAttemptTimeLocal }
	}
	units := []struct {
		layout string
		step   func(time.Time) time.Time
		trunc  func(time.Time) time.Time
	}{
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) },
			func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location()) }},
		{"2006-01-02T15:04", func(t time.Time) time.Time { return t.Add(time.Minute) }, func(t time.Time) time.Time { return t.Truncate(time.Minute) }},
		{"2006-01-02T15:04:05", func(t time.Time) time.Time { return t.Add(time.Second) }, func(t time.Time) time.Time { return t }},
	}
	zone := time.UTC
	suffix := ""
	if !local && rng.IntN(3) == 0 {
		zone, suffix = time.FixedZone("", 2*3600), "+02:00"
	} else if !local && rng.IntN(2) == 0 {
		suffix = "Z"
	}
	render := func(t time.Time, layout string) string { return t.In(zone).Format(layout) + suffix }
	u := units[rng.IntN(len(units))]
	from := u.trunc(t.Add(-time.Duration(rng.IntN(30*24)) * time.Hour).In(zone))
	to := u.trunc(t.In(zone))
	// Bounds right at a record catch off-by-one errors: from at t keeps it,
	// to one unit before t drops it.
	switch rng.IntN(3) {
	case 0:
		from = u.trunc(t.In(zone))
	case 1:
		to = u.trunc(t.In(zone).Add(-time.Second))
	}
	if to.Before(from) {
		from = to // from_ after to_ is a 400 of its own
	}
	if rng.IntN(4) == 0 { // an exact value: the whole unit
		s.set(rng, "FailedCheckin_"+field, render(to, u.layout))
		from = to
	} else {
		s.set(rng, "from_FailedCheckin_"+field, render(from, u.layout))
		s.set(rng, "to_FailedCheckin_"+field, render(to, u.layout))
	}
	end := u.step(to)
	s.filters = append(s.filters, func(r *fc.FailedCheckin) bool {
		v := get(r)
		return !v.Before(from) && v.Before(end)
	})
}

// sortKeys gives each sort field its plain meaning: numbers compare as
// numbers (a missing coworker before every id), text compares lower-cased
// with a missing value as "".
var sortKeys = map[string]func(*fc.FailedCheckin) (int64, string){
	"Id":                       func(r *fc.FailedCheckin) (int64, string) { return r.ID, "" },
	"UniqueId":                 func(r *fc.FailedCheckin) (int64, string) { return 0, r.UniqueID },
	"CoworkerId":               func(r *fc.FailedCheckin) (int64, string) { return *cmp.Or(r.CoworkerID, ptr(int64(-1))), "" },
	"CoworkerFullName":         func(r *fc.FailedCheckin) (int64, string) { return 0, r.CoworkerFullName },
	"BusinessId":               func(r *fc.FailedCheckin) (int64, string) { return r.BusinessID, "" },
	"BusinessName":             func(r *fc.FailedCheckin) (int64, string) { return 0, r.BusinessName },
	"CheckinAttemptTime":       func(r *fc.FailedCheckin) (int64, string) { return r.CheckinAttemptTime.Unix(), "" },
	"Source":                   func(r *fc.FailedCheckin) (int64, string) { return int64(r.Source), "" },
	"MacAddresses":             func(r *fc.FailedCheckin) (int64, string) { return 0, r.MacAddresses },
	"TeamsAtTheTimeOfCheckin":  func(r *fc.FailedCheckin) (int64, string) { return 0, r.Teams },
	"TariffAtTheTimeOfCheckin": func(r *fc.FailedCheckin) (int64, string) { return 0, r.Tariff },
	"Description":              func(r *fc.FailedCheckin) (int64, string) { return 0, r.Description },
	"CheckinAttemptTimeLocal":  func(r *fc.FailedCheckin) (int64, string) { return r.CheckinAttemptTimeLocal.Unix(), "" },
	"CreatedOn":                func(r *fc.FailedCheckin) (int64, string) { return r.CreatedOn.Unix(), "" },
	"UpdatedOn":                func(r *fc.FailedCheckin) (int64, string) { return r.UpdatedOn.Unix(), "" },
	"UpdatedBy":                func(r *fc.FailedCheckin) (int64, string) { return 0, *cmp.Or(r.UpdatedBy, ptr("")) },
	"IsNew":                    func(r *fc.FailedCheckin) (int64, string) { return 0, "" },
	"SystemId":                 func(r *fc.FailedCheckin) (int64, string) { return 0, *cmp.Or(r.SystemID, ptr("")) },
	"Reason":                   func(r *fc.FailedCheckin) (int64, string) { return 0, *cmp.Or(r.Reason, ptr("")) },
	"ResolvedByCheckinId":      func(r *fc.FailedCheckin) (int64, string) { return *cmp.Or(r.ResolvedByCheckinID, ptr(int64(-1))), "" },
	"ResolvedOn": func(r *fc.FailedCheckin) (int64, string) {
		if r.ResolvedOn == nil {
			return math.MinInt64, "" // unresolved first, ascending
		}
		return r.ResolvedOn.Unix(), ""
	},
}

// addOrder picks the sort: any field or alias in any case, any spelling of
// the direction, or the defaults (CreatedOn, descending).
func (s *plainSearch) addOrder(rng *rand.Rand) {
	s.order, s.desc = "CreatedOn", true
	if rng.IntN(5) > 0 {
		names := slices.Sorted(func(yield func(string) bool) {
			for name := range sortKeys {
				if !yield(name) {
					return
				}
			}
		})
		s.order = names[rng.IntN(len(names))]
		spelling := s.order
		switch {
		case s.order == "CoworkerId" && rng.IntN(2) == 0:
			spelling = "Coworker"
		case s.order == "BusinessId" && rng.IntN(2) == 0:
			spelling = "Business"
		}
		s.set(rng, "orderBy", randomCase(rng, spelling))
	}
	if rng.IntN(5) > 0 {
		asc, desc := []string{"0", "Ascending", "asc"}, []string{"1", "-1", "Descending", "desc"}
		s.desc = rng.IntN(2) == 0
		words := asc
		if s.desc {
			words = desc
		}
		s.set(rng, "dir", randomCase(rng, words[rng.IntN(len(words))]))
	}
}

func (s *plainSearch) compare(a, b *fc.FailedCheckin) int {
	an, as := sortKeys[s.order](a)
	bn, bs := sortKeys[s.order](b)
	c := cmp.Or(cmp.Compare(an, bn), strings.Compare(strings.ToLower(as), strings.ToLower(bs)), cmp.Compare(a.ID, b.ID))
	if s.desc {
		return -c
	}
	return c
}

// pick chooses the page: the default size or 1-60 or more than the cap,
// and a page up to one past the end.
func (s *plainSearch) pick(rng *rand.Rand, total int) {
	s.size, s.page = 25, 1
	switch rng.IntN(4) {
	case 0:
	case 1:
		s.params.Set("size", "5000")
		s.size = 1000
	default:
		s.size = 1 + rng.IntN(60)
		s.params.Set("size", strconv.Itoa(s.size))
	}
	if rng.IntN(4) > 0 {
		s.page = 1 + rng.IntN(total/s.size+2)
		s.params.Set(randomCase(rng, "page"), strconv.Itoa(s.page))
	}
}

// envelope is what docs/api.md#the-search-answer says the answer must be for kept, in order.
func (s *plainSearch) envelope(kept []*fc.FailedCheckin) envelope {
	e := envelope{CurrentPage: int64(s.page), CurrentPageSize: int64(s.size), CurrentOrderField: s.order,
		TotalItems: int64(len(kept)), TotalPages: int64((len(kept) + s.size - 1) / s.size)}
	if s.desc {
		e.CurrentSortDirection = 1
	}
	start := (s.page - 1) * s.size
	for i := start; i < len(kept) && i < start+s.size; i++ {
		e.Records = append(e.Records, struct{ Id int64 }{kept[i].ID})
	}
	if len(e.Records) > 0 {
		e.FirstItem = int64(start + 1)
		e.LastItem = e.FirstItem + int64(len(e.Records)) - 1
	}
	e.HasNextPage = e.CurrentPage < e.TotalPages
	e.HasPreviousPage = e.CurrentPage > 1
	return e
}

// randomCase flips the case of some letters: names and values are
// case-insensitive.
func randomCase(rng *rand.Rand, s string) string {
	out := []rune(s)
	for i, r := range out {
		if rng.IntN(3) == 0 {
			if unicode.IsUpper(r) {
				out[i] = unicode.ToLower(r)
			} else {
				out[i] = unicode.ToUpper(r)
			}
		}
	}
	return string(out)
}
