package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
)

// listData fills the records page.
type listData struct {
	Form      url.Values // the filter as given, to refill the form
	Locations []option
	Sources   []option
	Errors    []fc.FieldError
	Records   []recordView
	Columns   []sortLink
	Paging    paging
	Charts    []chart
	ExportURL string
	StreamURL string // the live view's stream (Stream), with this filter
	Query     string // the console query, carried to the detail page and back
	// Masked hides the filters by personal fields, which a user who sees
	// them masked may not use (fc.Caller.Restrict).
	Masked bool
}

// option is one choice of a select element.
type option struct {
	Value, Label string
	Selected     bool
}

// listPage serves GET /console/failedcheckins: the filter form, charts of
// the selection and one page of the table. The filter lives in the URL
// (a GET form), so a view can be bookmarked and shared.
func (c *Console) listPage(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	v := r.URL.Query()
	d := listData{Form: v, Query: r.URL.RawQuery, Sources: sourceOptions(v.Get("FailedCheckin_Source")), Masked: s.caller.MasksPersonalData()}
	var err error
	if d.Locations, err = c.locationOptions(r, s.caller.Scope, v.Get("FailedCheckin_Business")); err != nil {
		c.internalError(w, r, err)
		return
	}
	q, err := parseQuery(v)
	if err == nil {
		q, err = s.caller.Restrict(q) // a masked user's filter by a personal field is a 403
	}
	var fe *fc.Error
	if errors.As(err, &fe) && (fe.Code == fc.ErrInvalid || fe.Code == fc.ErrForbidden) {
		d.Errors = fe.Fields
		if len(d.Errors) == 0 {
			d.Errors = []fc.FieldError{{Message: fe.Message}}
		}
		status := http.StatusBadRequest
		if fe.Code == fc.ErrForbidden {
			status = http.StatusForbidden
		}
		c.render(w, r, status, "list", pageData{Title: "Failed check-ins", Body: d})
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	page, err := c.cfg.Store.FindFailedCheckins(r.Context(), q)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	audit.SetPage(r.Context(), len(page.Records), page.TotalItems)
	for _, rec := range page.Records {
		d.Records = append(d.Records, viewRecord(s.caller.MaskFailedCheckin(rec)))
	}
	d.Columns = sortLinks(v, q, d.Masked)
	d.Paging = pagingFor(v, q, page.TotalItems, len(page.Records))
	d.ExportURL = "/console/failedcheckins/export?" + with(v, "format", "csv", "page", "", "size", "")
	d.StreamURL = "/console/failedcheckins/stream?" + with(v, "page", "", "size", "", "orderBy", "", "dir", "")
	if d.Charts, err = c.charts(r, q, s.caller); err != nil {
		c.internalError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "list", pageData{Title: "Failed check-ins", Body: d})
}

// locationOptions lists the locations the caller may see (those that have
// records), by name; the selected one is kept even if it has none.
func (c *Console) locationOptions(r *http.Request, scope fc.Scope, selected string) ([]option, error) {
	res, err := c.cfg.Store.CountFailedCheckins(r.Context(), fc.StatsQuery{Scope: scope, GroupBy: []fc.StatsGroupBy{fc.GroupByBusiness}, Limit: fc.MaxStatsGroups})
	if err != nil {
		return nil, err
	}
	opts := []option{{Value: "", Label: "All my locations", Selected: selected == ""}}
	for _, g := range res.Groups {
		id := strconv.FormatInt(g.Keys[0].Int, 10)
		opts = append(opts, option{Value: id, Label: g.Labels[0] + " (" + id + ")", Selected: id == selected})
	}
	return opts, nil
}

func sourceOptions(selected string) []option {
	opts := []option{{Value: "", Label: "Any source", Selected: selected == ""}}
	for _, s := range fc.Sources() {
		opts = append(opts, option{Value: s.String(), Label: s.String(), Selected: s.String() == selected})
	}
	return opts
}

// detailPage serves GET /console/failedcheckins/{id}: every field of one
// record the caller may see; any other id is a 404, as in the API.
func (c *Console) detailPage(w http.ResponseWriter, r *http.Request) {
	if rec, ok := c.findRecord(w, r); ok {
		c.renderRecord(w, r, rec, nil)
	}
}

// findRecord reads the record of the path's id through the session's
// scope, as the session may see it (masked for a masked user); when there
// is none (or it lies outside the scope) it answers the 404 page itself
// and returns false.
func (c *Console) findRecord(w http.ResponseWriter, r *http.Request) (*fc.FailedCheckin, bool) {
	rec, ok := c.findRecordUnmasked(w, r)
	if !ok {
		return nil, false
	}
	return sessionFrom(r.Context()).caller.MaskFailedCheckin(rec), true
}

// findRecordUnmasked is findRecord without the masking, for a use that
// shows nothing of the record itself (the dry run judges its identity);
// whatever of it reaches a page must be masked by the caller.
func (c *Console) findRecordUnmasked(w http.ResponseWriter, r *http.Request) (*fc.FailedCheckin, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		c.errorPage(w, r, http.StatusNotFound, "There is no such record.")
		return nil, false
	}
	caller := sessionFrom(r.Context()).caller
	rec, err := c.cfg.Store.FindFailedCheckinByID(r.Context(), caller.Scope, id)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		c.errorPage(w, r, http.StatusNotFound, "There is no such record, or it belongs to a location you cannot see.")
		return nil, false
	}
	if err != nil {
		c.internalError(w, r, err)
		return nil, false
	}
	return rec, true
}

