package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// BenchmarkAlertIncidentList measures GET /api/alerts/incidents' store
// read over 100,000 incidents (4 rules, 3 locations and every location,
// a tenth not resolved): the first page of the default order (OpenedOn,
// newest first) for a full administrator, for one location, of the open
// ones, and a page deep in the list. Each op answers the exact
// TotalItems.
func BenchmarkAlertIncidentList(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "incidents.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	if _, err := db.writer.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
		INSERT INTO alert_incidents (rule_id, rule_name, key, business_id, coworker_id, location_id, status, failure_count,
			failed_checkin_ids, opened_on, last_failure_on, resolve_after, last_notified_on, resolved_on)
		SELECT i % 4 + 1, 'rule', '{"CoworkerId":' || i || '}', CASE i % 4 WHEN 0 THEN NULL ELSE i % 4 END, i, i % 3 + 1,
			CASE WHEN i % 10 = 0 THEN 'Open' ELSE 'Resolved' END, 5, '[1,2,3,4,5]',
			?1 + i * 7000, ?1 + i * 7000, ?1 + i * 7000 + 600000, ?1 + i * 7000,
			CASE WHEN i % 10 = 0 THEN NULL ELSE ?1 + i * 7000 + 600000 END FROM n`, t0); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		q    fc.Query
		want int64
	}{
		{"all", fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldOpenedOn, Descending: true, Page: 1, Size: 25}, 100000},
		{"location", fc.Query{Scope: fc.BusinessScope(2), OrderBy: fc.FieldOpenedOn, Descending: true, Page: 1, Size: 25}, 25000},
		{"open", fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldOpenedOn, Descending: true, Page: 1, Size: 25,
			Conditions: []fc.Condition{{Field: fc.FieldStatus, Match: fc.MatchEqualFold, Strings: []string{"Open"}}}}, 10000},
		{"page200", fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldOpenedOn, Descending: true, Page: 200, Size: 25}, 100000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				p, err := db.FindAlertIncidents(ctx, bc.q)
				if err != nil || p.TotalItems != bc.want || len(p.Records) != 25 {
					b.Fatalf("FindAlertIncidents = %v, %v; want %d in all and a page of 25", p, err, bc.want)
				}
			}
		})
	}
}
