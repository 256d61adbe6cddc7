package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The webhooks store (fc.WebhookStore) of both databases: the
// subscriptions, their delivery log and the dispatcher's claims
// (docs/api.md#webhooks). The outbox rows themselves are written by the
// attempt pipeline (webhookcache.go). Times are Dialect.Accounts'.

// webhookColumns are the columns of a webhook row, in scanWebhook's order.
const webhookColumns = `id, unique_id, business_id, name, action, description, url, active, filter, secret,
	last_error, error_count, last_trigger, created_on, updated_on, updated_by, system_id`

// deliveryColumns are the columns of a delivery row, in scanDelivery's
// order; a query that reads them adds eventPrefixColumn after them.
const deliveryColumns = `id, webhook_id, action, record_id, event_id, outbox_id, status, attempts, last_status_code,
	last_error, next_attempt_on, delivered_on, created_on, body`

// eventPrefixColumn is the database's event_prefix, which EventID needs;
// read once per query (the subquery is not correlated).
const eventPrefixColumn = `(SELECT event_prefix FROM webhook_state WHERE id = 1)`

// EventID returns the webhook-id (Standard Webhooks) of a delivery queued
// since migration 0017 (SQLite; 0018 PostgreSQL) and not made from an
// outbox row (alert incidents; and every delivery queued before 0020,
// 0022 PostgreSQL), whose event_id and outbox_id are NULL:
// derived from the row rather than stored with a UNIQUE index in each
// refusal's transaction (BenchmarkHTTP16Push/outbox). It is the same on
// every attempt, and unique: the database's random prefix tells two
// installations apart (a copy of a database keeps it, so a staging copy
// restored from production and sending to the same receivers differs
// from it by the creation milliseconds only), the row's Id the deliveries of one, and its creation
// time (milliseconds) a delivery from a later one given the same Id (a
// row deleted and its Id reused on SQLite, a database restored from a
// backup). It has no '.' (Standard Webhooks signs "{id}.{timestamp}.{body}").
func EventID(prefix string, id int64, created time.Time) string {
	return "msg_" + prefix + "_" + strconv.FormatInt(id, 10) + "_" + strconv.FormatInt(created.UnixMilli(), 10)
}

// bumpWebhooksSQL tells every server's outbox cache that the set of
// webhooks changed (WebhookCache).
const bumpWebhooksSQL = `UPDATE webhook_state SET version = version + 1 WHERE id = 1`

// Webhooks is the webhook store each store's DB embeds.
type Webhooks struct {
	D     Dialect
	Read  ReadFunc
	Write WriteFunc
	// Outbox, when set, is the process's OutboxHint, which spares the
	// claims made as attempts end a read of an empty outbox; nil reads
	// it on every claim.
	Outbox *OutboxHint
	// LazyWrite, when set, runs the dispatcher's claims and results: writes
	// that a crash may lose without harm (a lost lease or result means a
	// delivery is sent again, which at-least-once allows), so they may
	// commit without waiting for the disk. nil is Write.
	LazyWrite WriteFunc
}

// lazy returns LazyWrite, or Write.
func (s Webhooks) lazy() WriteFunc {
	if s.LazyWrite != nil {
		return s.LazyWrite
	}
	return s.Write
}

var _ fc.WebhookStore = Webhooks{}

func (s Webhooks) scanWebhook(row Row) (*fc.Webhook, error) {
	var w fc.Webhook
	t := s.D.Accounts
	err := row.Scan(&w.ID, &w.UniqueID, &w.BusinessID, &w.Name, &w.Action, &w.Description, &w.URL, &w.Active, &w.Filter,
		&w.Secret, &w.LastError, &w.ErrorCount, t.OptionalDest(&w.LastTrigger), t.Dest(&w.CreatedOn), t.Dest(&w.UpdatedOn),
		&w.UpdatedBy, &w.SystemID)
	if errors.Is(err, ErrNoRows) {
		return nil, fc.Errorf(fc.ErrNotFound, "Not found")
	}
	if err != nil {
		return nil, fmt.Errorf("read webhook: %w", err)
	}
	return &w, nil
}

