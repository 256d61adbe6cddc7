package api

import (
	"errors"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// fuzzDirectory is a small directory for FuzzParseAttempt: location 1 in
// a far-east zone and location 2 in a far-west one, so that a FromTime
// near the ends of the calendar meets both extremes of local time.
const fuzzDirectory = `{"Businesses": [{"Id": 1, "Name": "Kiritimati", "TimeZone": "Pacific/Kiritimati"},
 {"Id": 2, "Name": "Pago Pago", "TimeZone": "Pacific/Pago_Pago"}],
 "Tariffs": [{"Id": 1, "Name": "Day", "Businesses": [1], "MonthlyCheckinLimit": 3}],
 "Coworkers": [{"Id": 10, "FullName": "Ann", "Active": true, "TariffId": 1, "AccessCards": ["04a2b3c4"]}]}`

// FuzzParseAttempt: whatever the body, parseAttempt gives an attempt or an
// ErrInvalid error (a 400), never a panic or another error (a 500); an
// attempt it gives is judged and turned into a record that the stores
// accept. Seeds in testdata/fuzz/FuzzParseAttempt hold the bodies a
// black-box test found (zero times, trailing data, duplicate keys).
func FuzzParseAttempt(f *testing.F) {
	d, err := fc.ParseDirectory(strings.NewReader(fuzzDirectory))
	if err != nil {
		f.Fatal(err)
	}
	if err := d.Index(); err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	f.Add(`{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2026-06-30T23:00:00Z"}`)
	f.Add(`{"BusinessId": 2, "Source": "doorACCESS", "AccessCardId": "04A2B3C4"}`)
	f.Fuzz(func(t *testing.T, body string) {
		a, err := parseAttempt([]byte(body), now)
		if err != nil {
			if fc.ErrorCode(err) != fc.ErrInvalid {
				t.Fatalf("parseAttempt(%q) = %v; want an ErrInvalid error", body, err)
			}
			var e *fc.Error
			if errors.As(err, &e) && len(e.Fields) > 0 && e.Fields[0].Property == "" {
				t.Fatalf("parseAttempt(%q) = %v; want every error to name a property", body, err)
			}
			return
		}
		if a.FromTime.Before(minFromTime()) || a.FromTime.After(now.Add(fc.MaxFutureSkew)) {
			t.Fatalf("parseAttempt(%q).FromTime = %v; want within [%v, now+skew]", body, a.FromTime, minFromTime())
		}
		v, err := fc.Evaluate(d, a, func(int64, time.Time, time.Time) (int, error) { return 0, nil })
		if err != nil {
			if fc.ErrorCode(err) != fc.ErrInvalid {
				t.Fatalf("Evaluate(%q) = %v; want a verdict or ErrInvalid", body, err)
			}
			return
		}
		if !v.Accepted() {
			if _, err := sqlstore.PrepareRow(v.FailedCheckin(a), now); err != nil {
				t.Fatalf("the record of %q is invalid: %v", body, err)
			}
		}
	})
}
