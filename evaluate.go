package failedcheckins

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RoleCheckinEvaluate allows the dry run of an attempt,
// POST /api/spaces/checkins/evaluate (docs/checkins.md#would-they-get-in).
const RoleCheckinEvaluate = "Checkin-Evaluate"

// MaxEvaluateAhead is how far in the future the FromTime of a dry run may
// lie: "would they get in on the day their plan starts?" is a fair
// question a year ahead, unlike an attempt, which happens now.
const MaxEvaluateAhead = 366 * 24 * time.Hour

// Check is the outcome of one rule in a dry run.
type Check struct {
	Rule   string // the reason code the rule refuses with
	Passed bool
	Detail string // what the rule looked at, for people
}

// Evaluation is the dry run of an attempt: the verdict the pipeline would
// give, every rule's outcome, when the same identity would next get in,
// and what would let them in.
type Evaluation struct {
	Verdict *Verdict
	Checks  []Check // every rule, in rule order
	// NextAdmission is the first instant, from the attempt's FromTime
	// and within NextAdmissionHorizon, at which the same identity would be
	// admitted at the same location if nothing changed; nil for none.
	NextAdmission *time.Time
	Fixes         []string
}

// EvaluateAll judges the attempt like Evaluate (the same rules, the same
// verdict) but applies every rule, not only up to the first that fails,
// so that all the obstacles show at once, and finds the next admission.
// It writes nothing: count is only read, once per local month at most.
func EvaluateAll(d *Directory, a *Attempt, count MonthlyCount) (*Evaluation, error) {
	count = cachedCount(count)
	var outs [len(rules)]outcome
	j := &judgement{}
	if err := judge(j, d, a, count, &outs); err != nil {
		return nil, err
	}
	e := &Evaluation{Verdict: j.v, Checks: make([]Check, len(rules))}
	for i := range rules {
		e.Checks[i] = Check{Rule: rules[i], Passed: outs[i] == passed, Detail: j.detail(rules[i], outs[i])}
	}
	var err error
	if e.NextAdmission, err = nextAdmission(j, &outs); err != nil {
		return nil, err
	}
	e.Fixes = j.fixes(&outs, e.NextAdmission)
	return e, nil
}

// ValidateEvaluation checks the attempt of a dry run like Validate, except
// that FromTime may lie up to MaxEvaluateAhead after now.
func (a *Attempt) ValidateEvaluation(now time.Time) error {
	var bad []FieldError
	if a.FromTime.After(now.Add(MaxEvaluateAhead)) {
		bad = append(bad, FieldError{Property: "FromTime", Message: "must not be more than 366 days in the future",
			AttemptedValue: a.FromTime.UTC().Format(time.RFC3339)})
	}
	c := *a
	c.FromTime = now // its future limit is the one above
	if err := c.Validate(now); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return err
		}
		bad = append(e.Fields, bad...)
	}
	if len(bad) > 0 {
		return InvalidFields(bad)
	}
	return nil
}

// cachedCount reads each month's count once: NextAdmission judges many
// instants of the same few months.
func cachedCount(count MonthlyCount) MonthlyCount {
	type key struct {
		coworker    int64
		from, until int64
	}
	seen := map[key]int{}
	return func(coworker int64, from, until time.Time) (int, error) {
		k := key{coworker, from.Unix(), until.Unix()}
		if n, ok := seen[k]; ok {
			return n, nil
		}
		n, err := count(coworker, from, until)
		if err == nil {
			seen[k] = n
		}
		return n, err
	}
}

// notChecked is the Detail of a rule that an earlier failure made moot.
func (j *judgement) notChecked(code string) string {
	if j.v.Coworker == nil {
		return "Not checked: no coworker was identified"
	}
	return "Not checked: " + j.v.Coworker.FullName + " has no plan"
}