// scanDelivery reads deliveryColumns, eventPrefixColumn and then more
// into d.
func (s Webhooks) scanDelivery(row Row, d *fc.WebhookDelivery, more ...any) error {
	t := s.D.Accounts
	var eventID *string
	var outboxID *int64
	var prefix string
	dest := append([]any{&d.ID, &d.WebhookID, &d.Action, &d.RecordID, &eventID, &outboxID, &d.Status, &d.Attempts, &d.LastStatusCode,
		&d.LastError, t.OptionalDest(&d.NextAttemptOn), t.OptionalDest(&d.DeliveredOn), t.Dest(&d.CreatedOn), &d.Body, &prefix}, more...)
	if err := row.Scan(dest...); err != nil {
		return fmt.Errorf("read webhook delivery: %w", err)
	}
	switch {
	case eventID != nil: // queued before migration 0017 (SQLite; 0018 PostgreSQL)
		d.EventID = *eventID
	case outboxID != nil: // made from an outbox row (outbox.go)
		d.EventID = OutboxEventID(prefix, *outboxID, d.WebhookID, d.CreatedOn)
	default:
		d.EventID = EventID(prefix, d.ID, d.CreatedOn)
	}
	return nil
}

// scopeWhere returns the condition that keeps the webhooks scope sees,
// its placeholders numbered after the n arguments already in args: every
// webhook for a full administrator; for anyone else those of its
// locations (never one of every location, whose business_id is NULL).
func scopeWhere(scope fc.Scope, args []any) (string, []any) {
	if scope.All() {
		return "TRUE", args
	}
	ids := scope.Businesses()
	if len(ids) == 0 {
		return "FALSE", args
	}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	return "business_id IN (" + strings.Join(ph, ", ") + ")", args
}

