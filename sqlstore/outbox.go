package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The outbox's second half: an attempt batch writes one webhook_outbox
// row per record that active webhooks cover, naming them
// (webhookcache.go), and fanOut turns such rows into one
// webhook_deliveries row per webhook, which carries the per-webhook
// state (attempts, retries, the delivery log, redelivery). It runs in the
// dispatcher's claim transaction, so the check-ins' group commit writes
// one row per record rather than one per webhook (BenchmarkHTTP16Push),
// and before anything reads or deletes a webhook's deliveries (the
// delivery log, a webhook's delete), so they see every record queued.

// fanOutLimit is the most outbox rows one fan-out takes at a time.
const fanOutLimit = 256

// fanOutSQL makes the deliveries of the outbox rows with the given Ids
// (appended), one per webhook each names that still exists, in one
// statement (no argument per delivery), in the order of the rows and
// then of the webhooks, so that a record's deliveries are adjacent
// (claimGroups). The LIKE finds the webhook's Id in the comma-separated
// list; a webhook deleted since the record was written matches nothing.
const fanOutSQL = `INSERT INTO webhook_deliveries (webhook_id, action, record_id, outbox_id, status, attempts,
	next_attempt_on, created_on)
	SELECT w.id, o.action, o.record_id, o.id, 'Pending', 0, o.created_on, o.created_on
	FROM webhook_outbox o JOIN webhooks w ON ',' || o.webhooks || ',' LIKE '%,' || w.id || ',%'
	WHERE o.id IN (`

// OutboxEventID returns the webhook-id (Standard Webhooks) of the delivery
// to webhook of the record of outbox row id, created at created (the
// delivery keeps both: outbox_id, created_on): derived from the outbox
// row, so that the row fanned out twice (the dispatcher's transaction
// lost in a crash after an attempt was sent) gives the same webhook-id,
// and a receiver deduplicates it. It differs from every EventID (the
// "o"), has no '.', and is unique as EventID is: the database's prefix,
// the outbox Id (never reused: AUTOINCREMENT on SQLite, an identity on
// PostgreSQL), the creation time against a restored backup, and the
// webhook.
func OutboxEventID(prefix string, id, webhook int64, created time.Time) string {
	return "msg_" + prefix + "_o" + strconv.FormatInt(id, 10) + "_" + strconv.FormatInt(webhook, 10) + "_" +
		strconv.FormatInt(created.UnixMilli(), 10)
}

// outboxRow is the part of a webhook_outbox row fanOut reads.
type outboxRow struct {
	id      int64
	created time.Time
}

// outboxDueSQL reads the oldest outbox row's creation time: the claim's
// look, which writes nothing when no row is old enough.
const outboxDueSQL = `SELECT created_on FROM webhook_outbox ORDER BY id LIMIT 1`

// outboxDue reports whether the outbox holds a row written at or before
// due (by the oldest row: Ids grow with time); with a zero due, any row.
func (s Webhooks) outboxDue(ctx context.Context, tx Tx, due time.Time) (bool, error) {
	var created time.Time
	err := tx.QueryRow(ctx, outboxDueSQL).Scan(s.D.Accounts.Dest(&created))
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the outbox: %w", err)
	}
	return due.IsZero() || !created.After(due), nil
}

// fanOut turns the outbox rows written at or before due into deliveries,
// in Id order, at most fanOutLimit of them, and deletes them; with all,
// every row whatever its time, until the outbox is empty. A webhook
// deleted since the record was written gets none. The dispatcher's claims skip the rows
// another server is fanning out (wait false); the delivery log and a
// webhook's delete wait for them (wait true), so they see every delivery.
func (s Webhooks) fanOut(ctx context.Context, tx WriteTx, due time.Time, all, wait bool) error {
	lock := s.D.forUpdate()
	if !wait {
		lock = s.D.skipLocked()
	}
	for {
		n, err := s.fanOutOnce(ctx, tx, due, all, lock)
		if err != nil || !all || n < fanOutLimit {
			return err
		}
	}
}

// fanOutOnce is one round of fanOut and returns how many outbox rows it
// read.
func (s Webhooks) fanOutOnce(ctx context.Context, tx WriteTx, due time.Time, all bool, lock string) (int, error) {
	t := s.D.Accounts
	rows, err := tx.Query(ctx, `SELECT d.id, d.created_on FROM webhook_outbox d ORDER BY d.id LIMIT $1`+lock, fanOutLimit)
	if err != nil {
		return 0, fmt.Errorf("read the outbox: %w", err)
	}
	read, err := ScanRows(rows, "read the outbox", func(r Rows) (outboxRow, error) {
		var o outboxRow
		return o, r.Scan(&o.id, t.Dest(&o.created))
	})
	if err != nil || len(read) == 0 {
		return 0, err
	}
	taken := read
	if !all {
		// Ids grow with time: the rows after the first one too young
		// wait for a later claim (the dispatcher's deferral).
		if i := slices.IndexFunc(read, func(o outboxRow) bool { return o.created.After(due) }); i >= 0 {
			taken = read[:i]
		}
	}
	if len(taken) == 0 {
		return len(read), nil
	}
	if s.D.RowLocks {
		// The webhooks are locked against a delete until this
		// transaction ends (FOR KEY SHARE: an edit or a result's update
		// does not wait), so no delivery outlives its webhook.
		if _, err := tx.Exec(ctx, `SELECT id FROM webhooks ORDER BY id FOR KEY SHARE`); err != nil {
			return 0, fmt.Errorf("lock the webhooks: %w", err)
		}
	}
	ids := make([]int64, len(taken))
	for i, o := range taken {
		ids[i] = o.id
	}
	args, in := idList(nil, ids)
	tx.Queue(fanOutSQL+in+`) ORDER BY o.id, w.id`, args...)
	tx.Queue(`DELETE FROM webhook_outbox WHERE id IN (`+in+`)`, args...)
	if err := tx.Flush(ctx); err != nil {
		return 0, fmt.Errorf("fan out the outbox: %w", err)
	}
	return len(read), nil
}