// detail says what a rule looked at and found.
func (j *judgement) detail(code string, out outcome) string {
	if out == unchecked {
		return j.notChecked(code)
	}
	ok := out == passed
	c, t, b, a := j.v.Coworker, j.v.Tariff, j.v.Business, j.a
	localDate := j.date.Format(time.DateOnly)
	switch code {
	case ReasonUnrecognisedDevice:
		switch {
		case a.CoworkerID != nil:
			return fmt.Sprintf("Not applicable: the attempt names coworker %d by CoworkerId", *a.CoworkerID)
		case ok && a.MacAddresses != "":
			return fmt.Sprintf("The MAC address %s belongs to %s (coworker %d)", ownedMAC(j.d, a.MacAddresses), c.FullName, c.ID)
		case ok:
			return fmt.Sprintf("The access card %s belongs to %s (coworker %d)", a.AccessCardID, c.FullName, c.ID)
		case a.MacAddresses != "":
			return "No coworker in the directory owns the MAC address " + a.MacAddresses
		}
		return "No coworker in the directory owns the access card " + a.AccessCardID
	case ReasonUnknownCoworker:
		switch {
		case a.CoworkerID == nil:
			return "Not applicable: the attempt identifies the coworker by a device, not by CoworkerId"
		case ok:
			return fmt.Sprintf("Coworker %d is %s", c.ID, c.FullName)
		}
		return fmt.Sprintf("No coworker with Id %d is in the directory", *a.CoworkerID)
	case ReasonAccountInactive:
		return pick(ok, "The account of "+c.FullName+" is active", "The account of "+c.FullName+" is not active (Active is false)")
	case ReasonAccountSuspended:
		return pick(ok, "The account is not suspended", "The account is suspended (Suspended is true)")
	case ReasonNoActivePlan:
		if ok {
			return fmt.Sprintf("Plan %s (tariff %d)", t.Name, t.ID)
		}
		return c.FullName + " has no plan (TariffId is null)"
	case ReasonPlanNotStarted:
		switch {
		case c.PlanStart.IsZero():
			return "The plan has no start date"
		case ok:
			return "The plan started on " + c.PlanStart.Format(time.DateOnly) + "; the local date is " + localDate
		}
		return "The plan starts on " + c.PlanStart.Format(time.DateOnly) + "; the local date at " + b.Name + " is " + localDate
	case ReasonPlanExpired:
		switch {
		case c.PlanEnd == nil:
			return "The plan has no end date"
		case ok:
			return "The plan runs until " + c.PlanEnd.Format(time.DateOnly) + " inclusive; the local date is " + localDate
		}
		return "The plan ended on " + c.PlanEnd.Format(time.DateOnly) + "; the local date at " + b.Name + " is " + localDate
	case ReasonLocationNotAllowed:
		switch {
		case ok && len(t.Businesses) == 0:
			return "Plan " + t.Name + " is valid at every location"
		case ok:
			return "Plan " + t.Name + " includes " + b.Name
		}
		return "Plan " + t.Name + " does not include " + b.Name
	case ReasonOutsideAllowedHours:
		when := j.at.Format("Mon 15:04") + " local time (" + b.TimeZone + ")"
		switch {
		case len(t.AccessHours) == 0:
			return "Plan " + t.Name + " allows access at any time"
		case ok:
			return when + " is within " + describeHours(t.AccessHours)
		}
		return when + " is outside " + describeHours(t.AccessHours)
	case ReasonCheckinLimitReached:
		if t.MonthlyCheckinLimit == 0 {
			return "Plan " + t.Name + " has no monthly limit"
		}
		return fmt.Sprintf("%d of %d check-ins used in %s (the local month, at every location)",
			j.used, t.MonthlyCheckinLimit, j.at.Format("January 2006"))
	case ReasonUnpaidInvoices:
		return pick(ok, "No unpaid invoices", c.FullName+" has unpaid invoices (UnpaidInvoices is true)")
	}
	return ""
}