// CreateWebhook stores w and sets its ID, UniqueID, CreatedOn and
// UpdatedOn.
func (s Webhooks) CreateWebhook(ctx context.Context, w *fc.Webhook) error {
	if w.Secret == "" {
		return fmt.Errorf("create webhook: no secret") // the caller's bug, never a client's 400
	}
	uid := NewUniqueID()
	var id int64
	var at time.Time
	err := s.Write(ctx, func(tx WriteTx, now time.Time) error {
		at = now.UTC().Truncate(time.Millisecond)
		t := s.D.Accounts
		err := tx.QueryRow(ctx, `INSERT INTO webhooks (unique_id, business_id, name, action, description, url, active, filter,
			secret, last_error, error_count, last_trigger, created_on, updated_on, updated_by, system_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', 0, NULL, $10, $10, $11, $12) RETURNING id`,
			uid, w.BusinessID, w.Name, w.Action, w.Description, w.URL, w.Active, w.Filter, w.Secret, t.Value(at),
			w.UpdatedBy, w.SystemID).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert webhook: %w", err)
		}
		if _, err := tx.Exec(ctx, bumpWebhooksSQL); err != nil {
			return fmt.Errorf("bump the webhooks' version: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.ID, w.UniqueID, w.CreatedOn, w.UpdatedOn = id, uid, at, at
	w.LastError, w.ErrorCount, w.LastTrigger = "", 0, nil
	return nil
}

// UpdateWebhook saves the fields of w a client may change, over the
// stored webhook as it is in the write transaction; see fc.WebhookStore.
func (s Webhooks) UpdateWebhook(ctx context.Context, scope fc.Scope, base, w *fc.Webhook) error {
	return s.Write(ctx, func(tx WriteTx, now time.Time) error {
		where, args := scopeWhere(scope, []any{w.ID})
		stored, err := s.scanWebhook(tx.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1 AND `+where+s.D.webhookLock(), args...))
		if err != nil {
			return err
		}
		wasActive := stored.Active
		w = mergeWebhook(stored, base, w)
		t := s.D.Accounts
		at := t.Value(now)
		// Turning a webhook on starts its count afresh and sends what
		// waited at once (PUSH.md: re-enabling resumes its deliveries).
		resume := w.Active && !wasActive
		_, err = tx.Exec(ctx, `UPDATE webhooks SET business_id = $1, name = $2, action = $3, description = $4, url = $5,
			active = $6, filter = $7, secret = $8, updated_on = $9, updated_by = $10, system_id = $11,
			error_count = CASE WHEN $12 THEN 0 ELSE error_count END WHERE id = $13`,
			w.BusinessID, w.Name, w.Action, w.Description, w.URL, w.Active, w.Filter, w.Secret, at, w.UpdatedBy, w.SystemID,
			resume, w.ID)
		if err != nil {
			return fmt.Errorf("update webhook %d: %w", w.ID, err)
		}
		if resume {
			_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_on = $1
				WHERE webhook_id = $2 AND status = 'Pending' AND next_attempt_on > $1`, at, w.ID)
			if err != nil {
				return fmt.Errorf("resume deliveries of webhook %d: %w", w.ID, err)
			}
		}
		if _, err := tx.Exec(ctx, bumpWebhooksSQL); err != nil {
			return fmt.Errorf("bump the webhooks' version: %w", err)
		}
		return nil
	})
}

// mergeWebhook returns the webhook to write: stored (as it is now, under
// the write lock) with the fields a client may change taken from w where
// w changed them from base (what the client read before): a three-way
// merge, so that a change made in between by someone else, or by the
// dispatcher (a disable after the 10th failure or a 410), is not undone by
// a client that did not touch that field. A nil base takes every field
// from w. UpdatedBy is always w's.
func mergeWebhook(stored, base, w *fc.Webhook) *fc.Webhook {
	if base == nil {
		return w
	}
	m := *stored
	m.UpdatedBy = w.UpdatedBy
	if !samePtr(w.BusinessID, base.BusinessID) {
		m.BusinessID = w.BusinessID
	}
	if w.Name != base.Name {
		m.Name = w.Name
	}
	if w.Action != base.Action {
		m.Action = w.Action
	}
	if w.Description != base.Description {
		m.Description = w.Description
	}
	if w.URL != base.URL {
		m.URL = w.URL
	}
	if w.Active != base.Active {
		m.Active = w.Active
	}
	if w.Filter != base.Filter {
		m.Filter = w.Filter
	}
	if w.Secret != base.Secret {
		m.Secret = w.Secret
	}
	if !samePtr(w.SystemID, base.SystemID) {
		m.SystemID = w.SystemID
	}
	return &m
}

// samePtr reports whether two optional values are equal: both absent, or
// both present with equal values.
func samePtr[T comparable](a, b *T) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// DeleteWebhook deletes the webhook and its deliveries.
func (s Webhooks) DeleteWebhook(ctx context.Context, scope fc.Scope, id int64) error {
	return s.Write(ctx, func(tx WriteTx, _ time.Time) error {
		// The scope first: a caller who may not see the webhook does not
		// hold the writer for the fan-out below.
		if _, err := s.findWebhook(ctx, tx, scope, id); err != nil {
			return err
		}
		// The records queued for it become deliveries first, deleted
		// below with the rest: an outbox row left naming it would
		// otherwise go to a webhook created later with its Id (SQLite
		// reuses the largest Id).
		if _, _, err := s.fanOut(ctx, tx, time.Time{}, true, true); err != nil {
			return err
		}
		where, args := scopeWhere(scope, []any{id})
		n, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = $1 AND `+where, args...)
		if err != nil {
			return fmt.Errorf("delete webhook %d: %w", id, err)
		}
		if n == 0 {
			return fc.Errorf(fc.ErrNotFound, "Not found")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = $1`, id); err != nil {
			return fmt.Errorf("delete deliveries of webhook %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, bumpWebhooksSQL); err != nil {
			return fmt.Errorf("bump the webhooks' version: %w", err)
		}
		return nil
	})
}

// FindWebhookByID returns the webhook when it lies in scope.
func (s Webhooks) FindWebhookByID(ctx context.Context, scope fc.Scope, id int64) (*fc.Webhook, error) {
	return ReadValue(ctx, s.Read, func(tx Tx) (*fc.Webhook, error) {
		return s.findWebhook(ctx, tx, scope, id)
	})
}

func (s Webhooks) findWebhook(ctx context.Context, tx Tx, scope fc.Scope, id int64) (*fc.Webhook, error) {
	where, args := scopeWhere(scope, []any{id})
	return s.scanWebhook(tx.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1 AND `+where, args...))
}

// FindWebhooks returns the page of webhooks q selects. The scope is
// applied in the query; the filters, order and page then in Go, by the
// search's own evaluator (fc.MatchesAll, fc.CompareField): webhooks are
// few (an operator makes each one), so one evaluation of the grammar
// serves the list rather than a second one in SQL.
func (s Webhooks) FindWebhooks(ctx context.Context, q fc.Query) (*fc.WebhookPage, error) {
	all, err := ReadValue(ctx, s.Read, func(tx Tx) ([]*fc.Webhook, error) {
		where, args := scopeWhere(q.Scope, nil)
		rows, err := tx.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE `+where, args...)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		return ScanRows(rows, "list webhooks", func(r Rows) (*fc.Webhook, error) { return s.scanWebhook(r) })
	})
	if err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, w := range all {
		if fc.MatchesAll(w, q.Conditions) {
			kept = append(kept, w)
		}
	}
	slices.SortFunc(kept, func(a, b *fc.Webhook) int {
		c := cmp.Or(fc.CompareField(a, b, q.OrderBy), cmp.Compare(a.ID, b.ID))
		if q.Descending {
			c = -c
		}
		return c
	})
	page := &fc.WebhookPage{TotalItems: int64(len(kept)), Records: []*fc.Webhook{}}
	if start := q.Offset(); start < int64(len(kept)) {
		page.Records = kept[start:min(start+int64(q.Size), int64(len(kept)))]
	}
	return page, nil
}

