package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// The webhooks' outbox: as the attempt pipeline writes a record, it
// queues, in the same transaction, one webhook_deliveries row for every
// active webhook that covers the record (its action, location and
// Filter). A crash after the commit therefore loses no delivery, and a
// rollback sends none. Imported history (CreateFailedCheckins, copy)
// never passes here, so it is never delivered.

// insertDeliveriesSQL[k] queues 1<<k deliveries, due at once, in one
// statement: a batch's deliveries (three per refusal with three
// webhooks) are written in chunks of 32, 16, ..., 1 rows, so a batch runs
// a few statements rather than one per row (on SQLite each is a call
// into the driver, a goroutine and a step; BenchmarkHTTP16Push/outbox),
// and the writer's statement cache holds six texts.
var insertDeliveriesSQL = func() (texts [6]string) {
	for k := range texts {
		var b strings.Builder
		b.WriteString(`INSERT INTO webhook_deliveries (webhook_id, action, record_id, status, attempts,
	next_attempt_on, created_on) VALUES `)
		for i := range 1 << k {
			if i > 0 {
				b.WriteString(", ")
			}
			n := i * deliveryArgs
			fmt.Fprintf(&b, "($%d, $%d, $%d, 'Pending', 0, $%d, $%d)", n+1, n+2, n+3, n+4, n+4)
		}
		texts[k] = b.String()
	}
	return texts
}()

// deliveryArgs is the number of arguments of one row of insertDeliveriesSQL.
const deliveryArgs = 4

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
// batch writes, to every active webhook that covers it.
func (b *attemptBatch) queueDeliveries(action int, rec fc.Valuer, id int64) {
	for i := range b.hooks {
		h := &b.hooks[i]
		if !h.covers(action, rec) {
			continue
		}
		// No event_id: the webhook-id is derived from the row (EventID).
		b.deliveries = append(b.deliveries, h.id, action, id, b.d.Accounts.Value(b.now))
		b.queued++
	}
}

// queueDeliveryInserts queues the inserts of every delivery the batch
// gathered (queueDeliveries), in the order they were gathered, the
// largest chunks first.
func (b *attemptBatch) queueDeliveryInserts() {
	rows := b.deliveries
	for k := len(insertDeliveriesSQL) - 1; k >= 0; k-- {
		for n := (1 << k) * deliveryArgs; len(rows) >= n; rows = rows[n:] {
			b.tx.Queue(insertDeliveriesSQL[k], rows[:n]...)
		}
	}
	b.deliveries = nil
}
