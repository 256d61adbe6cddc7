// Package demo generates a realistic, deterministic set of FailedCheckin
// records: 200 locations of very different sizes in a dozen time zones,
// thousands of coworkers with teams and plans, a few repeat offenders, and
// the failure reasons and sources an operator would see.
//
// `failedcheckins serve --demo` uses History (history.go): the same
// locations and people as a directory with real time zones and plan
// rules, and simulated attempts that the product's own evaluator judges,
// so the demo shows exactly what the product does. Generate keeps
// producing plain records (benchmarks, tests).
//
// The tables and the distribution are adapted from the project's shared
// benchmark generator (bench/datagen, described in its README.md), so the
// demo looks like the data the service is measured on. Two things differ:
// the time window ends at the moment given (the last 24 months, so the
// newest failures are minutes old rather than years in the past) and there
// are fewer coworkers for a smaller data set.
package demo

import (
	"iter"
	"math"
	"math/rand/v2"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// DefaultSize is the number of records `serve --demo` loads: enough for
// paging, filters and totals to mean something, small enough to load in a
// second or two.
const DefaultSize = 50_000

// Months is the length of the time window the records cover, ending at the
// `now` passed to Generate.
const Months = 24

const (
	numBusinesses = 200
	maxCoworkers  = 50_000
	numTeams      = 500
	businessIDMin = 1000   // BusinessId = 1000 + n, n = 1..200 (1001 is the largest)
	coworkerIDMin = 100000 // CoworkerId = 100000 + n
	homeShare     = 0.88   // share of coworker attempts made at the coworker's home business
	noCoworker    = 0.03   // share of rows without a coworker (unrecognised device)
	maxCreatedLag = 5      // CreatedOn is the attempt plus 0..maxCreatedLag seconds
)

// Generate yields n records (none when n <= 0) in Id order, Ids 1..n
// following CheckinAttemptTime, all within the Months before now: the last
// CreatedOn is never after now. The same seed, n and now always yield the
// same records. The error is always nil; the shape fits
// FailedCheckinStore.CreateFailedCheckins. Every iteration starts over.
func Generate(seed uint64, n int, now time.Time) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		if n <= 0 {
			return
		}
		g := newGenerator(seed, coworkersFor(n))
		until := time.Unix(now.Unix()-maxCreatedLag, 0).UTC()
		from := until.AddDate(0, -Months, 0)
		for i, a := range g.attempts(n, from, until) {
			if !yield(g.record(i, a), nil) {
				return
			}
		}
	}
}

// coworkersFor scales the directory with the data set, about five failures
// per coworker, so that names repeat the way they do in a real space.
func coworkersFor(n int) int {
	return min(maxCoworkers, max(100, n/5))
}

// record builds the record with Id i+1 for attempt a: who, why and how.
func (g *generator) record(i int, a attempt) *fc.FailedCheckin {
	r := g.r
	b := &g.biz[a.b]
	src := sources[g.srcS.draw(r)].val
	at := time.Unix(a.t, 0).UTC()
	created := at.Add(time.Duration(r.IntN(maxCreatedLag+1)) * time.Second)
	rec := &fc.FailedCheckin{
		ID:                      int64(i + 1),
		BusinessID:              b.id,
		BusinessName:            b.name,
		CheckinAttemptTime:      at,
		Source:                  src,
		CheckinAttemptTimeLocal: at.Add(time.Duration(b.offset) * time.Minute),
		CreatedOn:               created,
		UpdatedOn:               created,
	}
	c := g.pickCoworker(src, a.b)
	if c == nil {
		rec.Description = reasons[0]
		if src == fc.SourceNetworkActivity {
			rec.MacAddresses = randMACs(r)
		}
	} else {
		reason := g.visitReasonS.draw(r)
		if c.home == int(a.b) {
			reason = g.homeReasonS.draw(r)
		}
		id := c.id
		rec.CoworkerID, rec.CoworkerFullName, rec.Teams = &id, c.name, c.teams
		rec.Description = reasons[reason]
		if reason != 2 { // "No active plan" has no tariff
			rec.Tariff = c.tariff
		}
		if src == fc.SourceNetworkActivity {
			rec.MacAddresses = c.macs
		}
	}
	rec.UniqueID = uuid(r)
	return rec
}

// pickCoworker returns who made the attempt, or nil for an unrecognised
// device. Rows without a coworker come only from DoorAccess,
// NetworkActivity and Sensor (84% of rows), so the probability there is
// noCoworker/0.84 and the overall shares of sources stay exact.
func (g *generator) pickCoworker(src fc.Source, b uint16) *coworker {
	r := g.r
	anonymous := src == fc.SourceDoorAccess || src == fc.SourceNetworkActivity || src == fc.SourceSensor
	if anonymous && r.Float64() < noCoworker/0.84 {
		return nil
	}
	home := g.biz[b].home
	if len(home) > 0 && r.Float64() < homeShare {
		// A few repeat offenders per location: a skewed pick within the home list.
		j := int(float64(len(home)) * math.Pow(r.Float64(), 1.6))
		return &g.cws[home[j]]
	}
	return &g.cws[r.IntN(len(g.cws))]
}

// newRand returns the generator's random source; PCG with a fixed stream
// keeps every run of one seed identical across platforms.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}
