package failedcheckins

import (
	"strings"
	"testing"
	"time"
)

// testDirectoryJSON covers every rule: each coworker fails (or passes) one.
const testDirectoryJSON = `{
 "Businesses": [
  {"Id": 1001, "Name": "Location 001 – London", "TimeZone": "Europe/London"},
  {"Id": 1002, "Name": "Location 002 – New York", "TimeZone": "America/New_York"},
  {"Id": 1007, "Name": "Location 007 – Paris", "TimeZone": "Europe/Paris"}
 ],
 "Tariffs": [
  {"Id": 1, "Name": "Hot Desk Monthly", "Businesses": [1001, 1002],
   "AccessHours": [{"Days": ["Mon","Tue","Wed","Thu","Fri"], "From": "08:00", "To": "19:00"}], "MonthlyCheckinLimit": 0},
  {"Id": 2, "Name": "Anytime", "Businesses": [], "AccessHours": [], "MonthlyCheckinLimit": 10},
  {"Id": 3, "Name": "Night Owl", "AccessHours": [{"Days": ["Fri"], "From": "22:00", "To": "06:00"}]},
  {"Id": 4, "Name": "Small Hours", "AccessHours": [{"Days": ["Sun"], "From": "01:00", "To": "02:00"}]}
 ],
 "Coworkers": [
  {"Id": 1, "FullName": "Ana Silva", "Active": true, "TariffId": 1, "PlanStart": "2026-01-01", "PlanEnd": "2026-03-31",
   "Teams": ["Atlas Labs", "Blue"], "MacAddresses": ["A4:5E:60:C2:19:0B"], "AccessCards": ["04A2B3C4"]},
  {"Id": 2, "FullName": "Inactive", "Active": false, "Suspended": true, "TariffId": 1},
  {"Id": 3, "FullName": "Suspended", "Active": true, "Suspended": true, "TariffId": 1, "UnpaidInvoices": true},
  {"Id": 4, "FullName": "No Plan", "Active": true, "TariffId": null},
  {"Id": 5, "FullName": "Future", "Active": true, "TariffId": 1, "PlanStart": "2026-04-01"},
  {"Id": 6, "FullName": "Limited", "Active": true, "TariffId": 2, "UnpaidInvoices": false},
  {"Id": 7, "FullName": "Owes", "Active": true, "TariffId": 2, "UnpaidInvoices": true},
  {"Id": 8, "FullName": "Owl", "Active": true, "TariffId": 3},
  {"Id": 9, "FullName": "Insomniac", "Active": true, "TariffId": 4}
 ]
}`

