package failedcheckins

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ReasonExplanation says, for one reason code, what happened, what staff
// can do about it and what to tell the member
// (docs/checkins.md#what-to-do-about-each-reason). The catalogue
// (Reasons) holds the texts with {Placeholders}; Explain fills them with
// the values of one record.
type ReasonExplanation struct {
	Code          string
	Title         string
	Explanation   string
	StaffAction   string
	MemberMessage string
}

// ExplainValues are the values an explanation is filled with. An empty
// value is unknown (imported history, a Description in another form): the
// texts are then worded without it.
type ExplainValues struct {
	CoworkerFullName string
	CoworkerID       string
	BusinessName     string
	Tariff           string
	PlanStart        string // "1 April 2026"
	PlanEnd          string
	AccessHours      string // "Mon-Fri 08:00-19:00"
	Limit            string
	MacAddresses     string
	AttemptTimeLocal string // "Sat 7 Feb 2026 10:00"
}

// placeholders are the catalogue's values: each the name of its field in
// braces, as docs/checkins.md lists them.
var placeholders = ExplainValues{
	CoworkerFullName: "{CoworkerFullName}", CoworkerID: "{CoworkerId}", BusinessName: "{BusinessName}",
	Tariff: "{Tariff}", PlanStart: "{PlanStart}", PlanEnd: "{PlanEnd}", AccessHours: "{AccessHours}",
	Limit: "{Limit}", MacAddresses: "{MacAddresses}", AttemptTimeLocal: "{AttemptTimeLocal}",
}

// reasonTexts are written once per code; each text is a function of the
// values so that a missing value changes the wording rather than leaving a
// hole.
type reasonTexts struct {
	title                              string
	explanation, staffAction, toMember func(v ExplainValues) string
}

// opt returns format with v in it, or "" when v is unknown.
func opt(format, v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf(format, v)
}

// or returns v, or the words for an unknown value.
func or(v, unknown string) string {
	if v == "" {
		return unknown
	}
	return v
}