// FindWebhookDeliveries returns a page of the webhook's deliveries, newest
// first.
func (s Webhooks) FindWebhookDeliveries(ctx context.Context, scope fc.Scope, webhookID int64, page int64, size int) (*fc.WebhookDeliveryPage, error) {
	q := fc.Query{Page: page, Size: size}
	// The scope first: a caller who may not read the webhook makes no
	// write.
	if _, err := ReadValue(ctx, s.Read, func(tx Tx) (*fc.Webhook, error) {
		return s.findWebhook(ctx, tx, scope, webhookID)
	}); err != nil {
		return nil, err
	}
	if err := s.fanOutRound(ctx); err != nil {
		return nil, err
	}
	return ReadValue(ctx, s.Read, func(tx Tx) (*fc.WebhookDeliveryPage, error) {
		if _, err := s.findWebhook(ctx, tx, scope, webhookID); err != nil {
			return nil, err
		}
		out := &fc.WebhookDeliveryPage{Records: []*fc.WebhookDelivery{}}
		err := tx.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1`, webhookID).Scan(&out.TotalItems)
		if err != nil {
			return nil, fmt.Errorf("count deliveries: %w", err)
		}
		if q.Offset() >= out.TotalItems {
			return out, nil
		}
		rows, err := tx.Query(ctx, `SELECT `+deliveryColumns+`, `+eventPrefixColumn+` FROM webhook_deliveries WHERE webhook_id = $1
			ORDER BY id DESC LIMIT $2 OFFSET $3`, webhookID, size, q.Offset())
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		recs, err := ScanRows(rows, "list deliveries", func(r Rows) (*fc.WebhookDelivery, error) {
			var d fc.WebhookDelivery
			return &d, s.scanDelivery(r, &d)
		})
		if err != nil {
			return nil, err
		}
		if recs != nil {
			out.Records = recs
		}
		return out, nil
	})
}

// fanOutRound turns the oldest outbox rows, at most fanOutLimit of them,
// into deliveries, so that the delivery log shows the records queued that
// the dispatcher has not claimed yet (while it defers to saturated
// check-ins, or when none runs). One round, not the whole outbox: the
// delivery log is a read any WebHook-Read caller makes, and fanning out a
// burst's whole backlog would hold SQLite's one writer for all of it.
// With a longer backlog the log shows its oldest records, and the rest
// as the dispatcher (or further reads) take them (docs/api.md). It writes
// only when the outbox holds a row; a crash may lose the write
// (LazyWrite), and the next fan-out then makes the same deliveries again,
// with the same webhook-ids.
func (s Webhooks) fanOutRound(ctx context.Context) error {
	queued, err := ReadValue(ctx, s.Read, func(tx Tx) (bool, error) {
		return s.outboxDue(ctx, tx, time.Time{})
	})
	if err != nil || !queued {
		return err
	}
	return s.lazy()(ctx, func(tx WriteTx, _ time.Time) error {
		_, _, _, err := s.fanOutOnce(ctx, tx, time.Time{}, true, s.D.forUpdate())
		return err
	})
}

// RedeliverWebhook queues deliveries of the webhook again, due at once,
// with their attempts counted afresh.
func (s Webhooks) RedeliverWebhook(ctx context.Context, scope fc.Scope, webhookID int64, ids []int64, status string) (int64, error) {
	var n int64
	err := s.Write(ctx, func(tx WriteTx, now time.Time) error {
		where, args := scopeWhere(scope, []any{webhookID})
		var found int64
		if err := tx.QueryRow(ctx, `SELECT id FROM webhooks WHERE id = $1 AND `+where, args...).Scan(&found); err != nil {
			if errors.Is(err, ErrNoRows) {
				return fc.Errorf(fc.ErrNotFound, "Not found")
			}
			return fmt.Errorf("read webhook %d: %w", webhookID, err)
		}
		args = []any{s.D.Accounts.Value(now), webhookID}
		var which string
		if ids != nil {
			var in string
			args, in = idList(args, ids)
			which = "id IN (" + in + ")"
		} else {
			args = append(args, status)
			which = "status = $3"
		}
		var err error
		n, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'Pending', attempts = 0, next_attempt_on = $1,
			ended_on = NULL, lease_owner = NULL, lease_until = NULL WHERE webhook_id = $2 AND `+which, args...)
		if err != nil {
			return fmt.Errorf("redeliver: %w", err)
		}
		return nil
	})
	return n, err
}

// dueSQL selects the deliveries a dispatcher may claim: pending, due, of
// an active webhook, not leased or with a lease that has expired; with
// their record (claimGroups).
const dueSQL = `SELECT d.id, d.action, d.record_id` + dueFrom + ` LIMIT $2`

