package failedcheckins

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The reason codes of a refused attempt (docs/checkins.md#reason-codes), in the
// order the rules are applied. They are stored and filterable: never rename.
const (
	ReasonUnrecognisedDevice  = "UnrecognisedDevice"
	ReasonUnknownCoworker     = "UnknownCoworker"
	ReasonAccountInactive     = "AccountInactive"
	ReasonAccountSuspended    = "AccountSuspended"
	ReasonNoActivePlan        = "NoActivePlan"
	ReasonPlanNotStarted      = "PlanNotStarted"
	ReasonPlanExpired         = "PlanExpired"
	ReasonLocationNotAllowed  = "LocationNotAllowed"
	ReasonOutsideAllowedHours = "OutsideAllowedHours"
	ReasonCheckinLimitReached = "CheckinLimitReached"
	ReasonUnpaidInvoices      = "UnpaidInvoices"
)

// MonthlyCount returns the number of accepted check-ins of the coworker
// with from <= FromTime < until (UTC instants).
type MonthlyCount func(coworkerID int64, from, until time.Time) (int, error)

// Verdict is the judgement of one attempt and everything its record needs,
// taken from the directory as it is at that moment.
type Verdict struct {
	Reason      string // "" when accepted
	Description string
	Business    *Business
	Coworker    *Coworker // nil when the attempt names no known coworker
	Tariff      *Tariff   // the coworker's plan, or nil
	// Local is the attempt's wall-clock time at the location (a UTC
	// container, like CheckinAttemptTimeLocal).
	Local time.Time
}

// Accepted reports whether the attempt passed every rule.
func (v *Verdict) Accepted() bool { return v.Reason == "" }

// UnknownBusinessError is the answer to an attempt at a business that is
// not in the directory. The API gives the same answer for a business the
// caller may not post at, so a device cannot learn which other ids exist.
func UnknownBusinessError(id int64) error {
	return InvalidFields([]FieldError{{Property: "BusinessId", Message: "names no business in the directory",
		AttemptedValue: strconv.FormatInt(id, 10)}})
}

// Evaluate applies the rules of docs/checkins.md#the-verdict in their order to
// the attempt; the first that fails decides. count is called only for a
// plan with a monthly limit. An unknown business is an ErrInvalid error:
// there is nothing to record.
func Evaluate(d *Directory, a *Attempt, count MonthlyCount) (*Verdict, error) {
	b := d.Business(a.BusinessID)
	if b == nil {
		return nil, UnknownBusinessError(a.BusinessID)
	}
	at := a.FromTime.In(b.Location())
	v := &Verdict{Business: b, Local: WallClock(at)}
	v.Coworker, v.Reason = identify(d, a)
	if v.Reason != "" {
		v.Description = describe(v.Reason, v, 0)
		return v, nil
	}
	if v.Coworker.TariffID != nil {
		v.Tariff = d.Tariff(*v.Coworker.TariffID)
	}
	reason, limit, err := judge(v, at, count)
	if err != nil {
		return nil, err
	}
	v.Reason = reason
	if reason != "" {
		v.Description = describe(reason, v, limit)
	}
	return v, nil
}

// identify finds the coworker the attempt names, or the reason it cannot.
func identify(d *Directory, a *Attempt) (*Coworker, string) {
	switch {
	case a.CoworkerID != nil:
		if c := d.Coworker(*a.CoworkerID); c != nil {
			return c, ""
		}
		return nil, ReasonUnknownCoworker
	case a.MacAddresses != "":
		for mac := range strings.SplitSeq(a.MacAddresses, ",") {
			if c := d.CoworkerByMAC(strings.TrimSpace(mac)); c != nil {
				return c, ""
			}
		}
	default:
		if c := d.CoworkerByCard(a.AccessCardID); c != nil {
			return c, ""
		}
	}
	return nil, ReasonUnrecognisedDevice
}

// judge applies the rules after identification; it returns the reason (""
// when accepted) and, for CheckinLimitReached, the limit.
func judge(v *Verdict, at time.Time, count MonthlyCount) (string, int, error) {
	c, t := v.Coworker, v.Tariff
	localDate := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case !c.Active:
		return ReasonAccountInactive, 0, nil
	case c.Suspended:
		return ReasonAccountSuspended, 0, nil
	case t == nil:
		return ReasonNoActivePlan, 0, nil
	case !c.PlanStart.IsZero() && localDate.Before(c.PlanStart):
		return ReasonPlanNotStarted, 0, nil
	case c.PlanEnd != nil && localDate.After(*c.PlanEnd):
		return ReasonPlanExpired, 0, nil
	case !includes(t.Businesses, v.Business.ID):
		return ReasonLocationNotAllowed, 0, nil
	case !withinHours(t.AccessHours, at):
		return ReasonOutsideAllowedHours, 0, nil
	}
	if t.MonthlyCheckinLimit > 0 {
		from, until := MonthBounds(at)
		n, err := count(c.ID, from, until)
		if err != nil {
			return "", 0, fmt.Errorf("count this month's check-ins: %w", err)
		}
		if n >= t.MonthlyCheckinLimit {
			return ReasonCheckinLimitReached, t.MonthlyCheckinLimit, nil
		}
	}
	if c.UnpaidInvoices {
		return ReasonUnpaidInvoices, 0, nil
	}
	return "", 0, nil
}

// MonthBounds returns the UTC instants where the local calendar month of
// at (in at's location) starts and the next one starts.
func MonthBounds(at time.Time) (from, until time.Time) {
	loc := at.Location()
	from = time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, loc)
	until = time.Date(at.Year(), at.Month()+1, 1, 0, 0, 0, 0, loc)
	return from.UTC(), until.UTC()
}

func includes(ids []int64, id int64) bool {
	if len(ids) == 0 {
		return true // a tariff with no locations is valid everywhere
	}
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// withinHours reports whether the local time at falls in a window. A
// window that spans midnight belongs to the day it starts on.
func withinHours(windows []AccessHours, at time.Time) bool {
	if len(windows) == 0 {
		return true
	}
	day, minute := at.Weekday(), at.Hour()*60+at.Minute()
	yesterday := (day + 6) % 7
	for _, w := range windows {
		if w.From < w.To {
			if hasDay(w.Days, day) && w.From <= minute && minute < w.To {
				return true
			}
			continue
		}
		if hasDay(w.Days, day) && minute >= w.From || hasDay(w.Days, yesterday) && minute < w.To {
			return true
		}
	}
	return false
}

func hasDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

// WallClock reads the wall clock of t (to the second) as if it were UTC:
// the form of a local time such as Verdict.Local and
// CheckinAttemptTimeLocal, which have no zone of their own, in memory and
// in both stores (sqlstore.TimeCoding.Wall).
func WallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}
