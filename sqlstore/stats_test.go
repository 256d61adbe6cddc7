package sqlstore

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestCountFailedCheckinsSQL pins the GROUP BY statement of both dialects:
// one key and one label per grouping, the scope in the WHERE clause, one
// group more than the limit.
func TestCountFailedCheckinsSQL(t *testing.T) {
	q := fc.StatsQuery{Scope: fc.BusinessScope(7), GroupBy: []fc.StatsGroupBy{fc.GroupByBusiness, fc.GroupByHour, fc.GroupByReason}}
	limit := fmt.Sprintf(" LIMIT %d", fc.MaxStatsGroups+1)
	tests := []struct {
		name string
		d    Dialect
		want string
	}{
		{"sqlite", SQLite(), "SELECT business_id AS k0, MAX(business_name), " +
			"CAST(strftime('%H', checkin_attempt_time_local, 'unixepoch') AS INTEGER) AS k1, '', reason AS k2, '', " +
			"count(*) FROM failed_checkins WHERE business_id IN (?) GROUP BY k0, k1, k2" + limit},
		{"postgres", PostgreSQL(), `SELECT business_id AS k0, MAX(business_name COLLATE "C"), ` +
			"extract(hour FROM checkin_attempt_time_local)::bigint AS k1, ''::text, reason AS k2, ''::text, " +
			"count(*) FROM failed_checkins WHERE business_id IN ($1) GROUP BY k0, k1, k2" + limit},
	}
	for _, tt := range tests {
		got, args, err := CountFailedCheckins(tt.d, q)
		if err != nil || got != tt.want || !reflect.DeepEqual(args, []any{int64(7)}) {
			t.Errorf("%s: CountFailedCheckins = %q, %v, %v; want %q, [7]", tt.name, got, args, err, tt.want)
		}
	}
	if _, _, err := CountFailedCheckins(SQLite(), fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: []fc.StatsGroupBy{"nope"}}); err == nil {
		t.Error("CountFailedCheckins(unknown grouping) = nil error; want one")
	}
}

// TestScanStatsGroup: text and integer keys land in their fields, a NULL
// key is Null, and a scan error is wrapped.
func TestScanStatsGroup(t *testing.T) {
	day, hour := "2026-10-02", int64(9)
	scan := func(dest ...any) error {
		*dest[0].(**string) = &day
		*dest[1].(*string) = ""
		*dest[2].(**int64) = &hour
		*dest[3].(*string) = ""
		*dest[4].(**int64) = nil // a NULL coworker_id
		*dest[5].(*string) = "Ann"
		*dest[6].(*int64) = 3
		return nil
	}
	g, err := ScanStatsGroup(scan, []fc.StatsGroupBy{fc.GroupByDay, fc.GroupByHour, fc.GroupByCoworker})
	want := fc.StatsGroup{Keys: []fc.StatsKey{{Text: day}, {Int: 9}, {Null: true}}, Labels: []string{"", "", "Ann"}, Count: 3}
	if err != nil || !reflect.DeepEqual(g, want) {
		t.Errorf("ScanStatsGroup = %+v, %v; want %+v", g, err, want)
	}
	boom := errors.New("boom")
	if _, err := ScanStatsGroup(func(...any) error { return boom }, []fc.StatsGroupBy{fc.GroupByDay}); !errors.Is(err, boom) {
		t.Errorf("ScanStatsGroup(failing scan) = %v; want it wrapped", err)
	}
}
