package console

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// recordView is a record as the pages show it: every time with its zone.
type recordView struct {
	ID                          int64
	UniqueID                    string
	Coworker, CoworkerID        string
	Location                    string
	BusinessID                  int64
	LocalTime, UTCTime          string
	LocalISO, UTCISO            string // machine-readable, for <time datetime>
	Source, Reason, Description string
	MacAddresses, Teams, Tariff string
	CreatedOn, UpdatedOn        string
	UpdatedBy, SystemID         string
	// ResolvedBy is the check-in that resolved the refusal and ResolvedOn
	// when (docs/checkins.md#did-they-get-in-anyway); both "" when it is
	// not resolved.
	ResolvedBy, ResolvedOn string

	rec *fc.FailedCheckin // for Explanation, which only the record page asks for
}

// Explanation is what the record's Reason means, what staff can do and
// what to tell the member, filled with the record's values
// (docs/checkins.md#what-to-do-about-each-reason); nil without a known
// reason. A method, so the list page never pays for it.
func (v recordView) Explanation() *fc.ReasonExplanation {
	if v.rec == nil {
		return nil
	}
	return fc.Explain(v.rec)
}

// viewRecord formats r. The local time is a wall clock with no zone of
// its own; its offset from UTC at that moment is shown beside it, so
// "10:30 (UTC+01:00)" cannot be misread.
func viewRecord(r *fc.FailedCheckin) recordView {
	opt := func(s *string) string {
		if s == nil {
			return "—"
		}
		return *s
	}
	v := recordView{
		ID: r.ID, UniqueID: r.UniqueID, Coworker: r.CoworkerFullName, CoworkerID: "—",
		Location: r.BusinessName, BusinessID: r.BusinessID,
		LocalTime: formatLocal(r.CheckinAttemptTimeLocal, r.CheckinAttemptTime), UTCTime: formatUTC(r.CheckinAttemptTime),
		LocalISO: r.CheckinAttemptTimeLocal.Format("2006-01-02T15:04:05"), UTCISO: r.CheckinAttemptTime.UTC().Format(time.RFC3339),
		Source: r.Source.String(), Reason: opt(r.Reason), Description: r.Description,
		MacAddresses: r.MacAddresses, Teams: r.Teams, Tariff: r.Tariff,
		CreatedOn: formatUTC(r.CreatedOn), UpdatedOn: formatUTC(r.UpdatedOn),
		UpdatedBy: opt(r.UpdatedBy), SystemID: opt(r.SystemID), rec: r,
	}
	if r.CoworkerID != nil {
		v.CoworkerID = strconv.FormatInt(*r.CoworkerID, 10)
	}
	if r.ResolvedByCheckinID != nil && r.ResolvedOn != nil {
		v.ResolvedBy, v.ResolvedOn = strconv.FormatInt(*r.ResolvedByCheckinID, 10), formatUTC(*r.ResolvedOn)
	}
	return v
}

func formatUTC(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" }

// formatLocal writes the wall clock and its offset from utc.
func formatLocal(wall, utc time.Time) string {
	off := wall.Sub(utc.UTC()).Round(time.Minute)
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("%s (UTC%s%02d:%02d)", wall.Format("2006-01-02 15:04:05"), sign, int(off.Hours()), int(off.Minutes())%60)
}

// templateFuncs are the helpers the templates use.
var templateFuncs = template.FuncMap{
	"formValue": func(v map[string][]string, name string) string {
		if vs := v[name]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	},
	"list":      func(items ...string) []string { return items },
	"thousands": thousands,
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
