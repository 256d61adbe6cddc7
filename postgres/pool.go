package postgres

import "database/sql"

// PoolStats reports the use of the connection pool, for the API's
// /metrics (api.PoolStatsReporter), under the name "postgres": one pool
// serves reads and writes. pgxpool's counters are put in the fields of
// the standard sql.DBStats that mean the same thing, so both stores feed
// the same series: waits are acquires that found no idle connection, and
// pgxpool's idle closures (MaxConnIdleTime) are idle-time closures. pgxpool
// never closes a connection for there being too many idle, so
// MaxIdleClosed stays 0.
func (db *DB) PoolStats() map[string]sql.DBStats {
	st := db.pool.Stat()
	return map[string]sql.DBStats{"postgres": {
		MaxOpenConnections: int(st.MaxConns()),
		OpenConnections:    int(st.TotalConns()),
		InUse:              int(st.AcquiredConns()),
		Idle:               int(st.IdleConns()),
		WaitCount:          st.EmptyAcquireCount(),
		WaitDuration:       st.EmptyAcquireWaitTime(),
		MaxIdleTimeClosed:  st.MaxIdleDestroyCount(),
		MaxLifetimeClosed:  st.MaxLifetimeDestroyCount(),
	}}
}
