package storetest

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	fc "github.com/failedcheckins/failedcheckins"
)

// referenceQueries is how many random queries testReference runs.
const referenceQueries = 300

// testReference loads the 2,000-row sample and compares the store with the
// reference Search on random queries, seeded by Seed (replayable).
func testReference(t *testing.T, s fc.FailedCheckinStore) {
	sample := Sample(t)
	seed(t, s, sample)
	want := Sample(t) // fresh copies: the store must not rely on its input
	g := generator{rnd: rand.New(rand.NewPCG(Seed(t), 0x5eed)), records: want}
	for range referenceQueries {
		checkQuery(t, s, want, g.query())
		if t.Failed() {
			return // one replayable failure is enough
		}
	}
}

// valueQueries is how many random queries testReferenceValues runs.
const valueQueries = 200

// valueFields are the fields of few values that searches combine (issue
// 17: counts of two or more of them at once): Source, tariff and
// description, with the location and the coworker's null now and then.
var valueFields = []fc.Field{fc.FieldSource, fc.FieldTariff, fc.FieldDescription}

// testReferenceValues compares the store with the reference on random
// queries of two or three conditions on valueFields (every kind of
// condition the generator makes: lists, null, substrings, exact and
// case-folded values), sometimes with a scope, a BusinessId list or a
// CoworkerId null, in any order and on any page: the searches a rollup of
// those fields together counts.
func testReferenceValues(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, Sample(t))
	want := Sample(t)
	g := generator{rnd: rand.New(rand.NewPCG(Seed(t), 0x7a1e5)), records: want}
	fields := fc.FailedCheckinFields
	for range valueQueries {
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fields[g.rnd.IntN(len(fields))], Descending: g.rnd.IntN(2) == 0,
			Size: []int{1, 5, 25, 100}[g.rnd.IntN(4)], Page: 1 + int64(g.rnd.IntN(3))}
		for _, i := range g.rnd.Perm(len(valueFields))[:2+g.rnd.IntN(2)] {
			q.Conditions = append(q.Conditions, g.condition(valueFields[i]))
		}
		switch g.rnd.IntN(6) {
		case 0:
			q.Scope = g.scope()
		case 1:
			q.Conditions = append(q.Conditions, fc.In(fc.FieldBusinessID, g.pick().BusinessID))
		case 2:
			q.Conditions = append(q.Conditions, fc.Condition{Field: fc.FieldCoworkerID, Match: fc.MatchInts, Null: true})
		}
		checkQuery(t, s, want, q)
		if t.Failed() {
			return // one replayable failure is enough
		}
	}
}

// generator builds random queries whose values come from the data, so
// that most conditions match something.
type generator struct {
	rnd     *rand.Rand
	records []*fc.FailedCheckin
}

func (g *generator) pick() *fc.FailedCheckin { return g.records[g.rnd.IntN(len(g.records))] }

func (g *generator) query() fc.Query {
	fields := fc.FailedCheckinFields
	q := fc.Query{
		Scope:      g.scope(),
		OrderBy:    fields[g.rnd.IntN(len(fields))],
		Descending: g.rnd.IntN(2) == 0,
		Size:       []int{1, 5, 25, 100, fc.MaxPageSize}[g.rnd.IntN(5)],
	}
	q.Page = 1 + int64(g.rnd.IntN(4))
	if g.rnd.IntN(20) == 0 {
		q.Page = math.MaxInt64 - int64(g.rnd.IntN(2))
	}
	for range g.rnd.IntN(4) {
		q.Conditions = append(q.Conditions, g.condition(fields[g.rnd.IntN(len(fields))]))
	}
	if g.rnd.IntN(4) == 0 { // FailedCheckin_Resolved, with anything else
		q.Conditions = append(q.Conditions, fc.Resolved(g.rnd.IntN(2) == 0))
	}
	return q
}

// nullable are the fields a MatchNull condition applies to.
var nullable = []fc.Field{fc.FieldCoworkerID, fc.FieldUpdatedBy, fc.FieldSystemID, fc.FieldReason,
	fc.FieldResolvedByCheckinID, fc.FieldResolvedOn}

func (g *generator) scope() fc.Scope {
	switch g.rnd.IntN(6) {
	case 0, 1, 2:
		return fc.AllBusinesses()
	case 3:
		return fc.BusinessScope(g.pick().BusinessID)
	case 4:
		return fc.BusinessScope(g.pick().BusinessID, g.pick().BusinessID, g.pick().BusinessID, 999999)
	}
	return fc.BusinessScope(999999) // a location without records
}