func testDirectory(t *testing.T) *Directory {
	t.Helper()
	d, err := ParseDirectory(strings.NewReader(testDirectoryJSON))
	if err != nil {
		t.Fatalf("ParseDirectory: %v", err)
	}
	if err := d.Index(); err != nil {
		t.Fatalf("Index: %v", err)
	}
	return d
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func id(n int64) *int64 { return &n }

// TestEvaluate pins every rule, their order and the edge cases of
// docs/checkins.md: plan end day, daylight-saving gaps and overlaps, windows
// across midnight, MACs in other spellings.
func TestEvaluate(t *testing.T) {
	d := testDirectory(t)
	const monWinter = "2026-02-02T10:00:00Z" // Monday, London 10:00 GMT
	tests := []struct {
		name      string
		a         Attempt
		count     int // accepted check-ins this month
		wantCode  string
		wantDesc  string
		wantLocal string
	}{
		{"accepted by id", Attempt{BusinessID: 1001, CoworkerID: id(1), FromTime: at(monWinter)}, 0, "", "", "2026-02-02T10:00:00"},
		{"mac other case and separator", Attempt{BusinessID: 1001, MacAddresses: "ff:ff:ff:ff:ff:ff, a4-5e-60-c2-19-0b", FromTime: at(monWinter)}, 0, "", "", ""},
		{"mac without separator", Attempt{BusinessID: 1001, MacAddresses: "A45E60C2190B", FromTime: at(monWinter)}, 0, "", "", ""},
		{"card other case", Attempt{BusinessID: 1001, AccessCardID: "04a2b3c4", FromTime: at(monWinter)}, 0, "", "", ""},
		{"unknown mac", Attempt{BusinessID: 1001, MacAddresses: "00:11:22:33:44:55", FromTime: at(monWinter)}, 0, ReasonUnrecognisedDevice, "Unrecognised device", ""},
		{"unknown card", Attempt{BusinessID: 1001, AccessCardID: "nope", FromTime: at(monWinter)}, 0, ReasonUnrecognisedDevice, "Unrecognised device", ""},
		{"unknown coworker", Attempt{BusinessID: 1001, CoworkerID: id(99), FromTime: at(monWinter)}, 0, ReasonUnknownCoworker, "Unknown coworker", ""},
		{"inactive before suspended", Attempt{BusinessID: 1001, CoworkerID: id(2), FromTime: at(monWinter)}, 0, ReasonAccountInactive, "Account is not active", ""},
		{"suspended before unpaid", Attempt{BusinessID: 1001, CoworkerID: id(3), FromTime: at(monWinter)}, 0, ReasonAccountSuspended, "Account suspended", ""},
		{"no plan", Attempt{BusinessID: 1001, CoworkerID: id(4), FromTime: at(monWinter)}, 0, ReasonNoActivePlan, "No active plan", ""},
		{"plan not started", Attempt{BusinessID: 1001, CoworkerID: id(5), FromTime: at(monWinter)}, 0, ReasonPlanNotStarted, "Plan starts on 2026-04-01", ""},
		{"plan ends today (New York, still valid)", Attempt{BusinessID: 1002, CoworkerID: id(1), FromTime: at("2026-03-31T22:30:00Z")}, 0, "", "", "2026-03-31T18:30:00"},
		{"plan expired (London, next local day)", Attempt{BusinessID: 1001, CoworkerID: id(1), FromTime: at("2026-03-31T23:30:00Z")}, 0, ReasonPlanExpired, "Plan expired on 2026-03-31", "2026-04-01T00:30:00"},
		{"plan starts today local, still yesterday in UTC", Attempt{BusinessID: 1007, CoworkerID: id(5), FromTime: at("2026-03-31T22:30:00Z")}, 0, ReasonLocationNotAllowed, "Plan Hot Desk Monthly does not include Location 007 – Paris", "2026-04-01T00:30:00"},
		{"location not allowed", Attempt{BusinessID: 1007, CoworkerID: id(1), FromTime: at(monWinter)}, 0, ReasonLocationNotAllowed, "Plan Hot Desk Monthly does not include Location 007 – Paris", ""},
		{"outside hours (London 19:00 exclusive)", Attempt{BusinessID: 1001, CoworkerID: id(1), FromTime: at("2026-02-02T19:00:00Z")}, 0, ReasonOutsideAllowedHours, "Outside allowed hours (Mon-Fri 08:00-19:00)", ""},
		{"outside hours on Saturday", Attempt{BusinessID: 1001, CoworkerID: id(1), FromTime: at("2026-02-07T10:00:00Z")}, 0, ReasonOutsideAllowedHours, "", ""},
		{"summer time: 07:30 UTC is 08:30 BST", Attempt{BusinessID: 1001, CoworkerID: id(1), FromTime: at("2026-03-30T07:30:00Z")}, 0, "", "", "2026-03-30T08:30:00"},
		{"window spans midnight: Friday 23:00", Attempt{BusinessID: 1001, CoworkerID: id(8), FromTime: at("2026-02-06T23:00:00Z")}, 0, "", "", ""},
		{"window spans midnight: Saturday 05:59", Attempt{BusinessID: 1001, CoworkerID: id(8), FromTime: at("2026-02-07T05:59:00Z")}, 0, "", "", ""},
		{"window spans midnight: Saturday 06:00 closed", Attempt{BusinessID: 1001, CoworkerID: id(8), FromTime: at("2026-02-07T06:00:00Z")}, 0, ReasonOutsideAllowedHours, "Outside allowed hours (Fri 22:00-06:00)", ""},
		{"window spans midnight: Thursday 23:00 closed", Attempt{BusinessID: 1001, CoworkerID: id(8), FromTime: at("2026-02-05T23:00:00Z")}, 0, ReasonOutsideAllowedHours, "", ""},
		// Europe/London springs forward on 2026-03-29 at 01:00 UTC: local
		// 01:00-02:00 does not exist, so 00:59:59Z is 00:59:59 GMT and
		// 01:00Z is already 02:00 BST.
		{"London gap: last second before", Attempt{BusinessID: 1001, CoworkerID: id(9), FromTime: at("2026-03-29T00:59:59Z")}, 0, ReasonOutsideAllowedHours, "", "2026-03-29T00:59:59"},
		{"London gap: first second after", Attempt{BusinessID: 1001, CoworkerID: id(9), FromTime: at("2026-03-29T01:00:00Z")}, 0, ReasonOutsideAllowedHours, "", "2026-03-29T02:00:00"},
		// Falls back on 2026-10-25: local 01:00-02:00 happens twice.
		{"London overlap: first 01:30 (BST)", Attempt{BusinessID: 1001, CoworkerID: id(9), FromTime: at("2026-10-25T00:30:00Z")}, 0, "", "", "2026-10-25T01:30:00"},
		{"London overlap: second 01:30 (GMT)", Attempt{BusinessID: 1001, CoworkerID: id(9), FromTime: at("2026-10-25T01:30:00Z")}, 0, "", "", "2026-10-25T01:30:00"},
		// America/New_York: 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00Z);
		// 2026-11-01 02:00 EDT falls back to 01:00 EST (06:00Z).
		{"New York gap", Attempt{BusinessID: 1002, CoworkerID: id(9), FromTime: at("2026-03-08T07:00:00Z")}, 0, ReasonOutsideAllowedHours, "", "2026-03-08T03:00:00"},
		{"New York before gap", Attempt{BusinessID: 1002, CoworkerID: id(9), FromTime: at("2026-03-08T06:30:00Z")}, 0, "", "", "2026-03-08T01:30:00"},
		{"New York overlap: first 01:30 (EDT)", Attempt{BusinessID: 1002, CoworkerID: id(9), FromTime: at("2026-11-01T05:30:00Z")}, 0, "", "", "2026-11-01T01:30:00"},
		{"New York overlap: second 01:30 (EST)", Attempt{BusinessID: 1002, CoworkerID: id(9), FromTime: at("2026-11-01T06:30:00Z")}, 0, "", "", "2026-11-01T01:30:00"},
		{"under the monthly limit", Attempt{BusinessID: 1007, CoworkerID: id(6), FromTime: at(monWinter)}, 9, "", "", ""},
		{"monthly limit reached", Attempt{BusinessID: 1007, CoworkerID: id(6), FromTime: at(monWinter)}, 10, ReasonCheckinLimitReached, "Monthly check-in limit of 10 reached", ""},
		{"limit before unpaid invoices", Attempt{BusinessID: 1001, CoworkerID: id(7), FromTime: at(monWinter)}, 10, ReasonCheckinLimitReached, "", ""},
		{"unpaid invoices last", Attempt{BusinessID: 1001, CoworkerID: id(7), FromTime: at(monWinter)}, 0, ReasonUnpaidInvoices, "Unpaid invoices", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			count := func(int64, time.Time, time.Time) (int, error) { return tt.count, nil }
			v, err := Evaluate(d, &tt.a, count)
			if err != nil {
				t.Fatalf("Evaluate error: %v", err)
			}
			if v.Reason != tt.wantCode || tt.wantDesc != "" && v.Description != tt.wantDesc {
				t.Errorf("Evaluate = %q %q; want %q %q", v.Reason, v.Description, tt.wantCode, tt.wantDesc)
			}
			if tt.wantLocal != "" && v.Local.Format("2006-01-02T15:04:05") != tt.wantLocal {
				t.Errorf("Evaluate local = %s; want %s", v.Local.Format("2006-01-02T15:04:05"), tt.wantLocal)
			}
		})
	}
}

