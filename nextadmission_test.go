package failedcheckins

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// nextDirectoryJSON: one location per zone of the tests, and a plan per
// shape of access hours. Coworker i has tariff i (coworkers 20-23 vary the
// plan dates and accounts).
const nextDirectoryJSON = `{
 "Businesses": [
  {"Id": 1, "Name": "London", "TimeZone": "Europe/London"},
  {"Id": 2, "Name": "New York", "TimeZone": "America/New_York"},
  {"Id": 3, "Name": "Sydney", "TimeZone": "Australia/Sydney"},
  {"Id": 4, "Name": "Paris", "TimeZone": "Europe/Paris"}
 ],
 "Tariffs": [
  {"Id": 1, "Name": "Sunday 01:30-03:00", "AccessHours": [{"Days": ["Sun"], "From": "01:30", "To": "03:00"}]},
  {"Id": 2, "Name": "Sunday 01:00-01:30", "AccessHours": [{"Days": ["Sun"], "From": "01:00", "To": "01:30"}]},
  {"Id": 3, "Name": "Sunday 02:00-02:30", "AccessHours": [{"Days": ["Sun"], "From": "02:00", "To": "02:30"}]},
  {"Id": 4, "Name": "Sunday 02:15-02:45", "AccessHours": [{"Days": ["Sun"], "From": "02:15", "To": "02:45"}]},
  {"Id": 5, "Name": "Friday night", "AccessHours": [{"Days": ["Fri"], "From": "22:00", "To": "06:00"}]},
  {"Id": 6, "Name": "One a month", "MonthlyCheckinLimit": 1},
  {"Id": 7, "Name": "Office, one a month", "MonthlyCheckinLimit": 1,
   "AccessHours": [{"Days": ["Mon","Tue","Wed","Thu","Fri"], "From": "08:00", "To": "19:00"}]},
  {"Id": 8, "Name": "Anytime"},
  {"Id": 9, "Name": "London only", "Businesses": [1]}
 ],
 "Coworkers": [
  {"Id": 1, "FullName": "One", "Active": true, "TariffId": 1},
  {"Id": 2, "FullName": "Two", "Active": true, "TariffId": 2},
  {"Id": 3, "FullName": "Three", "Active": true, "TariffId": 3},
  {"Id": 4, "FullName": "Four", "Active": true, "TariffId": 4},
  {"Id": 5, "FullName": "Five", "Active": true, "TariffId": 5},
  {"Id": 6, "FullName": "Six", "Active": true, "TariffId": 6},
  {"Id": 7, "FullName": "Seven", "Active": true, "TariffId": 7},
  {"Id": 20, "FullName": "Starts in 40 days", "Active": true, "TariffId": 8, "PlanStart": "2026-08-10"},
  {"Id": 21, "FullName": "Starts in 20 days", "Active": true, "TariffId": 8, "PlanStart": "2026-07-21"},
  {"Id": 22, "FullName": "Expired", "Active": true, "TariffId": 8, "PlanEnd": "2026-06-30"},
  {"Id": 23, "FullName": "Suspended", "Active": true, "Suspended": true, "TariffId": 5},
  {"Id": 24, "FullName": "London only", "Active": true, "TariffId": 9},
  {"Id": 25, "FullName": "Ends soon", "Active": true, "TariffId": 5, "PlanEnd": "2026-02-10"}
 ]
}`