// detailData fills the record page.
type detailData struct {
	Record      recordView
	Back        string // the list, with the filter the record was opened from
	BackQuery   string // that filter, carried by the evaluate form
	CanEvaluate bool   // the "would they get in now?" form is offered
	Evaluation  *evaluationView
}

// renderRecord shows rec's page, with the dry run's answer when ev is set.
func (c *Console) renderRecord(w http.ResponseWriter, r *http.Request, rec *fc.FailedCheckin, ev *evaluationView) {
	back := "/console/failedcheckins"
	q := r.URL.Query().Get("back")
	if q != "" {
		back += "?" + q
	}
	c.render(w, r, http.StatusOK, "detail", pageData{Title: "Failed check-in " + strconv.FormatInt(rec.ID, 10),
		Body: detailData{Record: viewRecord(rec), Back: back, BackQuery: q,
			CanEvaluate: c.canEvaluate(sessionFrom(r.Context())), Evaluation: ev}})
}

// Stream is the list page's live view (api.Console.Stream): the API's own
// stream of FailedCheckins (serve), for the signed-in user with their
// scope, under the filter of the page's form. The session and the role
// are checked as for the list page, but a visitor without them gets a
// plain 401 or 403 rather than the sign-in page: an EventSource cannot
// follow a redirect to a form. Paging and sorting, which the form carries
// for the table, mean nothing to a stream and are dropped; the rest is
// the list page's filter (APIQuery), judged by the API's parser.
//
// The stream checks the session again every so often (recheck): it ends
// when the session expires or is ended, or its user is disabled, deleted
// or loses the role, and follows a change of the user's locations.
func (c *Console) Stream(serve func(http.ResponseWriter, *http.Request, *fc.Caller, func() (*fc.Caller, error), string)) http.Handler {
	return c.page(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := c.loadSession(r)
		switch {
		case err != nil:
			c.internalError(w, r, err)
			return
		case s == nil:
			c.errorPage(w, r, http.StatusUnauthorized, "Sign in to follow the records live.")
			return
		case !s.caller.HasRole(fc.RoleFailedCheckinList):
			c.errorPage(w, r, http.StatusForbidden, "You need the "+fc.RoleFailedCheckinList+" role for this page.")
			return
		}
		v := r.URL.Query()
		if _, err := parseQuery(v); err != nil && fc.ErrorCode(err) == fc.ErrInvalid {
			c.errorPage(w, r, http.StatusBadRequest, "The filter is not valid: "+fc.ErrorMessage(err))
			return
		}
		for _, p := range []string{"page", "size", "orderBy", "dir"} {
			v.Del(p)
		}
		audit.SetUser(r.Context(), s.user.Email) // the stream's audit entries (package audit)
		recheck := func() (*fc.Caller, error) {
			s, err := c.loadSession(r)
			if s == nil || err != nil {
				return nil, err
			}
			return s.caller, nil
		}
		serve(w, r, s.caller, recheck, APIQuery(v))
	}))
}