var catalogue = map[string]reasonTexts{
	ReasonUnrecognisedDevice: {"Unrecognised device or card",
		func(v ExplainValues) string {
			return "The door or network saw a device" + opt(" (MAC address %s)", v.MacAddresses) +
				" or an access card that no member in the directory owns, so it could not tell who was trying to get in. " +
				"It is usually a member's new phone or laptop, a replaced card, or a visitor."
		},
		func(v ExplainValues) string {
			return "Find out whose device or card it is: ask at the front desk" + opt(" who tried to get in at %s", v.AttemptTimeLocal) +
				". If it belongs to a member, add the MAC address to their MacAddresses (or the card to their AccessCards) in the directory and import it. " +
				"If nobody claims it and attempts repeat, treat it as a security matter."
		},
		func(v ExplainValues) string {
			return "We don't recognise this device or card. If you are a member, please show it at the front desk and we will add it to your account."
		}},
	ReasonUnknownCoworker: {"Unknown member",
		func(v ExplainValues) string {
			return "The device sent the member id " + or(v.CoworkerID, "of a coworker") +
				", but no coworker with that id is in the directory: the member was removed, the id is wrong in the device or app, " +
				"or the directory was not imported after they joined."
		},
		func(v ExplainValues) string {
			return "Look up member " + or(v.CoworkerID, "id") + " in your member system. If they are a current member, add them to the directory " +
				"(or import it again); if the id is wrong, correct the device or app that sent it."
		},
		func(v ExplainValues) string {
			return "We couldn't find your membership. Please speak to the front desk so we can check your account."
		}},
	ReasonAccountInactive: {"Account not active",
		func(v ExplainValues) string {
			return "The account of " + or(v.CoworkerFullName, "the member") + " is marked inactive in the directory (Active is false). " +
				"An inactive account cannot check in anywhere, whatever its plan."
		},
		func(v ExplainValues) string {
			return "Check whether " + or(v.CoworkerFullName, "the member") + " is still a member. If so, set Active to true and import the directory; " +
				"if they have left, nothing needs fixing, but tell them how to rejoin if they ask."
		},
		func(v ExplainValues) string {
			return "Your account isn't active at the moment. Please contact the front desk to reactivate it."
		}},
	ReasonAccountSuspended: {"Account suspended",
		func(v ExplainValues) string {
			return "The account of " + or(v.CoworkerFullName, "the member") + " is suspended (Suspended is true), " +
				"so every check-in is refused until the suspension is lifted."
		},
		func(v ExplainValues) string {
			return "Find out why the account was suspended (your member notes) and settle it with the member privately; " +
				"then set Suspended to false and import the directory. Do not lift a suspension at the door without knowing its reason."
		},
		func(v ExplainValues) string {
			return "Your account is on hold. Please speak to the community team so we can sort it out together."
		}},
	ReasonNoActivePlan: {"No plan",
		func(v ExplainValues) string {
			return or(v.CoworkerFullName, "The member") + " has no plan in the directory (TariffId is null), and every check-in needs one."
		},
		func(v ExplainValues) string {
			return "Give " + or(v.CoworkerFullName, "the member") + " a plan (set TariffId) or sell them a day pass, then import the directory. " +
				"If their plan was cancelled on purpose, tell them what they can buy."
		},
		func(v ExplainValues) string {
			return "You don't have a plan that includes access at the moment. Ask the front desk about a plan or a day pass."
		}},
	ReasonPlanNotStarted: {"Plan not started yet",
		func(v ExplainValues) string {
			return "The plan" + opt(" %s", v.Tariff) + " of " + or(v.CoworkerFullName, "the member") + " starts" + opt(" on %s", v.PlanStart) +
				"; the attempt was earlier (by the local date" + opt(" at %s", v.BusinessName) + ")."
		},
		func(v ExplainValues) string {
			return "If the member should already have access, move PlanStart to an earlier date and import the directory; " +
				"otherwise tell them the day their access begins."
		},
		func(v ExplainValues) string {
			return "Your plan starts" + or(opt(" on %s", v.PlanStart), " later") + ". If you need access before then, please ask the front desk."
		}},
	ReasonPlanExpired: {"Plan expired",
		func(v ExplainValues) string {
			return "The plan" + opt(" %s", v.Tariff) + " of " + or(v.CoworkerFullName, "the member") + " ended" + opt(" on %s", v.PlanEnd) +
				"; the attempt was later (by the local date" + opt(" at %s", v.BusinessName) + ")."
		},
		func(v ExplainValues) string {
			return "If the member is staying, renew the plan (extend PlanEnd, or give them a new plan) and import the directory; " +
				"if not, offer a day pass."
		},
		func(v ExplainValues) string {
			return "Your plan ended" + opt(" on %s", v.PlanEnd) + "; ask the front desk to renew it."
		}},
	ReasonLocationNotAllowed: {"Location not in the plan",
		func(v ExplainValues) string {
			return "The plan" + opt(" %s", v.Tariff) + " of " + or(v.CoworkerFullName, "the member") + " does not include " +
				or(v.BusinessName, "this location") + ": a plan is valid only at the locations its Businesses list."
		},
		func(v ExplainValues) string {
			return "If the member should use " + or(v.BusinessName, "this location") + ", add it to the plan" + opt(" %s", v.Tariff) +
				" or move them to a plan that includes it; otherwise point them to a location their plan covers."
		},
		func(v ExplainValues) string {
			return "Your plan" + opt(" %s", v.Tariff) + " doesn't include " + or(v.BusinessName, "this location") +
				". Ask the front desk which locations you can use, or about a plan that includes this one."
		}},
	ReasonOutsideAllowedHours: {"Outside the plan's hours",
		func(v ExplainValues) string {
			return "The attempt" + opt(" at %s", v.AttemptTimeLocal) + " (local time" + opt(" at %s", v.BusinessName) +
				") was outside the hours of the plan" + opt(" %s", v.Tariff) + opt(": %s", v.AccessHours) + "."
		},
		func(v ExplainValues) string {
			return "If the member needs access at that time, move them to a plan whose hours cover it, or widen the plan's AccessHours; " +
				"otherwise tell them when they can come in."
		},
		func(v ExplainValues) string {
			return "Your plan gives access " + or(opt("%s (local time)", v.AccessHours), "at set hours only") +
				". Please come back then, or ask the front desk about a plan with longer hours."
		}},
	ReasonCheckinLimitReached: {"Monthly limit reached",
		func(v ExplainValues) string {
			return or(v.CoworkerFullName, "The member") + " has used all " + or(v.Limit, "the") + " check-ins that the plan" + opt(" %s", v.Tariff) +
				" allows in a calendar month (counted at every location, by the month at the location)."
		},
		func(v ExplainValues) string {
			return "Offer a plan with more check-ins or a day pass, or raise the plan's MonthlyCheckinLimit; " +
				"otherwise the member can check in again from the 1st of next month."
		},
		func(v ExplainValues) string {
			return "You've used all " + or(v.Limit, "the") + " check-ins your plan includes this month. " +
				"Your allowance starts again on the 1st; ask the front desk about a day pass before then."
		}},
	ReasonUnpaidInvoices: {"Unpaid invoices",
		func(v ExplainValues) string {
			return or(v.CoworkerFullName, "The member") + " has unpaid invoices (UnpaidInvoices is true), and access is refused until they are paid."
		},
		func(v ExplainValues) string {
			return "Check the member's open invoices in your billing system and talk to them privately, not at the door. " +
				"Once paid (or if the flag is wrong), set UnpaidInvoices to false and import the directory."
		},
		func(v ExplainValues) string {
			return "There's an unpaid invoice on your account. Please settle it or speak to the front desk, and we'll restore your access."
		}},
}

