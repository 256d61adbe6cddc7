package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The outbox's second half: an attempt batch writes one webhook_outbox
// row per record that active webhooks cover, naming them
// (webhookcache.go), and fanOut turns such rows into one
// webhook_deliveries row per webhook, which carries the per-webhook
// state (attempts, retries, the delivery log, redelivery). It runs in the
// dispatcher's claim transaction, so the check-ins' group commit writes
// one row per record rather than one per webhook (BenchmarkHTTP16Push),
// before a webhook's delete, so that it sees every record queued, and
// one round of it before the delivery log is read (fanOutRound).

// fanOutLimit is the most outbox rows one fan-out takes at a time.
const fanOutLimit = 256

// fanOutSQL makes the deliveries of the outbox rows with the given Ids
// (appended), one per webhook each names that still exists, in one
// statement (no argument per delivery), in the order of the rows and
// then of the webhooks, so that a record's deliveries are adjacent
// (claimGroups). The LIKE finds the webhook's Id in the comma-separated
// list; a webhook deleted since the record was written matches nothing,
// and so does one whose Action was changed meanwhile (it no longer wants
// the record's kind). Its location and Filter were judged when the
// record was written (docs/api.md#webhooks), not again here.
const fanOutSQL = `INSERT INTO webhook_deliveries (webhook_id, action, record_id, outbox_id, status, attempts,
	next_attempt_on, created_on)
	SELECT w.id, o.action, o.record_id, o.id, 'Pending', 0, o.created_on, o.created_on
	FROM webhook_outbox o JOIN webhooks w ON ',' || o.webhooks || ',' LIKE '%,' || w.id || ',%' AND w.action = o.action
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

// OutboxRecheck is how often a claim made as attempts end (FinishAndClaim)
// reads the outbox when OutboxHint says this process queued nothing since
// it was last found empty: rows other processes (other servers on
// PostgreSQL, a second handle on the SQLite file) queued are fanned out
// by their own dispatchers, by this one's ClaimDeliveries (its poll and
// wakes), and at the latest after this long.
const OutboxRecheck = time.Second

// OutboxHint spares the dispatcher's claims a read of an empty outbox:
// with a busy dispatcher every group of results claims the next
// deliveries, and the outbox's SELECT alone cost about as much as the
// rest of the claim (BenchmarkWebhookDrain). The zero OutboxHint is
// ready; a nil one always reads.
//
// While the dispatcher defers to saturated check-ins its claims take only
// rows written before a cutoff, and the outbox holds the younger rows of
// the burst: the hint then also keeps the creation time of the oldest row
// left (young), and the claims read the outbox again only once their
// cutoff reaches it, rather than reading up to fanOutLimit young rows
// each time to take none.
type OutboxHint struct {
	queued  atomic.Int64 // batches of this process that queued outbox rows, counted after their commit
	seen    atomic.Int64 // queued as it was before the last read that took every row (the outbox empty)
	young   atomic.Int64 // the oldest row the last read left, too young for its cutoff (Unix nanoseconds); 0: none
	checked atomic.Int64 // when the last read was made (Unix nanoseconds)
}

// look reports whether a claim of the rows written by due should read
// the outbox, and the count to give left if it does.
func (h *OutboxHint) look(due time.Time) (bool, int64) {
	if h == nil {
		return true, 0
	}
	q := h.queued.Load()
	if time.Now().UnixNano()-h.checked.Load() >= int64(OutboxRecheck) {
		return true, q // what other processes queued
	}
	if y := h.young.Load(); y != 0 {
		return due.UnixNano() >= y, q // this process's batches since only add younger rows
	}
	return q != h.seen.Load(), q
}

// left records what a read made after look returned mark left in the
// outbox: more rows as old as the ones it took (more: a full round, read
// again at the next claim), rows from the one created at young on, or
// nothing. A batch that commits later counts past mark, so an outbox left
// empty is read again at the next claim.
func (h *OutboxHint) left(mark int64, young time.Time, more bool) {
	if h == nil {
		return
	}
	switch {
	case more:
		h.seen.Store(-1) // never a count: the next claim reads
		h.young.Store(0)
	case young.IsZero():
		h.seen.Store(mark)
		h.young.Store(0)
	default:
		h.young.Store(young.UnixNano())
	}
	h.checked.Store(time.Now().UnixNano())
}

// outboxRow is the part of a webhook_outbox row fanOut reads.
type outboxRow struct {
	id       int64
	created  time.Time
	webhooks string // the Ids of the webhooks it names, comma-separated
}

// outboxDueSQL reads the oldest outbox row's creation time: the claim's
// look, which writes nothing when no row is old enough.
const outboxDueSQL = `SELECT created_on FROM webhook_outbox ORDER BY id LIMIT 1`

// outboxDue reports whether the outbox holds a row written at or before
// due, judged by the row of the lowest Id; with a zero due, any row. Ids
// only roughly follow creation times (on PostgreSQL concurrent batches
// take Ids and commit in either order, each with its own time), so a row
// a little older may lie behind it: the answer is a hint, which at worst
// leaves such a row to the next look.
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
// deleted since the record was written gets none. The dispatcher's claims
// skip the rows another server is fanning out (wait false); a webhook's
// delete waits for them (wait true), so it sees every delivery.
func (s Webhooks) fanOut(ctx context.Context, tx WriteTx, due time.Time, all, wait bool) (young time.Time, more bool, err error) {
	lock := s.D.forUpdate()
	if !wait {
		lock = s.D.skipLocked()
	}
	for {
		read, taken, young, err := s.fanOutOnce(ctx, tx, due, all, lock)
		if err != nil {
			return young, false, err
		}
		if read < fanOutLimit || taken == 0 {
			return young, false, nil
		}
		if !all {
			return time.Time{}, true, nil
		}
	}
}

// claimFanOut is the fan-out of a claim of deliveries due at due: with
// force (ClaimDeliveries, which looked first), or when the hint says the
// outbox may hold rows for it.
func (s Webhooks) claimFanOut(ctx context.Context, tx WriteTx, due time.Time, force bool) error {
	look, mark := s.Outbox.look(due)
	if !look && !force {
		return nil
	}
	young, more, err := s.fanOut(ctx, tx, due, false, false)
	if err == nil {
		s.Outbox.left(mark, young, more)
	}
	return err
}

// fanOutOnce is one round of fanOut and returns how many outbox rows it
// read, how many of them it fanned out, and the creation time of the
// oldest one it left because it was written after due (zero: none).
func (s Webhooks) fanOutOnce(ctx context.Context, tx WriteTx, due time.Time, all bool, lock string) (read, taken int, young time.Time, err error) {
	t := s.D.Accounts
	rows, err := tx.Query(ctx, `SELECT d.id, d.created_on, d.webhooks FROM webhook_outbox d ORDER BY d.id LIMIT $1`+lock, fanOutLimit)
	if err != nil {
		return 0, 0, young, fmt.Errorf("read the outbox: %w", err)
	}
	got, err := ScanRows(rows, "read the outbox", func(r Rows) (outboxRow, error) {
		var o outboxRow
		return o, r.Scan(&o.id, t.Dest(&o.created), &o.webhooks)
	})
	if err != nil || len(got) == 0 {
		return 0, 0, young, err
	}
	take := got
	if !all {
		// The rows too young wait for a later claim (the dispatcher's
		// deferral); Ids only roughly follow creation times, so an
		// older row after a young one is still taken.
		take = nil
		for _, o := range got {
			switch {
			case !o.created.After(due):
				take = append(take, o)
			case young.IsZero() || o.created.Before(young):
				young = o.created
			}
		}
	}
	if len(take) == 0 {
		return len(got), 0, young, nil
	}
	ids := make([]int64, len(take))
	for i, o := range take {
		ids[i] = o.id
	}
	if s.D.RowLocks {
		if err := lockNamedWebhooks(ctx, tx, take); err != nil {
			return 0, 0, young, err
		}
	}
	args, in := idList(nil, ids)
	tx.Queue(fanOutSQL+in+`) ORDER BY o.id, w.id`, args...)
	tx.Queue(`DELETE FROM webhook_outbox WHERE id IN (`+in+`)`, args...)
	if err := tx.Flush(ctx); err != nil {
		return 0, 0, young, fmt.Errorf("fan out the outbox: %w", err)
	}
	return len(got), len(take), young, nil
}

// fanOutLockSQL locks the webhooks with the Ids of the placeholders ph
// against a delete, in ascending Id order: FOR KEY SHARE, which an edit's
// or a result's FOR NO KEY UPDATE (Dialect.webhookLock) neither waits for
// nor blocks, so a fan-out in a claim that also records results
// (FinishAndClaim, which first locks the webhooks it updates) waits for
// no other server's claim.
func fanOutLockSQL(ph string) string {
	return `SELECT id FROM webhooks WHERE id IN (` + ph + `) ORDER BY id FOR KEY SHARE`
}

// lockNamedWebhooks locks against a delete, until tx ends, the webhooks
// the outbox rows rs name, the only ones fanOutSQL can join, so that no
// delivery it makes outlives its webhook (a delete waits for tx, and
// removes its deliveries after). A webhook already deleted is simply not
// locked, and the INSERT, which reads after the lock, matches nothing.
func lockNamedWebhooks(ctx context.Context, tx WriteTx, rs []outboxRow) error {
	var ids []int64
	for _, o := range rs {
		for _, f := range strings.Split(o.webhooks, ",") {
			if f == "" {
				continue
			}
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return fmt.Errorf("read the outbox row %d's webhooks %q: %w", o.id, o.webhooks, err)
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	args, ph := idList(nil, ids)
	if _, err := tx.Exec(ctx, fanOutLockSQL(ph), args...); err != nil {
		return fmt.Errorf("lock the webhooks: %w", err)
	}
	return nil
}
