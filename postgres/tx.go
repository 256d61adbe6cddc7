package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// dialect is PostgreSQL's: numbered placeholders, LIKE for substrings
// (a trigram index serves it), timestamp columns, explicit NULL order,
// the records' advisory lock and the rollup trigger.
var dialect = sqlstore.PostgreSQL()

// pgTx is a pgx transaction as the shared store core (package sqlstore)
// runs it. Queue is a pgx.Batch: every queued statement travels in one
// round trip at Flush.
type pgTx struct {
	tx pgQuerier
	// custom plans each query for its own values (customPlan): stats and
	// exports, one statement each, whose best plan depends on them.
	custom bool
	batch  *pgx.Batch
}

var _ sqlstore.WriteTx = (*pgTx)(nil)

// pgQuerier is a transaction, or the pool for statements that each read
// their own snapshot.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// args puts the plan mode first among a query's arguments when custom.
func (t *pgTx) args(args []any) []any {
	if !t.custom {
		return args
	}
	return append([]any{customPlan}, args...)
}

func (t *pgTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (t *pgTx) QueryRow(ctx context.Context, sql string, args ...any) sqlstore.Row {
	return pgRow{t.tx.QueryRow(ctx, sql, t.args(args)...)}
}

func (t *pgTx) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	rows, err := t.tx.Query(ctx, sql, t.args(args)...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (t *pgTx) Queue(sql string, args ...any) {
	if t.batch == nil {
		t.batch = &pgx.Batch{}
	}
	t.batch.Queue(sql, args...)
}

func (t *pgTx) Flush(ctx context.Context) error {
	b := t.batch
	if b == nil || b.Len() == 0 {
		return nil
	}
	t.batch = nil
	return t.tx.SendBatch(ctx, b).Close()
}

type pgRow struct{ pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

// write runs fn in a read-committed write transaction with one "now" for
// the whole transaction. It flushes what fn queued and commits when fn
// returns nil, and rolls back otherwise (or when ctx is cancelled).
func (db *DB) write(ctx context.Context, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
	return db.writeOn(ctx, db.pool, fn)
}

// writeOn is write on a connection of on.
func (db *DB) writeOn(ctx context.Context, on begins, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
	return db.withTxOn(ctx, on, func(tx pgx.Tx, now time.Time) error {
		t := &pgTx{tx: tx}
		if err := fn(t, now); err != nil {
			return err
		}
		if err := t.Flush(ctx); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	})
}

// read runs fn in the repeatable-read, read-only snapshot of a search
// (searchTxOptions: a plan per run), so every statement of fn sees the
// same data.
func (db *DB) read(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
	return db.readOn(ctx, db.pool, fn)
}

// readOn is read on a connection of on.
func (db *DB) readOn(ctx context.Context, on begins, fn func(tx sqlstore.Tx) error) error {
	if err := notDone(ctx); err != nil {
		return err
	}
	tx, err := on.BeginTx(ctx, db.searchTx)
	if err != nil {
		return db.beginError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(&pgTx{tx: tx}); err != nil {
		return classify(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return classify(fmt.Errorf("end read: %w", err))
	}
	return nil
}

// single runs fn's one statement on the pool, planned for its own values
// (customPlan): stats and exports, where a transaction would only add a
// round trip.
func (db *DB) single(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
	return classify(fn(&pgTx{tx: db.pool, custom: true}))
}

// pooled runs fn's one statement on the pool, with the connection's plan
// cache mode (point lookups reuse a generic plan).
func (db *DB) pooled(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
	return classify(fn(&pgTx{tx: db.pool}))
}

// point returns the pool as a Tx for single-statement lookups (a bearer
// token, get-one, the directory) with its errors classified: they run
// outside the transaction helpers that classify.
func (db *DB) point() sqlstore.Tx { return sqlstore.ClassifiedTx(&pgTx{tx: db.pool}, fault) }
