package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// insertFannedSQL[k] inserts 1<<k deliveries made from outbox rows, due
// when their record was written, with the webhook-id of OutboxEventID.
var insertFannedSQL = chunkedInsert(`INSERT INTO webhook_deliveries (webhook_id, action, record_id, event_id, status,
	attempts, next_attempt_on, created_on) VALUES `, fannedArgs,
	func(n int) string {
		return fmt.Sprintf("($%d, $%d, $%d, $%d, 'Pending', 0, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+5)
	})

// fannedArgs is the number of arguments of one row of insertFannedSQL.
const fannedArgs = 5

// OutboxEventID returns the webhook-id (Standard Webhooks) of the delivery
// to webhook of the record of outbox row id, created at created: derived
// from the outbox row, so that the row fanned out twice (the dispatcher's
// transaction lost in a crash after an attempt was sent) gives the same
// webhook-id, and a receiver deduplicates it. It differs from every
// EventID (the "o"), has no '.', and is unique as EventID is: the
// database's prefix, the outbox Id (never reused: AUTOINCREMENT on
// SQLite, an identity on PostgreSQL), the creation time against a restored
// backup, and the webhook.
func OutboxEventID(prefix string, id, webhook int64, created time.Time) string {
	return "msg_" + prefix + "_o" + strconv.FormatInt(id, 10) + "_" + strconv.FormatInt(webhook, 10) + "_" +
		strconv.FormatInt(created.UnixMilli(), 10)
}

// outboxRow is one webhook_outbox row.
type outboxRow struct {
	id, record int64
	action     int
	webhooks   string
	created    time.Time
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
// deleted since the record was written gets none (and on PostgreSQL its
// row is locked against a delete until this transaction ends, so no
// delivery outlives its webhook). The dispatcher's claims skip the rows
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
	rows, err := tx.Query(ctx, `SELECT d.id, d.action, d.record_id, d.webhooks, d.created_on FROM webhook_outbox d
		ORDER BY d.id LIMIT $1`+lock, fanOutLimit)
	if err != nil {
		return 0, fmt.Errorf("read the outbox: %w", err)
	}
	read, err := ScanRows(rows, "read the outbox", func(r Rows) (outboxRow, error) {
		var o outboxRow
		return o, r.Scan(&o.id, &o.action, &o.record, &o.webhooks, t.Dest(&o.created))
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
	var prefix string
	if err := tx.QueryRow(ctx, `SELECT event_prefix FROM webhook_state WHERE id = 1`).Scan(&prefix); err != nil {
		return 0, fmt.Errorf("read the event prefix: %w", err)
	}
	live, err := s.liveWebhooks(ctx, tx, taken)
	if err != nil {
		return 0, err
	}
	var args []any
	ids := make([]int64, len(taken))
	for i, o := range taken {
		ids[i] = o.id
		created := t.Value(o.created)
		for part := range strings.SplitSeq(o.webhooks, ",") {
			h, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("outbox row %d: webhook %q: %w", o.id, part, err)
			}
			if !live[h] {
				continue
			}
			args = append(args, h, o.action, o.record, OutboxEventID(prefix, o.id, h, o.created), created)
		}
	}
	queueChunked(tx.Queue, insertFannedSQL, fannedArgs, args)
	del, in := idList(nil, ids)
	tx.Queue(`DELETE FROM webhook_outbox WHERE id IN (`+in+`)`, del...)
	if err := tx.Flush(ctx); err != nil {
		return 0, fmt.Errorf("fan out the outbox: %w", err)
	}
	return len(read), nil
}

// liveWebhooks returns which of the webhooks the outbox rows name still
// exist, locking them against a delete on PostgreSQL (FOR KEY SHARE: an
// edit or a result's update does not wait for it).
func (s Webhooks) liveWebhooks(ctx context.Context, tx WriteTx, rows []outboxRow) (map[int64]bool, error) {
	var named []int64
	for _, o := range rows {
		for part := range strings.SplitSeq(o.webhooks, ",") {
			if h, err := strconv.ParseInt(part, 10, 64); err == nil {
				named = append(named, h)
			}
		}
	}
	slices.Sort(named)
	named = slices.Compact(named)
	live := make(map[int64]bool, len(named))
	if len(named) == 0 {
		return live, nil
	}
	lock := ""
	if s.D.RowLocks {
		lock = " FOR KEY SHARE"
	}
	args, in := idList(nil, named)
	q, err := tx.Query(ctx, `SELECT id FROM webhooks WHERE id IN (`+in+`) ORDER BY id`+lock, args...)
	if err != nil {
		return nil, fmt.Errorf("read the outbox's webhooks: %w", err)
	}
	found, err := ScanRows(q, "read the outbox's webhooks", func(r Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	for _, id := range found {
		live[id] = true
	}
	return live, err
}
