package demo

import (
	"fmt"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// plan is how the demo turns a tariff name of the tariffs table into a
// Tariff: when it lets people in, how often, and whether it is regional
// (valid only at the locations of the coworker's home region).
type plan struct {
	hours    []fc.AccessHours
	limit    int
	regional bool
}

var (
	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	weekend  = []time.Weekday{time.Saturday, time.Sunday}
)

func window(days []time.Weekday, from, to int) fc.AccessHours {
	return fc.AccessHours{Days: days, From: from * 60, To: to * 60}
}

// plans gives every tariff of the tariffs table its rules; a name missing
// here is an all-hours, unlimited, everywhere plan.
var plans = map[string]plan{
	"Hot Desk Monthly":      {hours: []fc.AccessHours{window(weekdays, 8, 19)}, regional: true},
	"Hot Desk Part-Time":    {hours: []fc.AccessHours{window(weekdays, 9, 17)}, limit: 12, regional: true},
	"Dedicated Desk":        {regional: true},
	"Dedicated Desk Annual": {regional: true},
	"Day Pass":              {hours: []fc.AccessHours{window(weekdays, 8, 18)}, limit: 2, regional: true},
	"5-Day Pass Bundle":     {hours: []fc.AccessHours{window(weekdays, 8, 19)}, limit: 5, regional: true},
	"10-Day Pass Bundle":    {hours: []fc.AccessHours{window(weekdays, 8, 19)}, limit: 10, regional: true},
	"20-Day Pass Bundle":    {hours: []fc.AccessHours{window(weekdays, 8, 19)}, limit: 20, regional: true},
	"Virtual Office":        {hours: []fc.AccessHours{window(weekdays, 9, 17)}, limit: 2, regional: true},
	"Virtual Office Plus":   {hours: []fc.AccessHours{window(weekdays, 9, 17)}, limit: 4, regional: true},
	"Mailbox Only":          {hours: []fc.AccessHours{window(weekdays, 9, 12)}, limit: 1, regional: true},
	"Community Membership":  {hours: []fc.AccessHours{window(weekdays, 9, 18)}, limit: 4, regional: true},
	// Evenings span midnight: Mon-Fri 18:00 to 02:00 the next day.
	"Evening & Weekend":    {hours: []fc.AccessHours{window(weekdays, 18, 2), window(weekend, 8, 22)}, regional: true},
	"Student Hot Desk":     {hours: []fc.AccessHours{window(weekdays, 8, 20)}, regional: true},
	"Startup Flex":         {limit: 15, regional: true},
	"Meeting Room Credits": {hours: []fc.AccessHours{window(weekdays, 8, 19)}, limit: 4, regional: true},
	"Resident Membership":  {regional: true},
	"Nomad Monthly":        {hours: []fc.AccessHours{window(append(weekdays[:5:5], time.Saturday), 7, 22)}},
	"Weekend Pass":         {hours: []fc.AccessHours{window(weekend, 8, 20)}, limit: 8, regional: true},
	"Half-Day Pass":        {hours: []fc.AccessHours{window(weekdays, 8, 13)}, limit: 10, regional: true},
	"Flex 8 Days":          {limit: 8, regional: true},
}

// Shares of coworkers in each state, drawn independently.
const (
	shareInactive   = 0.03
	shareSuspended  = 0.02
	shareNoPlan     = 0.04
	shareExpired    = 0.08 // plan ended within the history window
	shareNotStarted = 0.02 // plan starts after now
	shareUnpaid     = 0.04
	shareCard       = 0.9 // coworkers with an access card
)

// Directory returns the demo directory for seed at now: the locations,
// teams and coworkers of the record generator (the same seed gives the
// same people), each location in its city's IANA time zone, the tariffs
// with access hours, monthly limits and regional variants, and coworkers
// in every state a real space has (inactive, suspended, no plan, plans
// that ended or have not started, unpaid invoices). It is indexed.
func Directory(seed uint64, now time.Time) (*fc.Directory, error) {
	g := newGenerator(seed, coworkersFor(DefaultSize))
	return g.directory(now)
}

func (g *generator) directory(now time.Time) (*fc.Directory, error) {
	d := &fc.Directory{}
	regionOf := make([]int, len(g.biz))
	inRegion := make([][]int64, len(regionNames))
	for i, b := range g.biz {
		city := b.name[strings.LastIndex(b.name, "– ")+len("– "):]
		regionOf[i] = region(b.offset)
		inRegion[regionOf[i]] = append(inRegion[regionOf[i]], b.id)
		d.Businesses = append(d.Businesses, &fc.Business{ID: b.id, Name: b.name, TimeZone: zones[city]})
	}
	tariffID := map[string]int64{} // name + region -> id
	for i, t := range tariffs {
		p := plans[t.name]
		for r, rn := range regionNames {
			if !p.regional && r > 0 {
				break
			}
			tr := &fc.Tariff{ID: int64(10*(i+1) + r), Name: t.name, AccessHours: p.hours, MonthlyCheckinLimit: p.limit}
			if p.regional {
				tr.Name, tr.Businesses = t.name+" – "+rn, inRegion[r]
			}
			tariffID[tariffKey(t.name, r, p.regional)] = tr.ID
			d.Tariffs = append(d.Tariffs, tr)
		}
	}
	for k := range g.cws {
		c := &g.cws[k]
		key := tariffKey(c.tariff, regionOf[c.home], plans[c.tariff].regional)
		d.Coworkers = append(d.Coworkers, g.member(c, tariffID[key], now))
	}
	if err := d.Index(); err != nil {
		return nil, fmt.Errorf("the demo directory is not valid: %w", err)
	}
	return d, nil
}

func tariffKey(name string, region int, regional bool) string {
	if !regional {
		return name
	}
	return fmt.Sprint(name, "/", region)
}

// member turns a generated coworker into a directory entry in a drawn
// state; plan dates are local calendar dates around now.
func (g *generator) member(c *coworker, tariff int64, now time.Time) *fc.Coworker {
	r := g.r
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	m := &fc.Coworker{
		ID: c.id, FullName: c.name, Email: emailOf(c), Active: r.Float64() >= shareInactive,
		Suspended: r.Float64() < shareSuspended, UnpaidInvoices: r.Float64() < shareUnpaid,
		PlanStart:    time.Date(now.Year(), now.Month()-time.Month(1+r.IntN(36)), 1, 0, 0, 0, 0, time.UTC),
		MacAddresses: strings.Split(c.macs, ","),
	}
	if c.teams != "" {
		m.Teams = strings.Split(c.teams, ", ")
	}
	if r.Float64() < shareCard {
		m.AccessCards = []string{cardOf(c.id)}
	}
	switch x := r.Float64(); {
	case x < shareNoPlan:
		return m // no TariffId
	case x < shareNoPlan+shareExpired:
		end := today.AddDate(0, 0, -1-r.IntN(HistoryMonths*30))
		m.PlanEnd = &end
		m.PlanStart = time.Date(end.Year()-1, end.Month(), 1, 0, 0, 0, 0, time.UTC)
	case x < shareNoPlan+shareExpired+shareNotStarted:
		m.PlanStart = today.AddDate(0, 0, 7+r.IntN(50))
	}
	m.TariffID = &tariff
	return m
}

// cardOf returns the coworker's access card: 8 hex digits, distinct for
// distinct ids (multiplication by an odd number is a bijection mod 2^32).
func cardOf(id int64) string {
	return fmt.Sprintf("%08X", uint32(id)*2654435761)
}

func emailOf(c *coworker) string {
	name := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(c.name, " ", "."), "'", ""))
	return fmt.Sprintf("%s.%d@demo.example", name, c.id-coworkerIDMin)
}
