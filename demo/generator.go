package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

type business struct {
	id     int64
	name   string
	offset int     // minutes east of UTC
	home   []int32 // indexes of the coworkers whose home this is
}

type coworker struct {
	id     int64
	name   string
	home   int // index into generator.biz
	teams  string
	tariff string
	macs   string
}

// attempt is one row before its details are drawn: when and where.
type attempt struct {
	t   int64 // Unix seconds, UTC
	b   uint16
	idx int32 // draw order, to keep the sort stable and deterministic
}

// generator holds the random source and the directory (locations and
// coworkers) that every record is drawn from.
type generator struct {
	r                         *rand.Rand
	biz                       []business
	bizS                      sampler
	cws                       []coworker
	srcS                      sampler
	homeReasonS, visitReasonS sampler
}

func newGenerator(seed uint64, coworkers int) *generator {
	g := &generator{r: newRand(seed)}
	g.newBusinesses()
	g.newCoworkers(coworkers, g.newTeams())
	srcW := make([]float64, len(sources))
	for i, s := range sources {
		srcW[i] = s.w
	}
	g.srcS = newSampler(srcW)
	g.homeReasonS = newSampler(homeReasonW)
	g.visitReasonS = newSampler(visitReasonW)
	return g
}

// newBusinesses makes the locations: Zipf sizes with weight 1/rank, so
// Location 001 (id 1001) is the largest, each in a city with a fixed offset.
func (g *generator) newBusinesses() {
	g.biz = make([]business, numBusinesses)
	w := make([]float64, numBusinesses)
	for i := range g.biz {
		c := cities[g.r.IntN(len(cities))]
		g.biz[i] = business{
			id:     int64(businessIDMin + i + 1),
			name:   fmt.Sprintf("Location %03d – %s", i+1, c.name),
			offset: c.offset,
		}
		w[i] = 1 / float64(i+1)
	}
	g.bizS = newSampler(w)
}

func (g *generator) newTeams() []string {
	teams := make([]string, 0, numTeams)
	for _, p := range teamPrefixes {
		for _, s := range teamSuffixes {
			teams = append(teams, p+" "+s)
		}
	}
	g.r.Shuffle(len(teams), func(i, j int) { teams[i], teams[j] = teams[j], teams[i] })
	return teams
}

// newCoworkers makes the directory: names with a few common surnames, a home
// location drawn like the rows, 0-3 teams, a plan and 1-3 devices each.
func (g *generator) newCoworkers(n int, teams []string) {
	r := g.r
	lastW := make([]float64, len(lastNames))
	for i := range lastW {
		lastW[i] = 1 / float64(i+15)
	}
	lastS := newSampler(lastW)
	tw := make([]float64, len(tariffs))
	for i, t := range tariffs {
		tw[i] = t.w
	}
	tariffS := newSampler(tw)
	teamCountS := newSampler([]float64{40, 35, 18, 7})
	g.cws = make([]coworker, n)
	for k := range g.cws {
		home := g.bizS.draw(r)
		var tn []string
		for nt := teamCountS.draw(r); len(tn) < nt; {
			if t := teams[r.IntN(len(teams))]; !slices.Contains(tn, t) {
				tn = append(tn, t)
			}
		}
		g.cws[k] = coworker{
			id:     int64(coworkerIDMin + k + 1),
			name:   firstNames[r.IntN(len(firstNames))] + " " + lastNames[lastS.draw(r)],
			home:   home,
			teams:  strings.Join(tn, ", "),
			tariff: tariffs[tariffS.draw(r)].name,
			macs:   randMACs(r),
		}
		g.biz[home].home = append(g.biz[home].home, int32(k))
	}
}

// attempts draws the location and time of n attempts in [from, until) and
// sorts them by time, so that Ids follow CheckinAttemptTime. Times are drawn
// in the location's local calendar (weekdays, holidays, office hours), then
// converted to UTC; a draw outside the window is drawn again.
func (g *generator) attempts(n int, from, until time.Time) []attempt {
	base := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	dayS := newSampler(dayWeights(base, until))
	hourS := newSampler(hourW)
	lo, hi := from.Unix(), until.Unix()
	out := make([]attempt, n)
	for i := range out {
		b := g.bizS.draw(g.r)
		var t int64
		for {
			d := dayS.draw(g.r) // day index d is base's day d-1: one spare either side for offsets
			local := base.Unix() + int64(d-1)*86400 + int64(hourS.draw(g.r))*3600 + int64(g.r.IntN(3600))
			t = local - int64(g.biz[b].offset)*60
			if t >= lo && t < hi {
				break
			}
		}
		out[i] = attempt{t: t, b: uint16(b), idx: int32(i)}
	}
	slices.SortFunc(out, func(a, b attempt) int {
		return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.idx, b.idx))
	})
	return out
}

// dayWeights weighs the local calendar days from the day before base to the
// day after until: weekends and the year-end holidays are quiet, and the
// business grows mildly over the window.
func dayWeights(base, until time.Time) []float64 {
	days := int(until.Sub(base).Hours()/24) + 1
	w := make([]float64, days+2)
	for d := range w {
		t := base.AddDate(0, 0, d-1)
		x := 1.0
		switch t.Weekday() {
		case time.Saturday:
			x = 0.2
		case time.Sunday:
			x = 0.12
		}
		if (t.Month() == time.December && t.Day() >= 24) || (t.Month() == time.January && t.Day() == 1) {
			x *= 0.3
		}
		w[d] = x * (0.8 + 0.4*float64(d)/float64(len(w)))
	}
	return w
}

// sampler draws an index from a fixed weight table (cumulative + binary search).
type sampler []float64

func newSampler(w []float64) sampler {
	c := make(sampler, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		c[i] = s
	}
	for i := range c {
		c[i] /= s
	}
	return c
}

func (s sampler) draw(r *rand.Rand) int {
	i, _ := slices.BinarySearch(s, r.Float64())
	return min(i, len(s)-1)
}

func randMAC(r *rand.Rand) string {
	b := make([]byte, 6)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	b[0] = b[0]&0xfe | 0x02 // locally administered unicast, like randomised phone MACs
	return fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1], b[2], b[3], b[4], b[5])
}

func randMACs(r *rand.Rand) string {
	m := make([]string, 1+r.IntN(3))
	for i := range m {
		m[i] = randMAC(r)
	}
	return strings.Join(m, ",")
}

// uuid returns a random (version 4) UUID in lower case, drawn from r so the
// data set stays deterministic.
func uuid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	a = a&^0xf000 | 0x4000         // version 4
	b = b&^(0xc<<60) | (0x8 << 60) // variant 10xx
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}
