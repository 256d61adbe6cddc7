package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// attemptSQL are the statements of RecordAttempts, in the order of the
// fields of attemptStatements.
var attemptSQL = []string{
	`SELECT count(*) FROM checkins WHERE coworker_id = ? AND from_time >= ? AND from_time < ?`,
	insertCheckin,
	insertFailedCheckin,
	`SELECT fingerprint, accepted, record_id, reason, description, created_on FROM idempotency_keys WHERE user_id = ? AND key = ?`,
	`INSERT OR REPLACE INTO idempotency_keys (user_id, key, fingerprint, accepted, record_id, reason, description, created_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	directoryVersionSQL,
	`SELECT (` + sqlstore.LargestIDSQL("failed_checkins") + `), (` + sqlstore.LargestIDSQL("checkins") + `)`,
}

// rollupStatement is the index in attemptSQL's prepared statements of
// the first rollup upsert (sqlstore.Rollups, in order), appended after
// attemptSQL: with batches of a few attempts, preparing the rollups'
// upserts in every transaction cost more than the upserts themselves.
var rollupStatement = len(attemptSQL)

// preparedAttempts holds attemptSQL prepared once on the writer
// connection and reused by every batch (tx.StmtContext reuses a statement
// already prepared on the transaction's connection): preparing five
// statements per batch cost more than the small batches of a lightly
// loaded server spend on their rows.
type preparedAttempts struct {
	mu    sync.Mutex
	stmts []*sql.Stmt // nil until the first batch; closed by DB.Close
}

// statements prepares attemptSQL on the writer the first time. It must
// run outside a write transaction: the single writer connection would be
// busy and the prepare would wait for it forever.
func (p *preparedAttempts) statements(ctx context.Context, writer *sql.DB) ([]*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stmts != nil {
		return p.stmts, nil
	}
	all := slices.Clone(attemptSQL)
	for _, ru := range sqlstore.Rollups {
		all = append(all, ru.Upsert(sqlstore.SQLite()))
	}
	stmts := make([]*sql.Stmt, 0, len(all))
	for _, q := range all {
		s, err := writer.PrepareContext(ctx, q)
		if err != nil {
			closeAll(stmts)
			return nil, fmt.Errorf("prepare: %w", err)
		}
		stmts = append(stmts, s)
	}
	p.stmts = stmts
	return stmts, nil
}

// close releases the statements (DB.Close, before the connections).
func (p *preparedAttempts) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	closeAll(p.stmts)
	p.stmts = nil
}

func closeAll(stmts []*sql.Stmt) {
	for _, s := range stmts {
		s.Close()
	}
}
