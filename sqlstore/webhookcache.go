package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// The webhooks' outbox: as the attempt pipeline writes a record, it
// queues, in the same transaction, one webhook_outbox row naming every
// active webhook that covers the record (its action, location and
// Filter); the dispatcher turns it into one webhook_deliveries row per
// webhook when it claims (outbox.go). A crash after the commit therefore
// loses no delivery, and a rollback sends none. Imported history
// (CreateFailedCheckins, copy) never passes here, so it is never
// delivered.

// insertOutboxSQL[k] queues 1<<k records, in one statement: a batch's
// outbox rows (one per record that a webhook covers) are written in
// chunks of 32, 16, ..., 1 rows, so a batch runs a few statements rather
// than one per row (on SQLite each is a call into the driver, a goroutine
// and a step; BenchmarkHTTP16Push/outbox), and the writer's statement
// cache holds six texts.
var insertOutboxSQL = chunkedInsert(`INSERT INTO webhook_outbox (action, record_id, webhooks, created_on) VALUES `,
	outboxArgs, func(n int) string { return fmt.Sprintf("($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4) })

// outboxArgs is the number of arguments of one row of insertOutboxSQL.
const outboxArgs = 4

// chunkedInsert returns the texts of an INSERT of 1, 2, 4, ..., 32 rows:
// head, then row(n) for each row, n the number of arguments before it.
func chunkedInsert(head string, args int, row func(n int) string) (texts [6]string) {
	for k := range texts {
		var b strings.Builder
		b.WriteString(head)
		for i := range 1 << k {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row(i * args))
		}
		texts[k] = b.String()
	}
	return texts
}

// queueChunked queues the inserts of rows (args arguments a row) with the
// texts of chunkedInsert, the largest chunks first.
func queueChunked(queue func(sql string, args ...any), texts [6]string, args int, rows []any) {
	for k := len(texts) - 1; k >= 0; k-- {
		for n := (1 << k) * args; len(rows) >= n; rows = rows[n:] {
			queue(texts[k], rows[:n]...)
		}
	}
}

// WebhookCache keeps the active webhooks of one version of the
// webhook_state row, with their filters parsed, so that a batch matches
// its records without reading the webhooks table. Every batch reads the
// version in its first statement (batchStartSQL), and every change to
// the webhooks adds one to it in the changing transaction, so a change
// made by any server reaches every server's next batch. The zero
// WebhookCache is empty and ready to use.
type WebhookCache struct {
	mu      sync.Mutex
	loaded  bool
	version int64
	hooks   []activeHook
	// Outbox counts this process's batches that queued outbox rows, for
	// the dispatcher's claims (OutboxHint).
	Outbox OutboxHint
	// Queued, when set, is called after a batch that queued deliveries
	// has committed: it wakes this server's dispatcher, so a record
	// reaches its receiver without waiting for the next poll. Set it
	// before the store is shared.
	Queued func()
}

// activeHook is one active webhook as the outbox matches it.
type activeHook struct {
	id       int64
	action   int
	business *int64
	conds    []fc.Condition
}

// covers reports whether the webhook takes rec, a record of action.
func (h *activeHook) covers(action int, rec fc.Valuer) bool {
	return h.action == action && (h.business == nil || *h.business == rec.Business()) && fc.MatchesAll(rec, h.conds)
}

// at returns the active webhooks of version, read in tx when the cache
// holds another version.
func (c *WebhookCache) at(ctx context.Context, tx Tx, version int64) ([]activeHook, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && c.version == version {
		return c.hooks, nil
	}
	if version == 0 { // no webhook was ever made
		c.loaded, c.version, c.hooks = true, 0, nil
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT id, action, business_id, filter FROM webhooks WHERE active ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read the active webhooks: %w", err)
	}
	hooks, err := ScanRows(rows, "read the active webhooks", func(r Rows) (activeHook, error) {
		var h activeHook
		var filter string
		if err := r.Scan(&h.id, &h.action, &h.business, &filter); err != nil {
			return h, err
		}
		// The filter was validated when it was saved, by the same parser.
		// One that no longer parses (a later, stricter version) would
		// send records its owner did not ask for if it were dropped, so
		// the webhook gets nothing until it is saved again.
		var perr error
		if h.conds, perr = searchparams.WebhookFilter(h.action, filter); perr != nil {
			h.action = 0
		}
		return h, nil
	})
	if err != nil {
		return nil, err
	}
	c.loaded, c.version, c.hooks = true, version, hooks
	return hooks, nil
}

// queueDeliveries queues the deliveries of rec, a record of action the
// batch writes, to every active webhook that covers it: one outbox row
// naming them (outbox.go fans it out).
func (b *attemptBatch) queueDeliveries(action int, rec fc.Valuer, id int64) {
	var ids []byte
	n := 0
	for i := range b.hooks {
		h := &b.hooks[i]
		if !h.covers(action, rec) {
			continue
		}
		if n > 0 {
			ids = append(ids, ',')
		}
		ids = strconv.AppendInt(ids, h.id, 10)
		n++
	}
	if n == 0 {
		return
	}
	b.deliveries = append(b.deliveries, action, id, string(ids), b.d.Accounts.Value(b.now))
	b.queued += n
}

// queueDeliveryInserts queues the inserts of every outbox row the batch
// gathered (queueDeliveries), in the order they were gathered.
func (b *attemptBatch) queueDeliveryInserts() {
	queueChunked(b.tx.Queue, insertOutboxSQL, outboxArgs, b.deliveries)
	b.deliveries = nil
}
