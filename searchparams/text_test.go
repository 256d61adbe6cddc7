package searchparams

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestParseRefusesTextNoFieldHolds (issue 18 item 4): a NUL or another
// control character in a text filter was a 500 on PostgreSQL and "no
// match" on SQLite; it is a 400 naming the parameter on both. The limit
// is the field's (fc.FieldText); a Description filter may hold a tab.
func TestParseRefusesTextNoFieldHolds(t *testing.T) {
	for _, c := range []struct {
		table *Table
		name  string
		value string
	}{
		{FailedCheckins, "FailedCheckin_Coworker_FullName", "a\x00b"},
		{FailedCheckins, "FailedCheckin_Business_Name", "\x1b[31m"},
		{FailedCheckins, "FailedCheckin_Description", "\x00"},
		{FailedCheckins, "FailedCheckin_TeamsAtTheTimeOfCheckin", strings.Repeat("t", fc.MaxTeamsLength+1)},
		{FailedCheckins, "FailedCheckin_TariffAtTheTimeOfCheckin", strings.Repeat("é", fc.MaxNameLength+1)},
		{FailedCheckins, "FailedCheckin_MacAddresses", "\u0085"},
		{FailedCheckins, "FailedCheckin_UpdatedBy", "\x7f"},
		{FailedCheckins, "FailedCheckin_SystemId", "x\x00"},
		{FailedCheckins, "FailedCheckin_Reason", "PlanExpired,\x00"},
		{Checkins, "Checkin_Coworker_FullName", "\x00"},
		{Checkins, "Checkin_SystemId", "\x00"},
		{Checkins, "Checkin_TeamsAtTheTimeOfCheckin", "\x01"},
	} {
		_, err := c.table.Parse(url.QueryEscape(c.name) + "=" + url.QueryEscape(c.value))
		var e *fc.Error
		if !errors.As(err, &e) || e.Code != fc.ErrInvalid || len(e.Fields) != 1 || e.Fields[0].Property != c.name {
			t.Errorf("%s=%.30q: %v, want a 400 naming %s", c.name, c.value, err, c.name)
		}
	}
	for _, q := range []string{"FailedCheckin_Description=a%09b%0Ac", "FailedCheckin_Coworker_FullName=" + url.QueryEscape(strings.Repeat("é", fc.MaxNameLength))} {
		if _, err := FailedCheckins.Parse(q); err != nil {
			t.Errorf("%.60s: %v, want accepted", q, err)
		}
	}
}