// dueFrom is the FROM, WHERE and ORDER BY of the deliveries due at $1,
// oldest first: dueSQL's, claimSQL's and oldestDueSQL's.
const dueFrom = ` FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
	WHERE d.status = 'Pending' AND w.active AND d.next_attempt_on <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
	ORDER BY d.next_attempt_on, d.id`

// oldestDueSQL reads when the delivery that has been due longest became
// due (OldestDue): the first row of webhook_deliveries_due's order that
// a claim could take.
const oldestDueSQL = `SELECT d.next_attempt_on` + dueFrom + ` LIMIT 1`

// claimSQL is dueSQL reading whole deliveries with their webhook's URL,
// secret and location: a claim reads what it leases in the statement
// that chooses it, rather than choosing and then reading again by Id
// (the profile of BenchmarkHTTP16Push/push: the second read cost half as
// much as the first).
var claimSQL = `SELECT ` + deliveryJobColumns + dueFrom + ` LIMIT $2`

// deliveryJobColumns are the columns of a fc.DeliveryJob (scanJob), of
// webhook_deliveries d joined with webhooks w.
var deliveryJobColumns = prefixed("d.", deliveryColumns) + `, ` + eventPrefixColumn + `, w.url, w.secret, w.business_id`

// ClaimDeliveries leases up to limit due deliveries to owner. It first
// looks without writing (a dispatcher polls every second, and on SQLite
// a write transaction takes the one writer the check-ins need), then, in
// a write transaction, selects them again (on PostgreSQL FOR UPDATE SKIP
// LOCKED: servers claiming at once take different rows, none waits) and
// leases them.
func (s Webhooks) ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*fc.DeliveryJob, error) {
	t := s.D.Accounts
	due, err := ReadValue(ctx, s.Read, func(tx Tx) (bool, error) {
		var id, record int64
		var action int
		err := tx.QueryRow(ctx, dueSQL, t.Value(now), 1).Scan(&id, &action, &record)
		if errors.Is(err, ErrNoRows) {
			return s.outboxDue(ctx, tx, now)
		}
		return err == nil, err
	})
	if err != nil || !due {
		return nil, err
	}
	var jobs []*fc.DeliveryJob
	err = s.lazy()(ctx, func(tx WriteTx, _ time.Time) error {
		jobs, err = s.claim(ctx, tx, owner, now, leaseUntil, limit, true)
		return err
	})
	return jobs, err
}

// OldestDue returns when the longest-waiting work became due
// (fc.WebhookStore): the older of the first outbox row (by Id, as
// outboxDue judges it) and the first delivery oldestDueSQL finds. Both
// are index-ordered reads of one row with no row locks: a row another
// server is fanning out or sending right now still counts until that
// server commits, which errs towards "behind" for the few milliseconds
// of its transaction. The outbox is read first: on PostgreSQL the two
// statements may see two snapshots (Read runs each on the pool), and a
// row fanned out between them is then seen by one of them, as a
// queued record or as its deliveries, rather than by neither.
func (s Webhooks) OldestDue(ctx context.Context, now time.Time) (time.Time, error) {
	t := s.D.Accounts
	return ReadValue(ctx, s.Read, func(tx Tx) (time.Time, error) {
		var oldest, queued time.Time
		err := tx.QueryRow(ctx, outboxDueSQL).Scan(t.Dest(&queued))
		if err != nil && !errors.Is(err, ErrNoRows) {
			return time.Time{}, fmt.Errorf("read the outbox: %w", err)
		}
		err = tx.QueryRow(ctx, oldestDueSQL, t.Value(now)).Scan(t.Dest(&oldest))
		if err != nil && !errors.Is(err, ErrNoRows) {
			return time.Time{}, fmt.Errorf("read the oldest due delivery: %w", err)
		}
		if !queued.IsZero() && (oldest.IsZero() || queued.Before(oldest)) {
			oldest = queued
		}
		return oldest, nil
	})
}

// FinishAndClaim records rs and leases up to limit due deliveries to
// owner, in one write transaction (fc.WebhookStore): the dispatcher's
// workers that end hand their places to the next deliveries at the cost
// of one turn of the writer, not two (BenchmarkHTTP16Push/push). The
// results come first, in FinishDeliveries' order (the webhooks locked in
// Id order), so a delivery just failed is not claimed again unless due.
func (s Webhooks) FinishAndClaim(ctx context.Context, owner string, rs []fc.DeliveryResult, now, leaseUntil time.Time, limit int) ([]*fc.DeliveryJob, error) {
	var jobs []*fc.DeliveryJob
	err := s.lazy()(ctx, func(tx WriteTx, _ time.Time) error {
		jobs = nil
		if len(rs) > 0 {
			if err := s.lockWebhooks(ctx, tx, rs); err != nil {
				return err
			}
			if err := s.finishAll(ctx, tx, owner, rs); err != nil {
				return err
			}
		}
		if limit <= 0 {
			return nil
		}
		var err error
		jobs, err = s.claim(ctx, tx, owner, now, leaseUntil, limit, false)
		return err
	})
	return jobs, err
}

