package main

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// testSample is a small hand-made sample: three locations, two
// coworkers and a record without one, values with non-ASCII text.
func testSample() *sample {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	recs := []anchor{
		{id: 10, business: 1001, coworker: 100001, uniqueID: "0b0c5a3e-6d5c-4c3b-9f1e-2a3b4c5d6e7f",
			text: map[fc.Field]string{fc.FieldCoworkerFullName: "Ana Smith", fc.FieldBusinessName: "Location 001 – Zürich",
				fc.FieldTeams: "Cobalt Energy, Atlas Labs", fc.FieldTariff: "Hot desk", fc.FieldDescription: "Plan expired"},
			utc: t0, local: t0.Add(time.Hour)},
		{id: 20, business: 1002, coworker: 100002, uniqueID: "1b0c5a3e-6d5c-4c3b-9f1e-2a3b4c5d6e7f",
			text: map[fc.Field]string{fc.FieldCoworkerFullName: "Bo Lee", fc.FieldBusinessName: "Location 002 – Seoul",
				fc.FieldMacAddresses: "aa:bb:cc:dd:ee:ff", fc.FieldDescription: "Outside allowed hours"},
			utc: t0.Add(48 * time.Hour), local: t0.Add(57 * time.Hour)},
		{id: 30, business: 1003, uniqueID: "2b0c5a3e-6d5c-4c3b-9f1e-2a3b4c5d6e7f",
			text: map[fc.Field]string{fc.FieldBusinessName: "Location 003 – Lima", fc.FieldDescription: "Unrecognised device"},
			utc:  t0.Add(400 * 24 * time.Hour), local: t0.Add(400*24*time.Hour - 5*time.Hour)},
	}
	s := &sample{minID: 10, maxID: 30, text: map[fc.Field][]string{}, anchors: recs, oneID: 20}
	for _, a := range recs {
		s.businesses = append(s.businesses, a.business)
		if a.coworker != 0 {
			s.coworkers = append(s.coworkers, a.coworker)
		}
		s.uniqueIDs = append(s.uniqueIDs, a.uniqueID)
		for f, v := range a.text {
			if v != "" {
				s.text[f] = append(s.text[f], v)
			}
		}
		s.minUTC, s.maxUTC = minTime(s.minUTC, a.utc), maxTime(s.maxUTC, a.utc)
		s.minLoc, s.maxLoc = minTime(s.minLoc, a.local), maxTime(s.maxLoc, a.local)
	}
	s.businesses = append(s.businesses, 1004, 1005) // managers of up to five locations
	return s
}

// TestRandomDeterministic: the same seed draws the same shapes, another
// seed others.
func TestRandomDeterministic(t *testing.T) {
	draw := func(seed uint64) []string {
		var out []string
		for _, s := range newGenerator(seed, testSample()).shapes(50) {
			out = append(out, fmt.Sprint(s.manager, s.path(1234)))
		}
		return out
	}
	a, b := draw(7), draw(7)
	if !slices.Equal(a, b) {
		t.Fatalf("seed 7 drew different shapes:\n%v\n%v", a, b)
	}
	if slices.Equal(a, draw(8)) {
		t.Error("seeds 7 and 8 drew the same shapes")
	}
}