// condition returns a random condition of a kind that fits the field.
func (g *generator) condition(f fc.Field) fc.Condition {
	r := g.pick()
	v := fieldValue(r, f)
	isNull := fc.Condition{Field: f, Match: fc.MatchNull, Null: g.rnd.IntN(2) == 0}
	switch {
	case slices.Contains(nullable, f) && g.rnd.IntN(4) == 0:
		return isNull
	case f == fc.FieldResolvedOn:
		if v.Null {
			return isNull
		}
		return g.timeRange(f, *r.ResolvedOn)
	case f == fc.FieldCheckinAttemptTime || f == fc.FieldCheckinAttemptTimeLocal || f == fc.FieldCreatedOn || f == fc.FieldUpdatedOn:
		return g.timeRange(f, fieldValue(r, f).Time)
	case v.IsText:
		return g.textCondition(f, v)
	}
	c := fc.Condition{Field: f, Match: fc.MatchInts, Null: g.rnd.IntN(3) == 0}
	if g.rnd.IntN(3) == 0 {
		n := fieldValue(g.pick(), f).Num
		return fc.Condition{Field: f, Match: fc.MatchIntRange, Min: min(v.Num, n), Max: max(v.Num, n)}
	}
	for range 1 + g.rnd.IntN(3) {
		if w := fieldValue(g.pick(), f); !w.Null {
			c.Ints = append(c.Ints, w.Num)
		}
	}
	if !v.Null {
		c.Ints = append(c.Ints, v.Num)
	}
	return c
}

func (g *generator) textCondition(f fc.Field, v fc.Value) fc.Condition {
	switch g.rnd.IntN(4) {
	case 0:
		return fc.Contains(f, g.substring(v.Text))
	case 1:
		other := fieldValue(g.pick(), f)
		return fc.Condition{Field: f, Match: fc.MatchEqualFold, Strings: []string{strings.ToUpper(v.Text), other.Text}, Null: g.rnd.IntN(2) == 0}
	case 2:
		return fc.Condition{Field: f, Match: fc.MatchExact, Strings: []string{v.Text, strings.ToUpper(v.Text)}}
	}
	return fc.Contains(f, strings.ToUpper(g.substring(v.Text)))
}

// substring returns a random piece of s on rune boundaries.
func (g *generator) substring(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	i := g.rnd.IntN(n)
	j := i + 1 + g.rnd.IntN(min(6, n-i))
	runes := []rune(s)
	return string(runes[i:j])
}

func (g *generator) timeRange(f fc.Field, t time.Time) fc.Condition {
	jitter := func() time.Duration {
		return time.Duration(g.rnd.IntN(7*24*3600))*time.Second + time.Duration(g.rnd.IntN(3))*time.Second/2
	}
	c := fc.Condition{Field: f, Match: fc.MatchTimeRange}
	switch g.rnd.IntN(3) {
	case 0:
		c.From = t.Add(-jitter())
	case 1:
		c.Until = t.Add(jitter())
	default:
		c.From, c.Until = t.Add(-jitter()), t.Add(jitter())
	}
	return c
}

// changeRounds is how many rounds of random deletes and rewrites
// testRandomChanges runs, each followed by random searches, statistics
// and exports.
const changeRounds = 5

