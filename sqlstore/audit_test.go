package sqlstore

import (
	"reflect"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestAuditArgsReuseOnlyEqualValues: the arguments of a batch, which reuse
// the previous row's where a value repeats, are those of each entry
// computed alone, whatever changes from one row to the next (the user, the
// second, a path with capitals or non-ASCII letters, the status).
func TestAuditArgsReuseOnlyEqualValues(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 1, 2, 3, 400, time.UTC)
	total := int64(9)
	base := fc.AuditEntry{On: t0, UserEmail: "ana@example.com", ClientAddress: "192.0.2.1", Channel: fc.ChannelAPI,
		Method: "GET", Path: "/api/spaces/failedcheckins/1", Query: "size=25", Status: 200, ResultCount: 1}
	change := []func(e *fc.AuditEntry){
		func(e *fc.AuditEntry) {},
		func(e *fc.AuditEntry) { e.UserEmail = "Zoë@Example.com" },
		func(e *fc.AuditEntry) { e.On = t0.Add(1500 * time.Millisecond) },
		func(e *fc.AuditEntry) { e.Path = "/api/spaces/failedcheckins/ZÜRICH" },
		func(e *fc.AuditEntry) { e.Query = "FailedCheckin_Coworker_FullName=Ana" },
		func(e *fc.AuditEntry) { e.Status, e.Channel, e.Method = 403, fc.ChannelConsole, "POST" },
		func(e *fc.AuditEntry) { e.ClientAddress, e.TotalItems, e.ResultCount = "2001:db8::1", &total, 25 },
		func(e *fc.AuditEntry) { e.Path = "/api/spaces/failedcheckins/1" },
		func(e *fc.AuditEntry) {},
	}
	for _, d := range []Dialect{SQLite(), PostgreSQL()} {
		b := auditArgs{d: d}
		var got []any
		var want []any
		e := base
		for _, c := range change {
			c(&e)
			got = b.row(got, &e)
			var total any // none is a nil interface, a count an int64
			if e.TotalItems != nil {
				total = *e.TotalItems
			}
			// A text that is its own fold is stored empty beside it.
			orig := func(s string) string {
				if fc.Fold(s) == s {
					return ""
				}
				return s
			}
			want = append(want, d.Records.Value(e.On.UTC().Truncate(time.Second)), orig(e.UserEmail), fc.Fold(e.UserEmail),
				e.ClientAddress, string(e.Channel), e.Method, orig(e.Path), fc.Fold(e.Path), orig(e.Query), fc.Fold(e.Query),
				int64(e.Status), e.ResultCount, total)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rows = %v; want %v", got, want)
		}
	}
}