// TestMonthlyLimitAtLocalMonthBoundary: the month that counts is the local
// one. 2026-02-28T23:30Z is still February in New York but already March 1
// in Paris, and the count is asked over the local month's instants.
func TestMonthlyLimitAtLocalMonthBoundary(t *testing.T) {
	d := testDirectory(t)
	tests := []struct {
		business          int64
		wantFrom, wantTil string
	}{
		{1002, "2026-02-01T05:00:00Z", "2026-03-01T05:00:00Z"}, // New York, EST
		{1007, "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z"}, // Paris: March, CET to CEST
	}
	for _, tt := range tests {
		var gotFrom, gotUntil time.Time
		count := func(c int64, from, until time.Time) (int, error) {
			gotFrom, gotUntil = from, until
			return 10, nil
		}
		v, err := Evaluate(d, &Attempt{BusinessID: tt.business, CoworkerID: id(6), FromTime: at("2026-02-28T23:30:00Z")}, count)
		if err != nil || v.Reason != ReasonCheckinLimitReached {
			t.Fatalf("Evaluate(%d) = %+v, %v; want CheckinLimitReached", tt.business, v, err)
		}
		if f, u := gotFrom.Format(time.RFC3339), gotUntil.Format(time.RFC3339); f != tt.wantFrom || u != tt.wantTil {
			t.Errorf("Evaluate(%d) counted [%s, %s); want [%s, %s)", tt.business, f, u, tt.wantFrom, tt.wantTil)
		}
	}
}

