package sqlite

import "database/sql"

// PoolStats reports the use of the two connection pools, for the API's
// /metrics: "writer" (the single writer connection) and "reader".
func (db *DB) PoolStats() map[string]sql.DBStats {
	return map[string]sql.DBStats{"writer": db.writer.Stats(), "reader": db.reader.Stats()}
}
