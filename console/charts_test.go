package console_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestChartsOfAHugeSelection: a selection of more than fc.MaxStatsGroups
// coworkers and day-reason groups (12,000 records over 2,000 days, each
// its own coworker) was a 500, because the charts asked for every group.
// The page now answers, saying honestly what the charts leave out.
func TestChartsOfAHugeSelection(t *testing.T) {
	e := newEnv(t)
	const n, days = 12_000, 2_000
	reasons := []string{"PlanExpired", "InvoiceUnpaid", "NoAccessHours", "NotValidAtLocation", "UnknownDevice", "MonthlyLimit"}
	base := e.records[0]
	records := make([]*fc.FailedCheckin, n)
	for i := range records {
		r := *base
		r.ID = 0
		r.UniqueID = fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i+1)
		r.CoworkerID, r.CoworkerFullName = new(int64(1_000_000+i)), fmt.Sprintf("Coworker %d", i)
		r.Reason = new(reasons[i/days%len(reasons)])
		r.CheckinAttemptTime = base.CheckinAttemptTime.AddDate(0, 0, -(i % days))
		r.CheckinAttemptTimeLocal = base.CheckinAttemptTimeLocal.AddDate(0, 0, -(i % days))
		records[i] = &r
	}
	if _, err := e.db.CreateFailedCheckins(context.Background(), func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatalf("CreateFailedCheckins: %v", err)
	}
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	code, body := get(t, c, e.srv.URL+"/console/failedcheckins")
	if code != http.StatusOK {
		t.Fatalf("GET /console/failedcheckins over %d coworkers = %d; want 200", n, code)
	}
	top := regexp.MustCompile(`Top 10 of ([0-9,]+) coworkers`).FindStringSubmatch(body)
	if top == nil {
		t.Fatalf("the coworkers chart does not say \"Top 10 of N coworkers\"")
	}
	if got, min := strings.ReplaceAll(top[1], ",", ""), fmt.Sprint(n); len(got) < len(min) || (len(got) == len(min) && got < min) {
		t.Errorf("coworkers chart says top 10 of %s; want at least %d", top[1], n)
	}
	if !regexp.MustCompile(`The latest 366 of [0-9,]+ days with failures`).MatchString(body) {
		t.Errorf("the per-day chart does not say which days it shows")
	}
	// The selection narrowed to one reason: its days are exact.
	code, body = get(t, c, e.srv.URL+"/console/failedcheckins?FailedCheckin_Reason=MonthlyLimit&FailedCheckin_Business="+fmt.Sprint(base.BusinessID))
	if code != http.StatusOK || !strings.Contains(body, "Top 10 of") {
		t.Errorf("GET one reason = %d; want 200 with a top-10 chart", code)
	}
}
