package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
)

// timelineSize is how many attempts of each kind the coworker page reads:
// the newest, which is what someone asking "why can't Ana get in?" needs.
const timelineSize = 50

// attemptView is one attempt on a coworker's timeline.
type attemptView struct {
	at                time.Time
	LocalTime, UTCISO string
	Location          string
	BusinessID        int64
	Accepted          bool
	ID                int64 // the FailedCheckin's or the Checkin's
	Reason            string
	Description       string
}

// coworkerDirectoryView is the directory's current view of a coworker.
type coworkerDirectoryView struct {
	Name, Email                       string
	Active, Suspended, UnpaidInvoices bool
	Plan, PlanStart, PlanEnd, Hours   string
	Locations                         string
	Limit                             int
	Used                              int
	Month                             string // the local month of Used, with its location
	Teams, MacAddresses, AccessCards  string
}

// coworkerData fills the coworker page.
type coworkerData struct {
	ID              int64
	Name            string
	Timeline        []attemptView
	ShowsAccepted   bool // the caller may search check-ins
	Directory       *coworkerDirectoryView
	NotInDirectory  bool
	CanSeeDirectory bool
	// Locations are those of the directory the user may see, for the
	// "would they get in now?" form; Evaluation is its answer.
	Locations  []option
	Evaluation *evaluationView
}

// coworkerPage serves GET /console/coworkers/{id}: the coworker's refused
// attempts in the session's scope, newest first, with their accepted
// check-ins when the user also holds Checkin-List, and the directory's
// current view of them (plan, hours, check-ins used this month) for users
// with Checkin-Evaluate, who can ask the API the same
// (docs/checkins.md#in-the-console). A coworker with nothing the user may
// see is a 404.
func (c *Console) coworkerPage(w http.ResponseWriter, r *http.Request) {
	if d, ok := c.coworker(w, r, 0); ok {
		c.render(w, r, http.StatusOK, "coworker", pageData{Title: "Coworker " + strconv.FormatInt(d.ID, 10), Body: d})
	}
}

// evaluateCoworker serves POST /console/coworkers/{id}/evaluate: the
// coworker's page with the dry run of the coworker at the form's location
// now, for users who may evaluate. As on a record: the CSRF token first,
// the role, then the location through the session's scope (another
// location is a 404 and nothing is evaluated).
func (c *Console) evaluateCoworker(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	if !s.validCSRF(r) {
		c.errorPage(w, r, http.StatusForbidden, "The form was not sent from this console (missing or wrong CSRF token). Nothing was evaluated.")
		return
	}
	if !c.canEvaluate(s) {
		c.errorPage(w, r, http.StatusForbidden, "You need the "+fc.RoleCheckinEvaluate+" role to check whether someone would get in.")
		return
	}
	loc, err := strconv.ParseInt(r.PostFormValue("location"), 10, 64)
	if err != nil || loc < 1 || !s.caller.Scope.Allows(loc) {
		c.errorPage(w, r, http.StatusNotFound, "There is no such location, or it is one you cannot see.")
		return
	}
	d, ok := c.coworker(w, r, loc)
	if !ok {
		return
	}
	id := d.ID
	if d.Evaluation, err = c.evaluateAttempt(r, &fc.Attempt{BusinessID: loc, Source: fc.SourceDoorAccess, CoworkerID: &id,
		FromTime: c.cfg.Now().UTC().Truncate(time.Second)}); err != nil {
		c.internalError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "coworker", pageData{Title: "Coworker " + strconv.FormatInt(d.ID, 10), Body: d})
}

