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
// plan with a monthly limit, and only when every rule before that one
// passed. An unknown business is an ErrInvalid error: there is nothing to
// record.
func Evaluate(d *Directory, a *Attempt, count MonthlyCount) (*Verdict, error) {
	var j judgement
	if err := judge(&j, d, a, count, nil); err != nil {
		return nil, err
	}
	return j.v, nil
}

// judgement is one attempt being judged: what the rules read and what the
// monthly rule found. The pipeline (Evaluate) and the dry run
// (EvaluateAll) both fill it through judge, so they apply the same rules.
type judgement struct {
	d     *Directory
	a     *Attempt
	v     *Verdict
	at    time.Time // the attempt's instant in the location's time zone
	date  time.Time // its local date (midnight, UTC container)
	count MonthlyCount
	// used is the coworker's accepted check-ins this local month, read by
	// the monthly rule when the plan has a limit (-1: not read).
	used int
}

// outcome is what a rule found.
type outcome int8

const (
	passed outcome = iota
	failed
	// unchecked: the rule needs something an earlier rule found missing
	// (a coworker, a plan). It only happens after a failure, so it never
	// decides a verdict.
	unchecked
)

// rules are the reason codes in the order their rules apply. The rules
// themselves are written once, in judgement.check: the pipeline stops at
// the first that fails, the dry run (EvaluateAll) and NextAdmission apply
// the same ones.
var rules = [...]string{
	ReasonUnrecognisedDevice, ReasonUnknownCoworker, ReasonAccountInactive, ReasonAccountSuspended,
	ReasonNoActivePlan, ReasonPlanNotStarted, ReasonPlanExpired, ReasonLocationNotAllowed,
	ReasonOutsideAllowedHours, ReasonCheckinLimitReached, ReasonUnpaidInvoices,
}

// check applies the rule of code. A switch rather than a table of
// functions: the judgement then stays on the stack of the pipeline, which
// judges every attempt.
func (j *judgement) check(code string) (outcome, error) {
	c, t := j.v.Coworker, j.v.Tariff
	switch code {
	case ReasonUnrecognisedDevice:
		return verdictOf(j.a.CoworkerID != nil || c != nil), nil
	case ReasonUnknownCoworker:
		return verdictOf(j.a.CoworkerID == nil || c != nil), nil
	}
	if c == nil {
		return unchecked, nil
	}
	switch code {
	case ReasonAccountInactive:
		return verdictOf(c.Active), nil
	case ReasonAccountSuspended:
		return verdictOf(!c.Suspended), nil
	case ReasonNoActivePlan:
		return verdictOf(t != nil), nil
	case ReasonPlanNotStarted:
		return verdictOf(c.PlanStart.IsZero() || !j.date.Before(c.PlanStart)), nil
	case ReasonPlanExpired:
		return verdictOf(c.PlanEnd == nil || !j.date.After(*c.PlanEnd)), nil
	case ReasonUnpaidInvoices:
		return verdictOf(!c.UnpaidInvoices), nil
	}
	if t == nil {
		return unchecked, nil
	}
	switch code {
	case ReasonLocationNotAllowed:
		return verdictOf(includes(t.Businesses, j.v.Business.ID)), nil
	case ReasonOutsideAllowedHours:
		return verdictOf(withinHours(t.AccessHours, j.at)), nil
	case ReasonCheckinLimitReached:
		if t.MonthlyCheckinLimit == 0 {
			return passed, nil
		}
		from, until := MonthBounds(j.at)
		n, err := j.count(c.ID, from, until)
		if err != nil {
			return 0, fmt.Errorf("count this month's check-ins: %w", err)
		}
		j.used = n
		return verdictOf(n < t.MonthlyCheckinLimit), nil
	}
	panic("no rule for " + code) // rules and check list the same codes: TestEvaluateAllAgrees
}

func verdictOf(ok bool) outcome {
	if ok {
		return passed
	}
	return failed
}

// judge identifies the coworker and applies the rules in order, filling
// j. With all nil it stops at the first rule that fails, as the pipeline
// must (a monthly count is a database read); otherwise it applies every
// rule and stores each outcome in all (indexed like rules). The verdict's
// Reason is the first rule that failed either way.
func judge(j *judgement, d *Directory, a *Attempt, count MonthlyCount, all *[len(rules)]outcome) error {
	b := d.Business(a.BusinessID)
	if b == nil {
		return UnknownBusinessError(a.BusinessID)
	}
	at := a.FromTime.In(b.Location())
	*j = judgement{d: d, a: a, at: at, count: count, used: -1,
		date: time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC),
		v:    &Verdict{Business: b, Local: WallClock(at)}}
	j.v.Coworker = identify(d, a)
	if c := j.v.Coworker; c != nil && c.TariffID != nil {
		j.v.Tariff = d.Tariff(*c.TariffID)
	}
	for i, code := range rules {
		out, err := j.check(code)
		if err != nil {
			return err
		}
		if all != nil {
			all[i] = out
		}
		if out != passed && j.v.Reason == "" {
			j.v.Reason = code
			if all == nil {
				break
			}
		}
	}
	if j.v.Reason != "" {
		limit := 0
		if j.v.Tariff != nil {
			limit = j.v.Tariff.MonthlyCheckinLimit
		}
		j.v.Description = describe(j.v.Reason, j.v, limit)
	}
	return nil
}

// identify finds the coworker the attempt names, or nil.
func identify(d *Directory, a *Attempt) *Coworker {
	switch {
	case a.CoworkerID != nil:
		return d.Coworker(*a.CoworkerID)
	case a.MacAddresses != "":
		for mac := range strings.SplitSeq(a.MacAddresses, ",") {
			if c := d.CoworkerByMAC(strings.TrimSpace(mac)); c != nil {
				return c
			}
		}
		return nil
	default:
		return d.CoworkerByCard(a.AccessCardID)
	}
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