// Reasons returns the catalogue: every reason code in rule order, its
// texts with {Placeholders}.
func Reasons() []ReasonExplanation {
	out := make([]ReasonExplanation, len(rules))
	for i, code := range rules {
		out[i] = explainWith(code, placeholders)
	}
	return out
}

// explainWith is the entry of code filled with v; nil for a code the
// catalogue does not know.
func explainWith(code string, v ExplainValues) ReasonExplanation {
	t := catalogue[code]
	return ReasonExplanation{Code: code, Title: t.title,
		Explanation: t.explanation(v), StaffAction: t.staffAction(v), MemberMessage: t.toMember(v)}
}

// Explain returns the catalogue entry of the record's Reason filled with
// the record's values, or nil when the record has no known reason
// (imported history).
func Explain(r *FailedCheckin) *ReasonExplanation {
	if r.Reason == nil {
		return nil
	}
	if _, ok := catalogue[*r.Reason]; !ok {
		return nil
	}
	v := describedValues(*r.Reason, r.Description)
	v.CoworkerFullName, v.BusinessName, v.Tariff, v.MacAddresses = r.CoworkerFullName, r.BusinessName, r.Tariff, r.MacAddresses
	if r.CoworkerID != nil {
		v.CoworkerID = strconv.FormatInt(*r.CoworkerID, 10)
	}
	if !r.CheckinAttemptTimeLocal.IsZero() {
		v.AttemptTimeLocal = r.CheckinAttemptTimeLocal.Format("Mon 2 Jan 2006 15:04")
	}
	e := explainWith(*r.Reason, v)
	return &e
}

// describedValues reads back the values that describe put into a
// Description (the plan dates, hours and limit of the moment, which the
// record keeps nowhere else). A Description in another form (imported
// history) yields nothing.
func describedValues(reason, desc string) ExplainValues {
	var v ExplainValues
	date := func(prefix string) string {
		d, err := time.Parse(time.DateOnly, strings.TrimPrefix(desc, prefix))
		if !strings.HasPrefix(desc, prefix) || err != nil {
			return ""
		}
		return d.Format("2 January 2006")
	}
	switch reason {
	case ReasonPlanNotStarted:
		v.PlanStart = date(planStartsPrefix)
	case ReasonPlanExpired:
		v.PlanEnd = date(planExpiredPrefix)
	case ReasonOutsideAllowedHours:
		if h, ok := strings.CutPrefix(desc, hoursPrefix); ok && strings.HasSuffix(h, ")") {
			v.AccessHours = strings.TrimSuffix(h, ")")
		}
	case ReasonCheckinLimitReached:
		var n int
		if _, err := fmt.Sscanf(desc, limitFormat, &n); err == nil && fmt.Sprintf(limitFormat, n) == desc {
			v.Limit = strconv.Itoa(n)
		}
	}
	return v
}