// TestRecordKeepsValuesOfTheMoment: a refusal's record holds the name and
// plan the coworker had then, not what a later import says.
func TestRecordKeepsValuesOfTheMoment(t *testing.T) {
	d := testDirectory(t)
	a := &Attempt{BusinessID: 1007, Source: SourceDoorAccess, MacAddresses: "a4-5e-60-c2-19-0b", FromTime: at("2026-02-02T10:00:00Z")}
	v, err := Evaluate(d, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := v.FailedCheckin(a)
	upd, err := ParseDirectory(strings.NewReader(`{"Coworkers": [{"Id": 1, "FullName": "Ana Costa", "Active": true, "TariffId": 2, "Teams": ["Other"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := Merge(d, upd).Index(); err != nil {
		t.Fatal(err)
	}
	want := FailedCheckin{CoworkerFullName: "Ana Silva", Tariff: "Hot Desk Monthly", Teams: "Atlas Labs, Blue",
		BusinessName: "Location 007 – Paris", MacAddresses: "a4-5e-60-c2-19-0b", Description: "Plan Hot Desk Monthly does not include Location 007 – Paris"}
	if rec.CoworkerFullName != want.CoworkerFullName || rec.Tariff != want.Tariff || rec.Teams != want.Teams ||
		rec.BusinessName != want.BusinessName || rec.MacAddresses != want.MacAddresses || rec.Description != want.Description ||
		*rec.CoworkerID != 1 || *rec.Reason != ReasonLocationNotAllowed || rec.CheckinAttemptTimeLocal.Format(time.DateTime) != "2026-02-02 11:00:00" {
		t.Errorf("FailedCheckin = %+v; want the values of the moment %+v", rec, want)
	}
}

func TestEvaluateUnknownBusiness(t *testing.T) {
	d := testDirectory(t)
	_, err := Evaluate(d, &Attempt{BusinessID: 5, CoworkerID: id(1), FromTime: at("2026-02-02T10:00:00Z")}, nil)
	if ErrorCode(err) != ErrInvalid {
		t.Errorf("Evaluate(unknown business) error = %v; want ErrInvalid", err)
	}
}
