package postgres

import (
	"testing"

	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestReportConformance runs the export and statistics suite that the
// sqlite store runs too, so both stores answer identically.
func TestReportConformance(t *testing.T) {
	storetest.RunReports(t, func(t *testing.T) storetest.ReportStore { return openTest(t) })
}

// TestPoolStats checks the figures /metrics reports for the pool.
func TestPoolStats(t *testing.T) {
	db := openTest(t)
	st, ok := db.PoolStats()["postgres"]
	if !ok || st.MaxOpenConnections < 1 || st.OpenConnections < 1 || st.InUse != 0 {
		t.Errorf("PoolStats() = %+v; want the pool \"postgres\" with a limit, an open connection and none in use", db.PoolStats())
	}
}
