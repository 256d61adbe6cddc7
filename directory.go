package failedcheckins

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Business is a location (docs/checkins.md#the-directory). Local times at the
// location follow its IANA time zone, daylight-saving rules included.
type Business struct {
	ID       int64
	Name     string
	TimeZone string // IANA name, such as Europe/London
	loc      *time.Location
}

// Location returns the business's time zone, loaded when the directory was
// indexed (UTC for a Business that never went through Directory.Index).
func (b *Business) Location() *time.Location {
	if b.loc == nil {
		return time.UTC
	}
	return b.loc
}

// AccessHours is one weekly window of a tariff: on each of Days, from From
// (inclusive) to To (exclusive), local wall-clock minutes since midnight.
// A To at or before From spans midnight: the window starts on one of Days
// and ends the next day.
type AccessHours struct {
	Days []time.Weekday
	From int // minutes since midnight, 0..1439
	To   int // minutes since midnight, 0..1440 (24:00)
}

// Tariff is a plan: where and when it lets its coworkers in, and how often.
type Tariff struct {
	ID   int64
	Name string
	// Businesses lists the locations the plan includes; empty means all.
	Businesses  []int64
	AccessHours []AccessHours // empty means at any time
	// MonthlyCheckinLimit caps accepted check-ins per local calendar
	// month; 0 means no limit.
	MonthlyCheckinLimit int
}

// Coworker is a member who may check in.
type Coworker struct {
	ID             int64
	FullName       string
	Email          string
	Active         bool
	Suspended      bool
	UnpaidInvoices bool
	TariffID       *int64 // nil: no plan
	// PlanStart and PlanEnd are inclusive local dates (midnight UTC as a
	// container, like CheckinAttemptTimeLocal); a zero PlanStart has no
	// start and a nil PlanEnd no end.
	PlanStart    time.Time
	PlanEnd      *time.Time
	Teams        []string
	MacAddresses []string
	AccessCards  []string
}

// Directory is everything the service needs to judge an attempt: the
// locations, the plans and the people. Call Index before judging with it;
// an indexed Directory is read-only and safe to share.
type Directory struct {
	Businesses []*Business
	Tariffs    []*Tariff
	Coworkers  []*Coworker

	businesses map[int64]*Business
	tariffs    map[int64]*Tariff
	coworkers  map[int64]*Coworker
	macs       map[string]*Coworker // NormalizeMAC(address) -> owner
	cards      map[string]*Coworker // Fold(card) -> owner
	// positions says where each entry stood in the parsed document (list
	// name -> Id -> index), so that Index's errors about a merged
	// directory point into the document sent, not into the merge; nil
	// for a directory that was not parsed.
	positions map[string]map[int64]int
}

// DirectoryStore keeps the directory.
type DirectoryStore interface {
	// ImportDirectory upserts every entry of d by Id in one transaction
	// and checks the merged directory: all of it applies, or none of it
	// and the error (ErrInvalid) says where.
	ImportDirectory(ctx context.Context, d *Directory) error
	// Directory returns the current, indexed directory (empty when none
	// was imported).
	Directory(ctx context.Context) (*Directory, error)
}

// Business returns the location with the given id, or nil.
func (d *Directory) Business(id int64) *Business { return d.businesses[id] }

// Tariff returns the tariff with the given id, or nil.
func (d *Directory) Tariff(id int64) *Tariff { return d.tariffs[id] }

// Coworker returns the coworker with the given id, or nil.
func (d *Directory) Coworker(id int64) *Coworker { return d.coworkers[id] }

// CoworkerByMAC returns the owner of the MAC address (any case, any
// separator), or nil.
func (d *Directory) CoworkerByMAC(mac string) *Coworker {
	n, ok := NormalizeMAC(mac)
	if !ok {
		return nil
	}
	return d.macs[n]
}

// CoworkerByCard returns the owner of the access card (case-insensitive), or nil.
func (d *Directory) CoworkerByCard(card string) *Coworker {
	return d.cards[Fold(strings.TrimSpace(card))]
}

// NormalizeMAC returns the 12 lower-case hexadecimal digits of a MAC
// address written in any case with any separator (:, -, ., space) or none,
// and whether it is one.
func NormalizeMAC(mac string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(mac) {
		switch {
		case '0' <= r && r <= '9', 'a' <= r && r <= 'f':
			b.WriteRune(r)
		case r == ':' || r == '-' || r == '.' || r == ' ':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == 12
}

// Merge returns a new directory holding copies of base's entries replaced
// or extended by upd's, by Id (the upsert of an import), sorted by Id.
// Neither base nor upd is changed, then or by indexing the result.
func Merge(base, upd *Directory) *Directory {
	out := &Directory{
		Businesses: mergeByID(base.Businesses, upd.Businesses, func(b *Business) int64 { return b.ID }),
		Tariffs:    mergeByID(base.Tariffs, upd.Tariffs, func(t *Tariff) int64 { return t.ID }),
		Coworkers:  mergeByID(base.Coworkers, upd.Coworkers, func(c *Coworker) int64 { return c.ID }),
		positions:  upd.positions, // the document sent; base's entries are "already in the directory"
	}
	return out
}

// mergeByID copies every element (a shallow copy: Index writes only
// top-level fields), so the merged directory owns its elements and
// indexing it never writes to base, which may be a shared, cached
// directory that attempts are reading.
func mergeByID[E any](base, upd []*E, id func(*E) int64) []*E {
	byID := map[int64]*E{}
	for _, list := range [][]*E{base, upd} {
		for _, v := range list {
			c := *v
			byID[id(v)] = &c
		}
	}
	out := make([]*E, 0, len(byID))
	for _, v := range byID {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *E) int { return int(min(max(id(a)-id(b), -1), 1)) })
	return out
}