// TestRandomCoverage draws many shapes and checks that every one is a
// valid request (the search's own parser accepts it: a 400 would be a
// generator bug) and that together they cover every filter and range
// parameter, every sort field in both directions, every page kind,
// sizes 1 and 1000, null, managers of one to five locations and the
// administrator.
func TestRandomCoverage(t *testing.T) {
	g := newGenerator(1, testSample())
	shapes := g.shapes(3000)
	params := map[string]bool{}
	sorts := map[string]bool{}
	pages := map[pageKind]bool{}
	managerSizes := map[int]bool{}
	var admin, manager, null, size1, size1000 int
	for _, s := range shapes {
		for _, total := range []int64{0, 1, 999, 1_000_000} {
			q, err := searchparams.FailedCheckins.Parse(strings.TrimPrefix(strings.TrimPrefix(s.path(total), withQuery("")), "?"))
			if err != nil {
				t.Fatalf("%s: %s is not a valid search: %v", s.name, s.path(total), err)
			}
			if q.Size != s.size {
				t.Fatalf("%s: size %d, generator says %d", s.name, q.Size, s.size)
			}
		}
		q, _ := searchparams.FailedCheckins.Parse(strings.TrimPrefix(s.firstPath(), withQuery("")+"?"))
		sorts[fmt.Sprintf("%s/%v", q.OrderBy, q.Descending)] = true
		vals, err := url.ParseQuery(strings.TrimPrefix(s.path(1000), withQuery("")+"?"))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range vals {
			params[k] = true
			if strings.Contains(strings.ToLower(v[0]), "null") {
				null++
			}
		}
		pages[s.page] = true
		switch s.size {
		case 1:
			size1++
		case fc.MaxPageSize:
			size1000++
		}
		if s.manager == nil {
			admin++
		} else {
			manager++
			managerSizes[len(s.manager)] = true
		}
	}
	for _, p := range []string{"Id", "UniqueId", "FailedCheckin_Coworker", "FailedCheckin_Coworker_FullName",
		"FailedCheckin_Business", "FailedCheckin_Business_Name", "FailedCheckin_CheckinAttemptTime", "FailedCheckin_Source",
		"FailedCheckin_MacAddresses", "FailedCheckin_TeamsAtTheTimeOfCheckin", "FailedCheckin_TariffAtTheTimeOfCheckin",
		"FailedCheckin_Description", "FailedCheckin_CheckinAttemptTimeLocal", "FailedCheckin_UpdatedBy", "FailedCheckin_SystemId",
		"FailedCheckin_Reason", "from_FailedCheckin_CheckinAttemptTime", "to_FailedCheckin_CheckinAttemptTime",
		"from_FailedCheckin_CheckinAttemptTimeLocal", "to_FailedCheckin_CheckinAttemptTimeLocal", "from_FailedCheckin_CreatedOn",
		"to_FailedCheckin_CreatedOn", "from_FailedCheckin_UpdatedOn", "to_FailedCheckin_UpdatedOn", "from_FailedCheckin_Id",
		"to_FailedCheckin_Id", "orderBy", "dir", "size", "page"} {
		if !params[p] {
			t.Errorf("no shape has parameter %s", p)
		}
	}
	for _, f := range fc.FailedCheckinFields {
		for _, desc := range []bool{false, true} {
			if !sorts[fmt.Sprintf("%s/%v", f, desc)] {
				t.Errorf("no shape sorts by %s descending=%v", f, desc)
			}
		}
	}
	for k := range pageKinds {
		if !pages[k] {
			t.Errorf("no %s page", k)
		}
	}
	for n := 1; n <= 5; n++ {
		if !managerSizes[n] {
			t.Errorf("no manager of %d locations", n)
		}
	}
	// A third by managers: 1000 of 3000 expected, allow for chance.
	if manager < 850 || manager > 1150 || admin == 0 {
		t.Errorf("%d shapes by managers, %d by the administrator; want about a third by managers", manager, admin)
	}
	if null == 0 || size1 == 0 || size1000 == 0 {
		t.Errorf("null in %d shapes, size 1 in %d, size 1000 in %d; want each at least once", null, size1, size1000)
	}
}

