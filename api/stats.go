package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// statsJSON is the answer of GET /api/spaces/failedcheckins/stats.
type statsJSON struct {
	GroupBy    []string         `json:"GroupBy"`
	TotalItems int64            `json:"TotalItems"`
	Groups     []statsGroupJSON `json:"Groups"`
}

// statsGroupJSON is one group: its keys under the grouping names (a
// location also gets "BusinessName", a coworker "CoworkerFullName") and
// "Count" last. It keeps the keys in the order of groupBy, which a map
// would not.
type statsGroupJSON struct {
	names  []string
	values []any
}

// MarshalJSON writes the group as one object, fields in order.
func (g statsGroupJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range g.names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		v, err := json.Marshal(g.values[i])
		if err != nil {
			return nil, fmt.Errorf("stats group: %w", err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// toStatsJSON converts a statistic to its wire shape.
// A coworker's label is their name, which a masked caller sees as
// initials (fc.Caller.MaskName).
func toStatsJSON(res *fc.StatsResult, caller *fc.Caller) statsJSON {
	out := statsJSON{TotalItems: res.Total, Groups: make([]statsGroupJSON, 0, len(res.Groups))}
	for _, g := range res.GroupBy {
		out.GroupBy = append(out.GroupBy, string(g))
	}
	for _, grp := range res.Groups {
		var j statsGroupJSON
		for i, g := range res.GroupBy {
			j.names = append(j.names, string(g))
			j.values = append(j.values, statsKeyValue(g, grp.Keys[i]))
			switch g {
			case fc.GroupByBusiness:
				j.names, j.values = append(j.names, "BusinessName"), append(j.values, grp.Labels[i])
			case fc.GroupByCoworker:
				j.names, j.values = append(j.names, "CoworkerFullName"), append(j.values, caller.MaskName(grp.Labels[i]))
			}
		}
		j.names, j.values = append(j.names, "Count"), append(j.values, grp.Count)
		out.Groups = append(out.Groups, j)
	}
	return out
}

// statsKeyValue is a key as JSON: null, a string (Reason, Day), a
// boolean (Resolved) or a number.
func statsKeyValue(g fc.StatsGroupBy, k fc.StatsKey) any {
	switch {
	case k.Null:
		return nil
	case g == fc.GroupByReason || g == fc.GroupByDay:
		return k.Text
	case g == fc.GroupByResolved:
		return k.Int != 0
	}
	return k.Int
}

// failedCheckinStats serves GET /api/spaces/failedcheckins/stats: exact
// counts per group of the records the search filters select. groupBy takes
// one grouping or two (Day,Reason). Paging and sorting parameters are
// parsed like a search's and ignored.
func (s *Server) failedCheckinStats(w http.ResponseWriter, r *http.Request) {
	groupBy, err := parseGroupBy(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := searchparams.FailedCheckins.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.reports == nil {
		s.writeError(w, r, fmt.Errorf("store %T cannot count", s.store))
		return
	}
	caller := callerFrom(r.Context())
	sq, err := caller.RestrictStats(fc.StatsQuery{Conditions: q.Conditions, GroupBy: groupBy})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.reports.CountFailedCheckins(r.Context(), sq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit.SetPage(r.Context(), len(res.Groups), res.Total) // groups returned, of the records counted
	writeJSON(w, http.StatusOK, toStatsJSON(res, caller))
}

// parseGroupBy reads groupBy: one or two grouping names, case-insensitive,
// comma-separated.
func parseGroupBy(rawQuery string) ([]fc.StatsGroupBy, error) {
	value, err := searchparams.ParamFold(rawQuery, "groupBy", "")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(fc.StatsGroupings()))
	for _, g := range fc.StatsGroupings() {
		names = append(names, string(g))
	}
	bad := func(msg string) error {
		return fc.InvalidFields([]fc.FieldError{{Property: "groupBy", Message: msg, AttemptedValue: value}})
	}
	if value == "" {
		return nil, bad("is required: one of " + strings.Join(names, ", ") + ", or two of them like Day,Reason")
	}
	var out []fc.StatsGroupBy
	for _, item := range searchparams.SplitList(value) {
		g, ok := fc.ParseStatsGroupBy(item)
		if !ok {
			return nil, bad("must be one of " + strings.Join(names, ", ") + ", or two of them like Day,Reason")
		}
		out = append(out, g)
	}
	q := fc.StatsQuery{GroupBy: out}
	if err := q.Validate(); err != nil {
		return nil, bad("must name one or two different groupings, like Day or Day,Reason")
	}
	return out, nil
}