// testRandomChanges loads the sample, then in each round deletes and
// rewrites random records (the newest among them now and then, and
// rewrites that move every counted field to another record's value or a
// new one) on the store and on the reference alike, and compares random
// searches (page and exact total), statistics and exports with the
// reference over what remains. New records then get Ids past every Id
// deleted.
func testRandomChanges(t *testing.T, s ChangeBackend, check func(*testing.T, ChangeBackend)) {
	ctx := context.Background()
	seed(t, s, Sample(t))
	g := generator{rnd: rand.New(rand.NewPCG(Seed(t), 0xc4a6e)), records: Sample(t)}
	largest := slices.Max(ids(g.records))
	groupings := fc.StatsGroupings()
	for round := range changeRounds {
		// Deletes: about 4% of the records, and the newest every other round.
		var gone []int64
		for range len(g.records) / 25 {
			gone = append(gone, g.pick().ID)
		}
		if round%2 == 0 {
			gone = append(gone, slices.Max(ids(g.records)))
		}
		slices.Sort(gone)
		gone = slices.Compact(gone)
		if n, err := s.DeleteFailedCheckins(ctx, gone); err != nil || n != len(gone) {
			t.Fatalf("round %d: DeleteFailedCheckins(%d ids) = %d, %v; want %d, nil", round, len(gone), n, err, len(gone))
		}
		g.records = without(g.records, gone...)

		// Rewrites: about 4% of the records, each with its own change.
		changes := map[int64]func(*fc.FailedCheckin){}
		for range len(g.records) / 25 {
			changes[g.pick().ID] = g.change(round)
		}
		n, err := s.UpdateFailedCheckins(ctx, slices.Collect(maps.Keys(changes)), func(r *fc.FailedCheckin) error {
			changes[r.ID](r)
			return nil
		})
		if err != nil {
			t.Fatalf("round %d: UpdateFailedCheckins(%d ids) error: %v", round, len(changes), err)
		}
		altered := 0
		for _, r := range g.records {
			if ch, ok := changes[r.ID]; ok {
				before := describe(r)
				ch(r)
				if describe(r) != before {
					altered++
				}
			}
		}
		if n != altered {
			t.Errorf("round %d: UpdateFailedCheckins = %d; want %d altered", round, n, altered)
		}

		check(t, s)
		for range 60 {
			checkQuery(t, s, g.records, g.query())
		}
		for range 30 {
			q := g.query()
			sq := fc.StatsQuery{Scope: q.Scope, Conditions: q.Conditions, GroupBy: []fc.StatsGroupBy{groupings[g.rnd.IntN(len(groupings))]}}
			checkStats(t, s, g.records, sq)
		}
		for range 5 {
			checkExport(t, s, g.records, g.query())
		}
		if t.Failed() {
			t.Fatalf("round %d: the store and the reference differ", round)
		}
	}
	seed(t, s, []*fc.FailedCheckin{minimal(0), minimal(0)})
	fresh := find(t, s, all(fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: largest + 1, Max: math.MaxInt64}))
	if got := ids(fresh.Records); !slices.Equal(got, []int64{largest + 1, largest + 2}) {
		t.Errorf("new records after the deletes got Ids %v; want %d and %d (the largest ever given was %d)", got, largest+1, largest+2, largest)
	}
}

// change returns a random rewrite of a record: each counted field, with
// some chance, takes another record's value or a value no record had
// (so dictionary rows both appear and go), as anonymization and
// resolution will. The values are drawn now, so the same function gives
// the store and the reference the same record.
func (g *generator) change(round int) func(*fc.FailedCheckin) {
	other := cloneForChange(g.pick())
	coin := func() bool { return g.rnd.IntN(3) == 0 }
	fresh := fmt.Sprintf("Ωnew %d-%d Straße", round, g.rnd.IntN(1000))
	var steps []func(r *fc.FailedCheckin)
	if coin() {
		name := other.CoworkerFullName
		if coin() {
			name = fresh
		}
		steps = append(steps, func(r *fc.FailedCheckin) { r.CoworkerFullName, r.CoworkerID, r.MacAddresses = name, nil, "" })
	}
	if coin() {
		steps = append(steps, func(r *fc.FailedCheckin) { r.BusinessID, r.BusinessName = other.BusinessID, other.BusinessName })
	}
	if coin() {
		steps = append(steps, func(r *fc.FailedCheckin) { r.Source, r.Tariff = other.Source, other.Tariff })
	}
	if coin() {
		teams := other.Teams
		if coin() {
			teams = fresh
		}
		steps = append(steps, func(r *fc.FailedCheckin) { r.Teams = teams })
	}
	if coin() {
		desc := other.Description
		if coin() {
			desc = "anonymized " + fresh
		}
		steps = append(steps, func(r *fc.FailedCheckin) { r.Description, r.Reason = desc, other.Reason })
	}
	if coin() {
		shift := time.Duration(g.rnd.IntN(200)-100) * time.Hour
		steps = append(steps, func(r *fc.FailedCheckin) {
			r.CheckinAttemptTime, r.CheckinAttemptTimeLocal = r.CheckinAttemptTime.Add(shift), r.CheckinAttemptTimeLocal.Add(shift)
		})
	}
	if coin() {
		by := fresh
		steps = append(steps, func(r *fc.FailedCheckin) { r.UpdatedBy, r.UpdatedOn = &by, r.UpdatedOn.Add(time.Hour) })
	}
	return func(r *fc.FailedCheckin) {
		for _, step := range steps {
			step(r)
		}
	}
}

// cloneForChange copies the values a change takes from another record,
// so that later changes to that record do not reach it.
func cloneForChange(r *fc.FailedCheckin) *fc.FailedCheckin {
	cp := *r
	if r.Reason != nil {
		reason := *r.Reason
		cp.Reason = &reason
	}
	return &cp
}
