package demo

import (
	"reflect"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestHistory: the same seed gives the same attempts, in time order,
// inside the window, every location has a real time zone, and judged by
// the evaluator the attempts produce acceptances and every refusal reason.
func TestHistory(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	d, as, err := History(7, 20_000, now)
	if err != nil {
		t.Fatal(err)
	}
	_, again, _ := History(7, 20_000, now)
	if !reflect.DeepEqual(as, again) {
		t.Error("History(7, ...) twice gave different attempts")
	}
	for _, b := range d.Businesses {
		if b.Location() == time.UTC && b.TimeZone != "UTC" {
			t.Errorf("business %d %q: time zone %q not loaded", b.ID, b.Name, b.TimeZone)
		}
	}
	from := now.AddDate(0, -HistoryMonths, 0)
	monthly := map[[2]int64]int{}
	reasons := map[string]int{}
	for i, a := range as {
		if a.FromTime.Before(from) || !a.FromTime.Before(now) || i > 0 && a.FromTime.Before(as[i-1].FromTime) {
			t.Fatalf("attempt %d at %v: outside [%v, %v) or out of order", i, a.FromTime, from, now)
		}
		if err := a.Validate(now); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		v, err := fc.Evaluate(d, a, func(c int64, f, _ time.Time) (int, error) { return monthly[[2]int64{c, f.Unix()}], nil })
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if v.Accepted() {
			f, _ := fc.MonthBounds(a.FromTime.In(v.Business.Location()))
			monthly[[2]int64{v.Coworker.ID, f.Unix()}]++
		}
		reasons[v.Reason]++
	}
	for _, r := range []string{"", fc.ReasonUnrecognisedDevice, fc.ReasonUnknownCoworker, fc.ReasonAccountInactive,
		fc.ReasonAccountSuspended, fc.ReasonNoActivePlan, fc.ReasonPlanNotStarted, fc.ReasonPlanExpired,
		fc.ReasonLocationNotAllowed, fc.ReasonOutsideAllowedHours, fc.ReasonCheckinLimitReached, fc.ReasonUnpaidInvoices} {
		if reasons[r] == 0 {
			t.Errorf("no attempt judged %q; reasons %v", r, reasons)
		}
	}
	if share := float64(len(as)-reasons[""]) / float64(len(as)); share < 0.3 || share > 0.6 {
		t.Errorf("refused share %.2f; want 0.3-0.6 (the demo loader draws for about 0.4)", share)
	}
}