// TestPageFor: the page of each kind for a TotalItems and size, and that
// a past-the-end page is really past the end and a middle one between.
func TestPageFor(t *testing.T) {
	for _, c := range []struct {
		kind  pageKind
		frac  float64
		total int64
		size  int
		want  int64
	}{
		{pageFirst, 0.5, 100, 10, 1},
		{pageLast, 0.5, 100, 10, 10},
		{pageLast, 0.5, 101, 10, 11},
		{pageLast, 0.5, 0, 10, 1},
		{pagePastEnd, 0.5, 100, 10, 11},
		{pagePastEnd, 0.5, 0, 25, 2},
		{pagePastEnd, 0.1, 100, 10, 111},
		{pageMiddle, 0, 100, 10, 2},
		{pageMiddle, 0.999, 100, 10, 9},
		{pageMiddle, 0.5, 15, 10, 2},
		{pageMiddle, 0.5, 5, 10, 1},
	} {
		if got := pageFor(c.kind, c.frac, c.total, c.size); got != c.want {
			t.Errorf("pageFor(%s, %v, %d, %d) = %d; want %d", c.kind, c.frac, c.total, c.size, got, c.want)
		}
	}
	for total := int64(0); total < 300; total += 7 {
		for _, size := range []int{1, 3, 25, 1000} {
			for _, frac := range []float64{0, 0.15, 0.5, 0.99} {
				last := max(1, (total+int64(size)-1)/int64(size))
				if p := pageFor(pagePastEnd, frac, total, size); (p-1)*int64(size) < total {
					t.Fatalf("past-the-end page %d of %d records by %d holds records", p, total, size)
				}
				if p := pageFor(pageMiddle, frac, total, size); p < 1 || p > last || (last > 2 && (p == 1 || p == last)) {
					t.Fatalf("middle page %d of %d pages", p, last)
				}
			}
		}
	}
}

// TestRandomAnchored: filters are taken from real values, so most shapes
// with a text filter carry a substring of a sampled value.
func TestRandomAnchored(t *testing.T) {
	smp := testSample()
	var all []string
	for _, vs := range smp.text {
		all = append(all, vs...)
	}
	var texts, real int
	for _, s := range newGenerator(3, smp).shapes(2000) {
		vals, _ := url.ParseQuery(strings.TrimPrefix(s.firstPath(), withQuery("")+"?"))
		for _, tf := range textFilters {
			v := vals.Get(tf.param)
			if v == "" || tf.field == fc.FieldUpdatedBy {
				continue
			}
			texts++
			if slices.ContainsFunc(all, func(a string) bool { return strings.Contains(fc.Fold(a), fc.Fold(v)) }) {
				real++
			}
		}
	}
	if texts == 0 || real*10 < texts*8 {
		t.Errorf("%d of %d text filter values are substrings of sampled values; want at least 80%%", real, texts)
	}
}

// TestSummaryLine: ratios to the get-one reference against the targets,
// errors counted apart.
func TestSummaryLine(t *testing.T) {
	ref := getOneRef{p99: 2, cpu: 0.1}
	mk := func(p99 time.Duration, cpu time.Duration, n int) result {
		return result{requests: n, cpu: cpu, lats: []time.Duration{p99}}
	}
	results := []randomResult{
		{shape: randomShape{name: "a"}, r: mk(10*time.Millisecond, 100*time.Millisecond, 100)},                   // 5x, 10x: within
		{shape: randomShape{name: "b"}, r: mk(30*time.Millisecond, 100*time.Millisecond, 100)},                   // 15x p99
		{shape: randomShape{name: "c", manager: []int64{1}}, r: mk(time.Millisecond, 300*time.Millisecond, 100)}, // 30x CPU
		{shape: randomShape{name: "d"}, err: fmt.Errorf("HTTP 400")},
	}
	got := summaryLine(results, ref, 10, 20)
	want := "summary: 4 shapes (1 by location managers), 1 with errors; 2 exceed a target: 1 p99 > 10x get-one, 1 CPU/req > 20x get-one; worst ratios p99 15.0x, CPU 30.0x"
	if got != want {
		t.Errorf("summaryLine =\n%s\nwant\n%s", got, want)
	}
	if badness(results[3], ref, 10, 20) <= badness(results[1], ref, 10, 20) {
		t.Error("an error must rank worse than any measured shape")
	}
}
