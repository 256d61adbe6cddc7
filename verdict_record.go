package failedcheckins

import (
	"fmt"
	"strings"
	"time"
)

// The forms of the Descriptions that carry a value; describedValues
// (explain.go) reads the values back with them.
const (
	planStartsPrefix  = "Plan starts on "
	planExpiredPrefix = "Plan expired on "
	hoursPrefix       = "Outside allowed hours ("
	limitFormat       = "Monthly check-in limit of %d reached"
)

// describe returns the Nexudus message of a refusal (docs/checkins.md#reason-codes).
func describe(reason string, v *Verdict, limit int) string {
	switch reason {
	case ReasonUnrecognisedDevice:
		return "Unrecognised device"
	case ReasonUnknownCoworker:
		return "Unknown coworker"
	case ReasonAccountInactive:
		return "Account is not active"
	case ReasonAccountSuspended:
		return "Account suspended"
	case ReasonNoActivePlan:
		return "No active plan"
	case ReasonPlanNotStarted:
		return planStartsPrefix + v.Coworker.PlanStart.Format(time.DateOnly)
	case ReasonPlanExpired:
		return planExpiredPrefix + v.Coworker.PlanEnd.Format(time.DateOnly)
	case ReasonLocationNotAllowed:
		return fmt.Sprintf("Plan %s does not include %s", v.Tariff.Name, v.Business.Name)
	case ReasonOutsideAllowedHours:
		return hoursPrefix + describeHours(v.Tariff.AccessHours) + ")"
	case ReasonCheckinLimitReached:
		return fmt.Sprintf(limitFormat, limit)
	case ReasonUnpaidInvoices:
		return "Unpaid invoices"
	}
	return reason
}

// describeHours writes windows as "Mon-Fri 08:00-19:00, Sat 10:00-14:00".
func describeHours(windows []AccessHours) string {
	parts := make([]string, 0, len(windows))
	for _, w := range windows {
		parts = append(parts, describeDays(w.Days)+" "+clock(w.From)+"-"+clock(w.To))
	}
	return strings.Join(parts, ", ")
}

// describeDays writes days Monday first, runs of three or more as ranges.
func describeDays(days []time.Weekday) string {
	var on [7]bool
	for _, d := range days {
		on[(d+6)%7] = true // Monday = 0
	}
	var parts []string
	for i := 0; i < 7; {
		if !on[i] {
			i++
			continue
		}
		j := i
		for j+1 < 7 && on[j+1] {
			j++
		}
		name := func(k int) string { return dayNames[(k+1)%7] }
		switch {
		case j-i >= 2:
			parts = append(parts, name(i)+"-"+name(j))
		case j > i:
			parts = append(parts, name(i), name(j))
		default:
			parts = append(parts, name(i))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// FailedCheckin returns the record of a refused attempt, filled from the
// directory as it was when judged. Id, UniqueId and CreatedOn are the
// store's to assign.
func (v *Verdict) FailedCheckin(a *Attempt) *FailedCheckin {
	reason := v.Reason
	r := &FailedCheckin{
		BusinessID: v.Business.ID, BusinessName: v.Business.Name,
		CheckinAttemptTime: a.FromTime.UTC(), CheckinAttemptTimeLocal: v.Local,
		Source: a.Source, MacAddresses: a.MacAddresses, Description: v.Description, Reason: &reason,
	}
	switch {
	case v.Coworker != nil:
		id := v.Coworker.ID
		r.CoworkerID, r.CoworkerFullName = &id, v.Coworker.FullName
		r.Teams = strings.Join(v.Coworker.Teams, ", ")
	case a.CoworkerID != nil:
		// UnknownCoworker: keep the id the device sent, so the refusal
		// can be traced; there is no name to record.
		id := *a.CoworkerID
		r.CoworkerID = &id
	}
	if v.Tariff != nil {
		r.Tariff = v.Tariff.Name
	}
	return r
}

// Checkin returns the record of an accepted attempt, open (no ToTime).
func (v *Verdict) Checkin(a *Attempt) *Checkin {
	c := &Checkin{
		CoworkerID: v.Coworker.ID, CoworkerFullName: v.Coworker.FullName,
		BusinessID: v.Business.ID, BusinessName: v.Business.Name, Source: a.Source,
		FromTime: a.FromTime.UTC(), FromTimeLocal: v.Local, MacAddresses: a.MacAddresses,
		Teams: strings.Join(v.Coworker.Teams, ", "),
	}
	if v.Tariff != nil {
		c.Tariff = v.Tariff.Name
	}
	return c
}

// DescribeHours writes access hours as the refusals' descriptions do
// ("Mon-Fri 08:00-19:00"), for pages that show a plan; "at any time" for
// none.
func DescribeHours(windows []AccessHours) string {
	if len(windows) == 0 {
		return "at any time"
	}
	return describeHours(windows)
}