// claim leases up to limit due deliveries to owner in tx and returns
// them, after turning the outbox rows written by now into deliveries
// (claimFanOut: with force, whatever the OutboxHint says): on PostgreSQL the due rows are selected FOR UPDATE SKIP LOCKED,
// so servers claiming at once take different rows and none waits.
func (s Webhooks) claim(ctx context.Context, tx WriteTx, owner string, now, leaseUntil time.Time, limit int, force bool) ([]*fc.DeliveryJob, error) {
	t := s.D.Accounts
	if err := s.claimFanOut(ctx, tx, now, force); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, claimSQL+s.D.skipLocked(), t.Value(now), limit+1)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	jobs, err := ScanRows(rows, "claim deliveries", func(r Rows) (*fc.DeliveryJob, error) {
		var j fc.DeliveryJob
		return &j, s.scanDelivery(r, &j.Delivery, &j.URL, &j.Secret, &j.Delivery.Scope)
	})
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	due := make([]dueDelivery, len(jobs))
	for i, j := range jobs {
		due[i] = dueDelivery{id: j.Delivery.ID, action: j.Delivery.Action, record: j.Delivery.RecordID}
	}
	jobs = jobs[:len(claimGroups(due, limit))] // a prefix
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.Delivery.ID
	}
	lease, in := idList([]any{owner, t.Value(leaseUntil)}, ids)
	if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN (`+in+`)`, lease...); err != nil {
		return nil, fmt.Errorf("lease deliveries: %w", err)
	}
	slices.SortFunc(jobs, func(a, b *fc.DeliveryJob) int { return cmp.Compare(a.Delivery.ID, b.Delivery.ID) }) // in Id order, as before
	return jobs, nil
}

// dueDelivery is a row of dueSQL.
type dueDelivery struct {
	id, record int64
	action     int
}

// claimGroups returns the first limit of due (which holds up to limit+1
// rows, in claim order), less the deliveries at the end whose record has
// more deliveries after them, unless that would leave none: a record's
// deliveries to several webhooks (adjacent, as the fan-out writes them)
// then go in one claim, whose attempts render the body once
// (webhook.renders; BenchmarkWebhookDrain's reads/delivery), rather than
// once in each of two claims. The ones held back are claimed next.
func claimGroups(due []dueDelivery, limit int) []dueDelivery {
	if len(due) <= limit {
		return due
	}
	last := due[limit-1]
	same := func(d dueDelivery) bool { return d.action == last.action && d.record == last.record }
	if !same(due[limit]) {
		return due[:limit]
	}
	i := limit - 1
	for i > 0 && same(due[i-1]) {
		i--
	}
	if i == 0 {
		return due[:limit]
	}
	return due[:i]
}

// idList appends ids to args and returns their placeholders, numbered
// after the arguments before them.
func idList(args []any, ids []int64) ([]any, string) {
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	return args, strings.Join(ph, ", ")
}

// prefixed puts prefix before every column of a column list.
func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// FinishDelivery records one attempt of a delivery owner holds. A lease
// lost meanwhile (it expired and another server took the delivery, or a
// redelivery reset it) changes nothing: the other attempt's result
// counts.
func (s Webhooks) FinishDelivery(ctx context.Context, owner string, r fc.DeliveryResult) error {
	return s.FinishDeliveries(ctx, owner, []fc.DeliveryResult{r})
}

// FinishDeliveries records several attempts in one write transaction
// (fc.WebhookStore).
func (s Webhooks) FinishDeliveries(ctx context.Context, owner string, rs []fc.DeliveryResult) error {
	if len(rs) == 0 {
		return nil
	}
	_, err := s.FinishAndClaim(ctx, owner, rs, time.Time{}, time.Time{}, 0)
	return err
}

// lockWebhooksSQL locks the webhooks with the Ids of the placeholders ph
// in ascending Id order (lockWebhooks).
func lockWebhooksSQL(d Dialect, ph string) string {
	return `SELECT id FROM webhooks WHERE id IN (` + ph + `) ORDER BY id` + d.webhookLock()
}

// lockWebhooks takes the row locks of the webhooks of rs in ascending Id
// order before finish updates any of them. finish meets the webhooks in
// the order their attempts ended, so two servers recording [W1, W2] and
// [W2, W1] at once would each hold one and wait for the other: PostgreSQL
// would abort one transaction as a deadlock, and its batch of results
// would be lost (sent again after the lease, the failure counts and a 410's
// disable forgotten). Locking in one order first cannot deadlock. Webhook
// edits lock one webhook row and then the version row, as a disable here
// does, so the order holds against them too. SQLite has no row locks: its
// one writer already serializes everything.
func (s Webhooks) lockWebhooks(ctx context.Context, tx WriteTx, rs []fc.DeliveryResult) error {
	if !s.D.RowLocks {
		return nil
	}
	ids := make([]int64, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.WebhookID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	args, ph := idList(nil, ids)
	rows, err := tx.Query(ctx, lockWebhooksSQL(s.D, ph), args...)
	if err != nil {
		return fmt.Errorf("lock webhooks: %w", err)
	}
	_, err = ScanRows(rows, "lock webhooks", func(r Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	return err
}

// finishAll records the attempts rs in tx, in order. A success resets
// its webhook's ErrorCount and sets its LastTrigger: that write is made
// once per webhook for a run of its successes, not once per delivery
// (BenchmarkWebhookDrain: one statement per delivery less), just before
// a failure of the same webhook (which counts from it) or at the end, so
// the webhook ends as recording rs one by one would leave it.
func (s Webhooks) finishAll(ctx context.Context, tx WriteTx, owner string, rs []fc.DeliveryResult) error {
	t := s.D.Accounts
	var order []int64             // webhooks with a success not yet written, first success first
	last := map[int64]time.Time{} // their last success's time
	succeed := func(id int64) error {
		at, ok := last[id]
		if !ok {
			return nil
		}
		delete(last, id)
		_, err := tx.Exec(ctx, `UPDATE webhooks SET error_count = 0, last_trigger = $1 WHERE id = $2`, t.Value(at), id)
		if err != nil {
			return fmt.Errorf("update webhook %d: %w", id, err)
		}
		return nil
	}
	for _, r := range rs {
		if !r.NotSent && !r.Delivered {
			if err := succeed(r.WebhookID); err != nil {
				return err
			}
		}
		recorded, err := s.finish(ctx, tx, owner, r)
		if err != nil {
			return err
		}
		if recorded && r.Delivered {
			if _, ok := last[r.WebhookID]; !ok {
				order = append(order, r.WebhookID)
			}
			last[r.WebhookID] = r.At
		}
	}
	for _, id := range order {
		if err := succeed(id); err != nil {
			return err
		}
	}
	return nil
}

// finish records one attempt in tx and reports whether the delivery was
// still owner's (a lease lost meanwhile changes nothing). A failure
// updates the webhook too; a success leaves that to finishAll.
func (s Webhooks) finish(ctx context.Context, tx WriteTx, owner string, r fc.DeliveryResult) (bool, error) {
	t := s.D.Accounts
	if r.NotSent {
		// No attempt was made: the delivery ends, the webhook is
		// left as it is (fc.DeliveryResult.NotSent).
		_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = $1, last_error = $2, next_attempt_on = NULL,
			ended_on = $3, lease_owner = NULL, lease_until = NULL WHERE id = $4 AND lease_owner = $5`,
			fc.DeliveryFailed, r.Error, t.Value(r.At), r.DeliveryID, owner)
		if err != nil {
			return false, fmt.Errorf("finish delivery %d: %w", r.DeliveryID, err)
		}
		return true, nil
	}
	// ended is when a delivery became Delivered or Failed, the time the
	// delivery log's retention counts from (PruneWebhookDeliveries).
	status, delivered, ended := fc.DeliveryPending, any(nil), any(nil)
	switch {
	case r.Delivered:
		status, delivered, ended = fc.DeliveryDelivered, t.Value(r.At), t.Value(r.At)
	case r.Next == nil:
		status, ended = fc.DeliveryFailed, t.Value(r.At)
	}
	var code, lastErr any
	if r.StatusCode != 0 {
		code = r.StatusCode
	}
	if r.Error != "" {
		lastErr = r.Error
	}
	n, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_status_code = $2,
		last_error = $3, next_attempt_on = $4, delivered_on = $5, ended_on = $6, lease_owner = NULL, lease_until = NULL
		WHERE id = $7 AND lease_owner = $8`,
		status, code, lastErr, t.Optional(r.Next), delivered, ended, r.DeliveryID, owner)
	if err != nil {
		return false, fmt.Errorf("finish delivery %d: %w", r.DeliveryID, err)
	}
	if n == 0 {
		return false, nil
	}
	if r.Delivered {
		return true, nil
	}
	var active bool
	var count int
	err = tx.QueryRow(ctx, `SELECT active, error_count FROM webhooks WHERE id = $1`+s.D.webhookLock(), r.WebhookID).Scan(&active, &count)
	if errors.Is(err, ErrNoRows) {
		return true, nil // deleted meanwhile
	}
	if err != nil {
		return false, fmt.Errorf("read webhook %d: %w", r.WebhookID, err)
	}
	count++
	msg := r.Error
	disable := active && (r.Disable || count >= fc.WebhookDisableAfter)
	switch {
	case disable && r.Disable:
		msg = "Disabled: the receiver answered 410 Gone. " + msg
	case disable:
		msg = fmt.Sprintf("Disabled after %d consecutive failed attempts. Last: %s", count, msg)
	}
	_, err = tx.Exec(ctx, `UPDATE webhooks SET error_count = $1, last_error = $2, last_trigger = $3, active = $4 WHERE id = $5`,
		count, msg, t.Value(r.At), active && !disable, r.WebhookID)
	if err != nil {
		return false, fmt.Errorf("update webhook %d: %w", r.WebhookID, err)
	}
	if disable {
		if _, err := tx.Exec(ctx, bumpWebhooksSQL); err != nil {
			return false, fmt.Errorf("bump the webhooks' version: %w", err)
		}
	}
	return true, nil
}

// PendingDeliveries counts the deliveries not yet delivered or failed
// (the queue depth of /metrics).
func (s Webhooks) PendingDeliveries(ctx context.Context) (int64, error) {
	return ReadValue(ctx, s.Read, func(tx Tx) (int64, error) {
		// An outbox row counts once per webhook it names (its commas
		// and one).
		var n int64
		err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'Pending') +
			(SELECT coalesce(sum(length(webhooks) - length(replace(webhooks, ',', '')) + 1), 0) FROM webhook_outbox)`).Scan(&n)
		return n, err
	})
}