func nextDirectory(t testing.TB) *Directory {
	t.Helper()
	d, err := ParseDirectory(strings.NewReader(nextDirectoryJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Index(); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNextAdmission pins NextAdmission where it is easy to get wrong.
// The expected instants are worked out by hand from the zones' rules:
// London springs forward 2026-03-29 01:00Z and falls back 2026-10-25
// 01:00Z; New York 2026-03-08 07:00Z and 2026-11-01 06:00Z; Sydney falls
// back 2026-04-04 16:00Z (03:00 AEDT -> 02:00 AEST) and springs forward
// 2026-10-03 16:00Z (02:00 AEST -> 03:00 AEDT).
func TestNextAdmission(t *testing.T) {
	d := nextDirectory(t)
	tests := []struct {
		name     string
		business int64
		coworker int64
		from     string
		used     map[string]int // accepted check-ins by local month start (UTC instant), for the monthly limit
		want     string         // "" for null
	}{
		// Daylight-saving gaps: the wall clock jumps over the window's start.
		{"London gap: 01:30 does not exist, 02:00 BST is in the window", 1, 1, "2026-03-29T00:30:00Z", nil, "2026-03-29T01:00:00Z"},
		{"New York gap: 02:00-02:30 does not exist that Sunday, next Sunday", 2, 3, "2026-03-08T06:30:00Z", nil, "2026-03-15T06:00:00Z"},
		{"Sydney gap: 02:15-02:45 does not exist that Sunday, next Sunday (AEDT)", 3, 4, "2026-10-03T15:30:00Z", nil, "2026-10-10T15:15:00Z"},
		// Overlaps: the window's wall-clock time comes round again.
		{"London overlap: 01:45 BST, then 01:00 GMT", 1, 2, "2026-10-25T00:45:00Z", nil, "2026-10-25T01:00:00Z"},
		{"New York overlap: 01:45 EDT, then 01:00 EST", 2, 2, "2026-11-01T05:45:00Z", nil, "2026-11-01T06:00:00Z"},
		{"Sydney overlap: 02:45 AEDT, then 02:00 AEST", 3, 3, "2026-04-04T15:45:00Z", nil, "2026-04-04T16:00:00Z"},
		{"Sydney overlap: inside the first 02:00-02:30 already", 3, 3, "2026-04-04T15:10:00Z", nil, "2026-04-04T15:10:00Z"},
		// Hours over midnight.
		{"Friday 22:00-06:00: Saturday 06:00 waits for next Friday", 1, 5, "2026-02-07T06:00:00Z", nil, "2026-02-13T22:00:00Z"},
		{"Friday 22:00-06:00: Thursday 23:00 waits for Friday 22:00", 1, 5, "2026-02-05T23:00:00Z", nil, "2026-02-06T22:00:00Z"},
		{"Friday 22:00-06:00: Saturday 05:59 is in", 1, 5, "2026-02-07T05:59:00Z", nil, "2026-02-07T05:59:00Z"},
		{"Friday 22:00-06:00 in New York (EST)", 2, 5, "2026-02-07T12:00:00Z", nil, "2026-02-14T03:00:00Z"},
		// The monthly limit resets at the local month boundary.
		{"last day of January, London", 1, 6, "2026-01-31T15:00:00Z", map[string]int{"2026-01-01T00:00:00Z": 1}, "2026-02-01T00:00:00Z"},
		{"last day of March, New York (EDT)", 2, 6, "2026-03-31T12:00:00Z", map[string]int{"2026-03-01T05:00:00Z": 1}, "2026-04-01T04:00:00Z"},
		{"already March in Paris at 23:30Z on Feb 28", 4, 6, "2026-02-28T23:30:00Z", map[string]int{"2026-02-28T23:00:00Z": 1}, "2026-03-31T22:00:00Z"},
		{"February used too: March 1 is within 31 days", 1, 6, "2026-01-31T15:00:00Z", map[string]int{"2026-01-01T00:00:00Z": 1, "2026-02-01T00:00:00Z": 1}, "2026-03-01T00:00:00Z"},
		{"February and March used: none within 31 days", 1, 6, "2026-01-31T15:00:00Z",
			map[string]int{"2026-01-01T00:00:00Z": 1, "2026-02-01T00:00:00Z": 1, "2026-03-01T00:00:00Z": 1}, ""},
		{"limit resets on a Sunday, office hours on Monday", 1, 7, "2026-01-30T20:00:00Z", map[string]int{"2026-01-01T00:00:00Z": 1}, "2026-02-02T08:00:00Z"},
		// Plan dates.
		{"plan starts in 40 days", 3, 20, "2026-07-01T00:00:00Z", nil, ""},
		{"plan starts in 20 days: local midnight in Sydney", 3, 21, "2026-07-01T00:00:00Z", nil, "2026-07-20T14:00:00Z"},
		{"plan expired", 1, 22, "2026-07-01T12:00:00Z", nil, ""},
		{"plan ends before the next window", 1, 25, "2026-02-07T06:00:00Z", nil, ""},
		// Rules that time does not change.
		{"suspended", 1, 23, "2026-02-07T06:00:00Z", nil, ""},
		{"location not in plan", 2, 24, "2026-02-07T06:00:00Z", nil, ""},
		{"unknown coworker", 1, 99, "2026-02-07T06:00:00Z", nil, ""},
		{"admitted now", 1, 5, "2026-02-06T23:00:00Z", nil, "2026-02-06T23:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			count := func(c int64, from, until time.Time) (int, error) {
				return tt.used[from.UTC().Format(time.RFC3339)], nil
			}
			e, err := EvaluateAll(d, &Attempt{BusinessID: tt.business, CoworkerID: id(tt.coworker), FromTime: at(tt.from)}, count)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if e.NextAdmission != nil {
				got = e.NextAdmission.UTC().Format(time.RFC3339)
			}
			if got != tt.want {
				t.Errorf("NextAdmission = %q; want %q (verdict %s, checks %+v)", got, tt.want, e.Verdict.Reason, e.Checks)
			}
			if got != "" && got != tt.from {
				// The instant found is admitted by the pipeline's own Evaluate.
				v, err := Evaluate(d, &Attempt{BusinessID: tt.business, CoworkerID: id(tt.coworker), FromTime: *e.NextAdmission}, count)
				if err != nil || !v.Accepted() {
					t.Errorf("Evaluate at NextAdmission = %+v, %v; want accepted", v, err)
				}
			}
		})
	}
}

// TestNextAdmissionBruteForce compares NextAdmission with judging every
// minute of the horizon, for random plans in zones with daylight saving
// (Lord Howe moves by 30 minutes; Santiago and Beirut change at
// midnight) and random instants around their transitions.
func TestNextAdmissionBruteForce(t *testing.T) {
	zones := []string{"Europe/London", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut", "UTC"}
	rng := rand.New(rand.NewPCG(15, 2))
	cases := 40
	if testing.Short() {
		cases = 8
	}
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	for n := range cases {
		zone := zones[n%len(zones)]
		var windows []string
		for range 1 + rng.IntN(3) {
			var ds []string
			for _, day := range days {
				if rng.IntN(4) == 0 {
					ds = append(ds, `"`+day+`"`)
				}
			}
			if len(ds) == 0 {
				ds = append(ds, `"Sun"`)
			}
			minute := func() string { m := rng.IntN(48) * 30; return fmt.Sprintf("%02d:%02d", m/60, m%60) }
			windows = append(windows, fmt.Sprintf(`{"Days": [%s], "From": %q, "To": %q}`, strings.Join(ds, ","), minute(), minute()))
		}
		limit := rng.IntN(2)
		start := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, time.UTC)
		planStart := start.AddDate(0, 0, rng.IntN(40)-5).Format(time.DateOnly)
		doc := fmt.Sprintf(`{"Businesses": [{"Id": 1, "Name": "B", "TimeZone": %q}],
			"Tariffs": [{"Id": 1, "Name": "T", "MonthlyCheckinLimit": %d, "AccessHours": [%s]}],
			"Coworkers": [{"Id": 1, "FullName": "C", "Active": true, "TariffId": 1, "PlanStart": %q}]}`,
			zone, limit, strings.Join(windows, ","), planStart)
		d, err := ParseDirectory(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Index(); err != nil {
			t.Fatal(err)
		}
		// The month of the attempt has its check-in used; later months not.
		count := func(c int64, from, until time.Time) (int, error) {
			if !start.Before(from) && start.Before(until) {
				return 1, nil
			}
			return 0, nil
		}
		a := &Attempt{BusinessID: 1, CoworkerID: id(1), FromTime: start}
		e, err := EvaluateAll(d, a, count)
		if err != nil {
			t.Fatal(err)
		}
		var want *time.Time
		horizon := start.Add(NextAdmissionHorizon)
		for at := start; !at.After(horizon); at = at.Truncate(time.Minute).Add(time.Minute) {
			v, err := Evaluate(d, &Attempt{BusinessID: 1, CoworkerID: id(1), FromTime: at}, count)
			if err != nil {
				t.Fatal(err)
			}
			if v.Accepted() {
				want = &at
				break
			}
		}
		if fmt.Sprint(e.NextAdmission) != fmt.Sprint(want) {
			t.Errorf("case %d (%s, from %s, plan start %s, limit %d, hours %s): NextAdmission = %v; judging every minute gives %v",
				n, zone, start.Format(time.RFC3339), planStart, limit, strings.Join(windows, ","), e.NextAdmission, want)
		}
	}
}
