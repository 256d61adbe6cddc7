package console

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestReasonHintUsesTheCodes holds the reason filter's hint on the list
// page to the codes as they are stored and matched (issue 18 item 21: it
// suggested PLAN_EXPIRED, which matches nothing).
func TestReasonHintUsesTheCodes(t *testing.T) {
	page, err := templateFiles.ReadFile("templates/list.html")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Reason codes <span class="hint">\(e\.g\. ([^)]*)\)`).FindSubmatch(page)
	if m == nil {
		t.Fatal("list.html has no reason codes hint")
	}
	codes := []string{fc.ReasonUnrecognisedDevice, fc.ReasonUnknownCoworker, fc.ReasonAccountInactive,
		fc.ReasonAccountSuspended, fc.ReasonNoActivePlan, fc.ReasonPlanNotStarted, fc.ReasonPlanExpired,
		fc.ReasonLocationNotAllowed, fc.ReasonOutsideAllowedHours, fc.ReasonCheckinLimitReached, fc.ReasonUnpaidInvoices}
	for item := range strings.SplitSeq(string(m[1]), ",") {
		if item != "null" && !slices.Contains(codes, item) {
			t.Errorf("the hint suggests %q, which is not a reason code as written (%s)", item, strings.Join(codes, ", "))
		}
	}
}