// PruneWebhookDeliveries deletes, of the next limit deliveries by Id after
// after, those that ended (Delivered or Failed) before before: the
// delivery log's retention (--webhook-log-retention), so the outbox does
// not grow for ever. It counts from ended_on, when the delivery ended,
// not from when it was created: one that waited weeks (its webhook off)
// and then failed, or an old one redelivered, is kept for the whole
// window from its new end. A pending delivery is never deleted, however
// old (its webhook may be off for now); a delivery queued again
// meanwhile is pending, and the DELETE's own condition keeps it (on
// PostgreSQL it is checked again on the row's latest version). The batch
// walks the table by Id rather than by time, which needs no index beyond
// the key and passes over old pending rows once per run. The run is done
// once a batch ends on a delivery created at or after before (a delivery
// ends after it was created). Ids only roughly follow creation times (a
// delivery takes its record's queueing time, and is made when a claim
// fans the outbox out: concurrent claims, or one that skipped a younger
// row, file them out of order), so a delivery of a slightly older record
// beyond that point waits for a later run, whose cutoff has moved on.
func (s Webhooks) PruneWebhookDeliveries(ctx context.Context, before time.Time, after int64, limit int) (fc.RetentionProgress, error) {
	var p fc.RetentionProgress
	if limit < 1 {
		return p, fc.Errorf(fc.ErrInvalid, "the batch size must be at least 1")
	}
	t := s.D.Accounts
	cutoff := t.Value(before.UTC())
	start := time.Now()
	err := s.Write(ctx, func(tx WriteTx, _ time.Time) error {
		p = fc.RetentionProgress{Last: after}
		rows, err := tx.Query(ctx, `SELECT id, created_on < $1 FROM webhook_deliveries WHERE id > $2 ORDER BY id LIMIT $3`,
			cutoff, after, limit)
		if err != nil {
			return fmt.Errorf("read the delivery log: %w", err)
		}
		n, old := 0, false
		for rows.Next() {
			if err := rows.Scan(&p.Last, &old); err != nil {
				rows.Close()
				return fmt.Errorf("read the delivery log: %w", err)
			}
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read the delivery log: %w", err)
		}
		p.Done = n < limit || !old
		if n == 0 {
			return nil
		}
		deleted, err := tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE id > $1 AND id <= $2 AND status <> 'Pending'
			AND ended_on < $3`, after, p.Last, cutoff)
		if err != nil {
			return fmt.Errorf("prune the delivery log: %w", err)
		}
		p.Changed = int(deleted)
		return nil
	})
	p.Held = time.Since(start)
	return p, err
}
