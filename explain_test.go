package failedcheckins

import (
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// reasonsDocSection renders the catalogue as docs/checkins.md shows it.
func reasonsDocSection() string {
	var b strings.Builder
	for _, e := range Reasons() {
		b.WriteString("\n### `" + e.Code + "`: " + e.Title + "\n\n")
		b.WriteString("- **Explanation**: " + e.Explanation + "\n")
		b.WriteString("- **Staff action**: " + e.StaffAction + "\n")
		b.WriteString("- **Member message**: " + e.MemberMessage + "\n")
	}
	return b.String()
}

// TestReasonsCatalogue: every code, in rule order, with every text, and
// only the placeholders docs/checkins.md documents.
func TestReasonsCatalogue(t *testing.T) {
	codes := reasonConstants(t)
	got := Reasons()
	if len(got) != len(codes) {
		t.Fatalf("Reasons() has %d entries; want %d", len(got), len(codes))
	}
	known := regexp.MustCompile(`\{(CoworkerFullName|CoworkerId|BusinessName|Tariff|PlanStart|PlanEnd|AccessHours|Limit|MacAddresses|AttemptTimeLocal)\}`)
	for i, e := range got {
		if e.Code != codes[i] {
			t.Errorf("Reasons()[%d].Code = %s; want %s (rule order)", i, e.Code, codes[i])
		}
		for name, text := range map[string]string{"Title": e.Title, "Explanation": e.Explanation, "StaffAction": e.StaffAction, "MemberMessage": e.MemberMessage} {
			if len(text) < 10 && name != "Title" || text == "" {
				t.Errorf("%s: %s is %q", e.Code, name, text)
			}
			if rest := known.ReplaceAllString(text, ""); strings.ContainsAny(rest, "{}") {
				t.Errorf("%s: %s has an unknown placeholder: %q", e.Code, name, text)
			}
		}
		member := known.ReplaceAllString(e.MemberMessage, "")
		for _, jargon := range []string{"directory", "Tariff", "Active", "Suspended", "Unpaid", "Limit", "Coworker"} {
			if strings.Contains(member, jargon) {
				t.Errorf("%s: the member message speaks the staff's jargon (%s): %q", e.Code, jargon, e.MemberMessage)
			}
		}
	}
}

// TestCheckinsDocExplanations keeps docs/checkins.md's section "What to do
// about each reason" equal to the catalogue the API serves.
func TestCheckinsDocExplanations(t *testing.T) {
	data, err := os.ReadFile(checkinsDocPath)
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## What to do about each reason\n")
	if !ok {
		t.Fatalf("%s has no section \"## What to do about each reason\"", checkinsDocPath)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	_, sec, _ = strings.Cut(sec, "\n### ") // the introduction
	if want := reasonsDocSection(); "\n### "+sec != want {
		t.Errorf("%s: the entries of \"What to do about each reason\" differ from Reasons(); they should read:\n%s", checkinsDocPath, want)
	}
}

// TestExplainFillsRecord: the explanation of a record the pipeline wrote
// carries that record's values, including those only its Description
// holds, and no placeholder.
func TestExplainFillsRecord(t *testing.T) {
	d := testDirectory(t)
	tests := []struct {
		a     Attempt
		count int
		want  []string // in the filled texts
	}{
		{Attempt{BusinessID: 1001, MacAddresses: "00:11:22:33:44:55", FromTime: at("2026-02-02T10:00:00Z")}, 0, []string{"00:11:22:33:44:55", "Mon 2 Feb 2026 10:00"}},
		{Attempt{BusinessID: 1001, CoworkerID: id(99), FromTime: at("2026-02-02T10:00:00Z")}, 0, []string{"member id 99"}},
		{Attempt{BusinessID: 1001, CoworkerID: id(2), FromTime: at("2026-02-02T10:00:00Z")}, 0, []string{"Inactive"}},
		{Attempt{BusinessID: 1001, CoworkerID: id(5), FromTime: at("2026-02-02T10:00:00Z")}, 0, []string{"starts on 1 April 2026"}},
		{Attempt{BusinessID: 1001, CoworkerID: id(1), FromTime: at("2026-04-02T10:00:00Z")}, 0, []string{"Your plan ended on 31 March 2026; ask the front desk to renew it."}},
		{Attempt{BusinessID: 1007, CoworkerID: id(1), FromTime: at("2026-02-02T10:00:00Z")}, 0, []string{"Hot Desk Monthly doesn't include Location 007 – Paris"}},
		{Attempt{BusinessID: 1001, CoworkerID: id(1), FromTime: at("2026-02-07T10:00:00Z")}, 0, []string{"Mon-Fri 08:00-19:00 (local time)", "Sat 7 Feb 2026 10:00"}},
		{Attempt{BusinessID: 1007, CoworkerID: id(6), FromTime: at("2026-02-02T10:00:00Z")}, 10, []string{"all 10 check-ins"}},
		{Attempt{BusinessID: 1001, CoworkerID: id(7), FromTime: at("2026-02-02T10:00:00Z")}, 0, []string{"Owes has unpaid invoices"}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		v, err := Evaluate(d, &tt.a, func(int64, time.Time, time.Time) (int, error) { return tt.count, nil })
		if err != nil || v.Accepted() {
			t.Fatalf("Evaluate(%+v) = %+v, %v; want a refusal", tt.a, v, err)
		}
		seen[v.Reason] = true
		e := Explain(v.FailedCheckin(&tt.a))
		all := e.Title + "\n" + e.Explanation + "\n" + e.StaffAction + "\n" + e.MemberMessage
		if e.Code != v.Reason || strings.ContainsAny(all, "{}") {
			t.Errorf("%s: Explain = %+v; want the entry filled in", v.Reason, e)
		}
		for _, w := range tt.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: Explain = %s\nwant it to contain %q", v.Reason, all, w)
			}
		}
	}
	if len(seen) < 9 {
		t.Errorf("the cases cover %d reasons; want at least 9", len(seen))
	}
}

// TestExplainWithoutValues: imported history whose Description is in
// another form, with no name or plan, still reads as whole sentences.
func TestExplainWithoutValues(t *testing.T) {
	for _, code := range reasonConstants(t) {
		e := Explain(&FailedCheckin{Reason: &code, Description: "imported: something else"})
		all := e.Explanation + " " + e.StaffAction + " " + e.MemberMessage
		for _, hole := range []string{"{", "  ", " .", " ;", " ,", "()", "( ", " )", "on .", "the  "} {
			if strings.Contains(all, hole) {
				t.Errorf("%s: %q has a hole (%q)", code, all, hole)
			}
		}
	}
	if Explain(&FailedCheckin{}) != nil {
		t.Error("Explain(no reason) != nil")
	}
	other := "NotACode"
	if Explain(&FailedCheckin{Reason: &other}) != nil {
		t.Error("Explain(unknown code) != nil")
	}
}

// TestEvaluateAllAgrees: the dry run gives the pipeline's verdict for
// random attempts, its first failed check is that verdict, and every
// check has a detail.
func TestEvaluateAllAgrees(t *testing.T) {
	d := testDirectory(t)
	rng := rand.New(rand.NewPCG(1, 15))
	businesses := []int64{1001, 1002, 1007}
	for range 3000 {
		a := &Attempt{BusinessID: businesses[rng.IntN(3)],
			FromTime: time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(31), rng.IntN(24), rng.IntN(60), 0, 0, time.UTC)}
		switch rng.IntN(4) {
		case 0:
			a.MacAddresses = []string{"a4-5e-60-c2-19-0b", "00:11:22:33:44:55"}[rng.IntN(2)]
		case 1:
			a.AccessCardID = []string{"04a2b3c4", "nope"}[rng.IntN(2)]
		default:
			a.CoworkerID = id(int64(1 + rng.IntN(10)))
		}
		used := rng.IntN(12)
		count := func(int64, time.Time, time.Time) (int, error) { return used, nil }
		want, err := Evaluate(d, a, count)
		if err != nil {
			t.Fatal(err)
		}
		e, err := EvaluateAll(d, a, count)
		if err != nil {
			t.Fatal(err)
		}
		if e.Verdict.Reason != want.Reason || e.Verdict.Description != want.Description {
			t.Fatalf("%+v: EvaluateAll = %q %q; Evaluate = %q %q", a, e.Verdict.Reason, e.Verdict.Description, want.Reason, want.Description)
		}
		first := ""
		for i, c := range e.Checks {
			if c.Rule != rules[i] || c.Detail == "" {
				t.Fatalf("%+v: check %d = %+v", a, i, c)
			}
			if !c.Passed && first == "" {
				first = c.Rule
			}
		}
		if first != want.Reason {
			t.Fatalf("%+v: first failed check %q; verdict %q", a, first, want.Reason)
		}
		if (len(e.Fixes) == 0) != want.Accepted() {
			t.Fatalf("%+v: fixes %q for verdict %q", a, e.Fixes, want.Reason)
		}
	}
}

func TestValidateEvaluation(t *testing.T) {
	now := at("2026-07-01T10:00:00Z")
	ok := &Attempt{BusinessID: 1, CoworkerID: id(1), FromTime: now.Add(365 * 24 * time.Hour)}
	if err := ok.ValidateEvaluation(now); err != nil {
		t.Errorf("365 days ahead: %v", err)
	}
	if err := ok.Validate(now); err == nil {
		t.Error("Validate(365 days ahead) = nil; an attempt may not be that far ahead")
	}
	bad := &Attempt{BusinessID: 0, FromTime: now.Add(367 * 24 * time.Hour)}
	err := bad.ValidateEvaluation(now)
	for _, p := range []string{"BusinessId", "CoworkerId", "FromTime: must not be more than 366 days"} {
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("ValidateEvaluation = %v; want it to name %s", err, p)
		}
	}
}