func pick(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

// ownedMAC is the first of the attempt's MAC addresses that a coworker
// owns: the one identify matched.
func ownedMAC(d *Directory, list string) string {
	for mac := range strings.SplitSeq(list, ",") {
		if d.CoworkerByMAC(strings.TrimSpace(mac)) != nil {
			return strings.TrimSpace(mac)
		}
	}
	return list
}

// fixes lists what would let the identity in: waiting, when that is
// enough, then a change to the directory for each rule that failed.
func (j *judgement) fixes(outs *[len(rules)]outcome, next *time.Time) []string {
	fixes := []string{}
	if j.v.Accepted() {
		return fixes
	}
	if next != nil {
		local := next.In(j.v.Business.Location())
		fixes = append(fixes, "Wait until "+local.Format("Mon 2 Jan 2006 15:04")+" local time ("+next.UTC().Format(time.RFC3339)+")")
	}
	c, t, b, a := j.v.Coworker, j.v.Tariff, j.v.Business, j.a
	for i, code := range rules {
		if outs[i] != failed {
			continue
		}
		var fix string
		switch code {
		case ReasonUnrecognisedDevice:
			if a.MacAddresses != "" {
				fix = "If the device belongs to a member, add its MAC address (" + a.MacAddresses + ") to their MacAddresses in the directory"
			} else {
				fix = "If the card belongs to a member, add it (" + a.AccessCardID + ") to their AccessCards in the directory"
			}
		case ReasonUnknownCoworker:
			fix = fmt.Sprintf("Check that the device sends the right CoworkerId (%d), or add that coworker to the directory", *a.CoworkerID)
		case ReasonAccountInactive:
			fix = "Activate the account of " + c.FullName + " (Active: true) if they are still a member"
		case ReasonAccountSuspended:
			fix = "Lift the suspension of " + c.FullName + " (Suspended: false) once its cause is dealt with"
		case ReasonNoActivePlan:
			fix = "Give " + c.FullName + " a plan (TariffId)"
		case ReasonPlanNotStarted:
			fix = "Move the plan's start (PlanStart " + c.PlanStart.Format(time.DateOnly) + ") to " + j.date.Format(time.DateOnly) + " or earlier"
		case ReasonPlanExpired:
			fix = "Renew the plan: extend PlanEnd (" + c.PlanEnd.Format(time.DateOnly) + ") to " + j.date.Format(time.DateOnly) + " or later"
		case ReasonLocationNotAllowed:
			fix = "Add " + b.Name + " to plan " + t.Name + ", or move the coworker to a plan that includes it"
		case ReasonOutsideAllowedHours:
			fix = "Move the coworker to a plan with access on " + j.at.Format("Mon") + " at " + j.at.Format("15:04") +
				", or widen the access hours of plan " + t.Name + " (" + describeHours(t.AccessHours) + ")"
		case ReasonCheckinLimitReached:
			fix = "Raise the monthly limit of plan " + t.Name + " (" + strconv.Itoa(t.MonthlyCheckinLimit) +
				"), or move the coworker to a plan with a higher limit"
		case ReasonUnpaidInvoices:
			fix = "Once the invoices of " + c.FullName + " are paid, clear UnpaidInvoices"
		}
		fixes = append(fixes, fix)
	}
	return fixes
}

// StoredCheckinCount is the monthly rule's count read through the check-in
// search of store: the coworker's accepted check-ins at every location
// (the limit counts them all, whatever the caller may see) with from <=
// FromTime < until, exactly what the pipeline counts in its transaction.
// The API's dry run and the console's "would they get in now?" both use
// it, so they count alike.
func StoredCheckinCount(ctx context.Context, store CheckinStore) MonthlyCount {
	return func(coworker int64, from, until time.Time) (int, error) {
		page, err := store.FindCheckins(ctx, Query{
			Scope: AllBusinesses(),
			Conditions: []Condition{
				In(FieldCoworkerID, coworker),
				TimeRange(FieldFromTime, from, until),
			},
			OrderBy: FieldID, Page: 1, Size: 1,
		})
		if err != nil {
			return 0, err
		}
		return int(page.TotalItems), nil
	}
}