// coworker reads what the coworker page shows; selected is the location
// chosen in its form (0: the newest attempt's). When there is nothing to
// show it answers the 404 page itself and returns false.
func (c *Console) coworker(w http.ResponseWriter, r *http.Request, selected int64) (*coworkerData, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		c.errorPage(w, r, http.StatusNotFound, "There is no such coworker.")
		return nil, false
	}
	ctx := r.Context()
	s := sessionFrom(ctx)
	d := &coworkerData{ID: id, CanSeeDirectory: c.canEvaluate(s)}
	refused, err := c.cfg.Store.FindFailedCheckins(ctx, fc.Query{Scope: s.caller.Scope,
		Conditions: []fc.Condition{fc.In(fc.FieldCoworkerID, id)},
		OrderBy:    fc.FieldCheckinAttemptTime, Descending: true, Page: 1, Size: timelineSize})
	if err != nil {
		c.internalError(w, r, err)
		return nil, false
	}
	for _, rec := range refused.Records {
		d.Name = s.caller.MaskName(rec.CoworkerFullName)
		reason := "—"
		if rec.Reason != nil {
			reason = *rec.Reason
		}
		d.Timeline = append(d.Timeline, attemptView{at: rec.CheckinAttemptTime,
			LocalTime: formatLocal(rec.CheckinAttemptTimeLocal, rec.CheckinAttemptTime), UTCISO: rec.CheckinAttemptTime.UTC().Format(time.RFC3339),
			Location: rec.BusinessName, BusinessID: rec.BusinessID, ID: rec.ID, Reason: reason, Description: rec.Description})
	}
	if c.cfg.Checkins != nil && s.caller.HasRole(fc.RoleCheckinList) {
		d.ShowsAccepted = true
		page, err := c.cfg.Checkins.FindCheckins(ctx, fc.Query{Scope: s.caller.Scope,
			Conditions: []fc.Condition{fc.In(fc.FieldCoworkerID, id)},
			OrderBy:    fc.FieldFromTime, Descending: true, Page: 1, Size: timelineSize})
		if err != nil {
			c.internalError(w, r, err)
			return nil, false
		}
		for _, ck := range page.Records {
			if d.Name == "" {
				d.Name = s.caller.MaskName(ck.CoworkerFullName)
			}
			d.Timeline = append(d.Timeline, attemptView{at: ck.FromTime, Accepted: true,
				LocalTime: formatLocal(ck.FromTimeLocal, ck.FromTime), UTCISO: ck.FromTime.UTC().Format(time.RFC3339),
				Location: ck.BusinessName, BusinessID: ck.BusinessID, ID: ck.ID})
		}
	}
	// Newest first; at the same second, the refusal before the check-in
	// it led to.
	slices.SortStableFunc(d.Timeline, func(a, b attemptView) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return boolOrder(a.Accepted, b.Accepted)
	})
	if len(d.Timeline) > timelineSize {
		d.Timeline = d.Timeline[:timelineSize]
	}
	if d.CanSeeDirectory {
		dir, err := c.cfg.Directory.Directory(ctx)
		if err != nil {
			c.internalError(w, r, err)
			return nil, false
		}
		if selected == 0 && len(d.Timeline) > 0 {
			selected = d.Timeline[0].BusinessID
		}
		for _, b := range dir.Businesses {
			if s.caller.Scope.Allows(b.ID) {
				bid := strconv.FormatInt(b.ID, 10)
				d.Locations = append(d.Locations, option{Value: bid, Label: b.Name + " (" + bid + ")", Selected: b.ID == selected})
			}
		}
		if d.Directory, err = c.directoryView(r, dir, id, d.Timeline, s.caller); err != nil {
			c.internalError(w, r, err)
			return nil, false
		}
		if d.Directory == nil {
			d.NotInDirectory = true
		} else {
			d.Name = d.Directory.Name // the current name
		}
	}
	if len(d.Timeline) == 0 && d.Directory == nil {
		c.errorPage(w, r, http.StatusNotFound, "There is no such coworker, or none of their attempts is at a location you can see.")
		return nil, false
	}
	// The audit counts the attempts shown.
	audit.SetCount(r.Context(), int64(len(d.Timeline)))
	return d, true
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// directoryView reads the coworker from the current directory; nil when
// they are not in it. The check-ins used are counted like the monthly
// rule counts them (fc.StoredCheckinCount, every location) in the local
// month of the location of their newest attempt the user may see, or of
// the first location of their plan.
//
// A caller who sees personal data masked sees the name as initials, no
// teams, the MAC addresses and cards as fc.MaskMACs writes them and no
// email (which would name the person the initials hide).
func (c *Console) directoryView(r *http.Request, dir *fc.Directory, id int64, timeline []attemptView, caller *fc.Caller) (*coworkerDirectoryView, error) {
	cw := dir.Coworker(id)
	if cw == nil {
		return nil, nil
	}
	v := &coworkerDirectoryView{Name: caller.MaskName(cw.FullName), Email: cw.Email, Active: cw.Active, Suspended: cw.Suspended, UnpaidInvoices: cw.UnpaidInvoices,
		Plan: "none", PlanStart: "—", PlanEnd: "open-ended", Teams: caller.MaskTeams(strings.Join(cw.Teams, ", ")),
		MacAddresses: caller.MaskMACs(strings.Join(cw.MacAddresses, ", ")), AccessCards: caller.MaskMACs(strings.Join(cw.AccessCards, ", "))}
	if caller.MasksPersonalData() {
		v.Email = "(masked)"
	}
	if !cw.PlanStart.IsZero() {
		v.PlanStart = cw.PlanStart.Format(time.DateOnly)
	}
	if cw.PlanEnd != nil {
		v.PlanEnd = cw.PlanEnd.Format(time.DateOnly)
	}
	if cw.TariffID == nil {
		return v, nil
	}
	t := dir.Tariff(*cw.TariffID)
	if t == nil {
		return v, nil
	}
	v.Plan = t.Name + " (tariff " + strconv.FormatInt(t.ID, 10) + ")"
	v.Hours = fc.DescribeHours(t.AccessHours)
	v.Locations = "every location"
	if len(t.Businesses) > 0 {
		names := make([]string, 0, len(t.Businesses))
		for _, b := range t.Businesses {
			if bb := dir.Business(b); bb != nil {
				names = append(names, bb.Name)
			}
		}
		v.Locations = strings.Join(names, ", ")
	}
	v.Limit = t.MonthlyCheckinLimit
	if v.Limit == 0 {
		return v, nil
	}
	var b *fc.Business
	if len(timeline) > 0 {
		b = dir.Business(timeline[0].BusinessID)
	}
	if b == nil && len(t.Businesses) > 0 {
		b = dir.Business(t.Businesses[0])
	}
	loc, where := time.UTC, "UTC"
	if b != nil {
		loc, where = b.Location(), b.Name
	}
	now := c.cfg.Now().In(loc)
	from, until := fc.MonthBounds(now)
	var err error
	if v.Used, err = fc.StoredCheckinCount(r.Context(), c.cfg.Checkins)(id, from, until); err != nil {
		return nil, err
	}
	v.Month = now.Format("January 2006") + " at " + where
	return v, nil
}
