package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// HistoryMonths is the length of the window of the demo's simulated
// attempts, ending at the `now` given to History. A few months are enough
// for monthly limits and plans that end to show; more would only spread
// the same number of attempts thinner.
const HistoryMonths = 6

// shareUnknownID is the share of attempts by id (tiles, front desk) that
// name a coworker id the directory does not know (a typo, a deleted member).
const shareUnknownID = 0.01

// History returns the demo directory (as Directory does) and n simulated
// attempts over the HistoryMonths before now, in time order, for the real
// evaluator to judge: doors send access cards, Wi-Fi and sensors send MAC
// addresses (in whatever case and separator the device uses), tiles and
// the front desk send coworker ids; a few come from devices nobody owns.
// Locations, hours of the day and who tries where follow the record
// generator; local times come from each location's time zone. The same
// seed, n and now give the same directory and attempts.
func History(seed uint64, n int, now time.Time) (*fc.Directory, []*fc.Attempt, error) {
	g := newGenerator(seed, coworkersFor(DefaultSize))
	d, err := g.directory(now)
	if err != nil {
		return nil, nil, err
	}
	until := time.Unix(now.Unix(), 0).UTC()
	from := until.AddDate(0, -HistoryMonths, 0)
	base := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	dayS, hourS := newSampler(dayWeights(base, until)), newSampler(hourW)
	type drawn struct {
		a   *fc.Attempt
		idx int
	}
	out := make([]drawn, n)
	for i := range out {
		b := g.bizS.draw(g.r)
		loc := d.Business(g.biz[b].id).Location()
		var t time.Time
		for {
			day := base.AddDate(0, 0, dayS.draw(g.r)-1) // one spare day either side for offsets
			t = time.Date(day.Year(), day.Month(), day.Day(), hourS.draw(g.r), g.r.IntN(60), g.r.IntN(60), 0, loc).UTC()
			if !t.Before(from) && t.Before(until) {
				break
			}
		}
		out[i] = drawn{g.attempt(b, t), i}
	}
	slices.SortFunc(out, func(x, y drawn) int {
		return cmp.Or(x.a.FromTime.Compare(y.a.FromTime), cmp.Compare(x.idx, y.idx))
	})
	attempts := make([]*fc.Attempt, n)
	for i, x := range out {
		attempts[i] = x.a
	}
	return d, attempts, nil
}

// attempt draws who tries to check in at location b at t, and how.
func (g *generator) attempt(b int, t time.Time) *fc.Attempt {
	r := g.r
	src := sources[g.srcS.draw(r)].val
	a := &fc.Attempt{BusinessID: g.biz[b].id, Source: src, FromTime: t}
	c := g.pickCoworker(src, uint16(b))
	switch src {
	case fc.SourceDoorAccess:
		if c == nil {
			a.AccessCardID = fmt.Sprintf("%08X", r.Uint32())
		} else {
			a.AccessCardID = cardOf(c.id) // a member without a card is not in the directory's card list: refused
		}
	case fc.SourceNetworkActivity, fc.SourceSensor:
		if c == nil {
			a.MacAddresses = deviceMAC(r, randMAC(r))
		} else {
			macs := strings.Split(c.macs, ",")
			a.MacAddresses = deviceMAC(r, macs[r.IntN(len(macs))])
		}
	default:
		id := int64(coworkerIDMin + maxCoworkers + 1 + r.IntN(1000))
		if c != nil && r.Float64() >= shareUnknownID {
			id = c.id
		}
		a.CoworkerID = &id
	}
	return a
}

// deviceMAC writes mac the way some device would: as stored
// (A4:5E:60:C2:19:0B), lower case with dashes, or bare lower case.
func deviceMAC(r *rand.Rand, mac string) string {
	switch r.IntN(3) {
	case 0:
		return mac
	case 1:
		return strings.ToLower(strings.ReplaceAll(mac, ":", "-"))
	}
	return strings.ToLower(strings.ReplaceAll(mac, ":", ""))
}
