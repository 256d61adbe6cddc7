package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The check-in attempt pipeline, the one both stores run: each store only
// opens the write transaction (its adapter of WriteTx) and calls
// RecordAttempts in it.

// The statements of the pipeline. Placeholders follow the shared rule
// ($1, $2, ... in order of first appearance: TestSharedPlaceholders).
const (
	countCheckinsSQL = `SELECT count(*) FROM checkins WHERE coworker_id = $1 AND from_time >= $2 AND from_time < $3`
	getKeySQL        = `SELECT fingerprint, accepted, record_id, reason, description, created_on
		FROM idempotency_keys WHERE user_id = $1 AND key = $2`
	// putKeySQL replaces an expired key of the same user and name. Both
	// databases take the same upsert syntax (SQLite since 3.24).
	putKeySQL = `INSERT INTO idempotency_keys (user_id, key, fingerprint, accepted, record_id, reason, description, created_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, accepted = excluded.accepted,
		record_id = excluded.record_id, reason = excluded.reason, description = excluded.description, created_on = excluded.created_on`
	purgeKeysSQL = `DELETE FROM idempotency_keys WHERE created_on <= $1`
	// ResolveSQL resolves, with an accepted check-in ($1) at $2, the
	// refusals of its coworker ($3) at its location ($4) in the
	// resolution window before its FromTime ([$5, $6]) that no earlier
	// check-in resolved: "did they get in anyway?"
	// (docs/checkins.md#did-they-get-in-anyway).
	// UpdatedOn becomes ResolvedOn, since the record changed. A refusal
	// without a coworker never matches (NULL = $3 is not true). Migration
	// 0011's failed_checkins_coworker_business_time makes it a seek of the
	// coworker's refusals at that location in that hour.
	ResolveSQL = `UPDATE failed_checkins SET resolved_by_checkin_id = $1, resolved_on = $2, updated_on = $2
		WHERE coworker_id = $3 AND business_id = $4 AND checkin_attempt_time >= $5 AND checkin_attempt_time <= $6
		AND resolved_by_checkin_id IS NULL`

	// InsertCheckinSQL writes a check-in with every column: CheckinValues.
	InsertCheckinSQL = `INSERT INTO checkins (
	id, unique_id, coworker_id, coworker_full_name, coworker_full_name_fold, business_id, business_name, business_name_fold,
	source, from_time, to_time, from_time_local, to_time_local, mac_addresses, mac_addresses_fold, teams, teams_fold,
	tariff, tariff_fold, created_on, updated_on, updated_by, updated_by_fold, system_id, system_id_fold
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)`
)

// msgImporting answers the check-ins that arrive while an import holds
// the records' write lock (PostgreSQL; SQLite's writer waits
// sqlite.writerBusyTimeout for it).
const msgImporting = "Records are being imported; try again in a few seconds."

// batchStartSQL reads, in one statement, the directory's version and
// both tables' largest Ids, each through LargestIDSQL (the one rule for
// "largest"), the versions of the webhooks and alert rules and the open
// incidents' mark (incidentcache.go): a batch of one attempt pays for
// every statement it runs.
var batchStartSQL = `SELECT version, (` + LargestIDSQL("failed_checkins") + `), (` + LargestIDSQL("checkins") +
	`), (SELECT version FROM webhook_state WHERE id = 1), (SELECT version FROM alert_state WHERE id = 1),
	(SELECT incidents_writer FROM alert_state WHERE id = 1)
	FROM directory WHERE id = 1`

// CheckinValues returns the arguments of InsertCheckinSQL for a check-in
// the service accepts at now, with the Id id and a new UniqueId.
func CheckinValues(d Dialect, id int64, c *fc.Checkin, now time.Time) []any {
	t := d.Records
	uid := c.UniqueID // set by the pipeline when a webhook filter may read it
	if uid == "" {
		uid = NewUniqueID()
	}
	return []any{id,
		uid, c.CoworkerID, c.CoworkerFullName, fc.Fold(c.CoworkerFullName), c.BusinessID, c.BusinessName, fc.Fold(c.BusinessName),
		int64(c.Source), t.Value(c.FromTime), t.Optional(c.ToTime), t.Wall(c.FromTimeLocal), t.OptionalWall(c.ToTimeLocal),
		c.MacAddresses, fc.Fold(c.MacAddresses), c.Teams, fc.Fold(c.Teams), c.Tariff, fc.Fold(c.Tariff), t.Value(now), t.Value(now),
		c.UpdatedBy, foldOptional(c.UpdatedBy), c.SystemID, foldOptional(c.SystemID)}
}

// WriteFunc runs fn in one write transaction of a store, which it
// commits when fn returns nil and rolls back otherwise; its errors are
// classified (Classify), so a database that cannot serve says
// fc.ErrUnavailable. It is each store's DB.write.
type WriteFunc func(ctx context.Context, fn func(tx WriteTx, now time.Time) error) error

// RecordAttemptBatch records a batch of attempts, one transaction for the
// batch (RecordAttempts), in which no attempt's failure fails another's.
//
// A batch fails as a whole when a statement of one attempt fails: on
// PostgreSQL the failed statement aborts the transaction, and the writes
// are sent together at the end anyway. So when the batch fails, it is
// rolled back and its attempts are recorded again in halves, each half
// in a transaction of its own, in order (the monthly limit still counts
// the earlier attempts first); a half that fails is halved again, down to
// the one attempt whose error is its own result. One bad attempt among n
// costs about 2·log2(n) more transactions, and the normal batch nothing:
// a savepoint per attempt would cost every batch two statements per
// attempt, and would not even help PostgreSQL, which skips everything
// after a failed statement of a pipelined batch, the ROLLBACK TO
// SAVEPOINT included.
//
// An error that is the database's (fc.ErrUnavailable), or the end of ctx,
// is not split: every attempt not yet committed gets it, since retrying
// the halves would only fail again, twice as often.
func RecordAttemptBatch(ctx context.Context, d Dialect, write WriteFunc, dirs *DirectoryCache, attempts []*fc.Attempt) ([]fc.AttemptResult, error) {
	results, err := recordTx(ctx, d, write, dirs, attempts)
	if err == nil || !isolable(ctx, err) {
		return results, err
	}
	results = make([]fc.AttemptResult, len(attempts))
	if len(attempts) == 1 {
		results[0].Err = err
		return results, nil
	}
	_ = isolate(ctx, d, write, dirs, attempts, results) // its error is in results
	return results, nil
}

// recordTx records attempts in one transaction.
func recordTx(ctx context.Context, d Dialect, write WriteFunc, dirs *DirectoryCache, attempts []*fc.Attempt) ([]fc.AttemptResult, error) {
	var results []fc.AttemptResult
	var queued int
	// The batch may hold the open incidents' cache; it gets it back only
	// if the batch committed (incidentcache.go).
	// Deferred, so that a panic that something recovers does not leave
	// the cache held for good (every later batch would then reset the
	// mark, and the cache would be off without a word); such a panic
	// counts as a rollback, since the batch may have put incidents that
	// were never stored into the map.
	lease := &incidentLease{c: &dirs.Alerts.incidents}
	committed := false
	defer func() { lease.end(committed) }()
	err := write(ctx, func(tx WriteTx, now time.Time) error {
		var err error
		results, queued, err = recordAttempts(ctx, d, tx, dirs, now, attempts, lease)
		return err
	})
	committed = err == nil
	if err != nil {
		return nil, err
	}
	if queued > 0 {
		dirs.Webhooks.Outbox.queued.Add(1) // committed: the claims look at the outbox again
		if dirs.Webhooks.Queued != nil {
			dirs.Webhooks.Queued() // the dispatcher may send them now
		}
	}
	return results, nil
}

// isolable reports whether a failed batch is worth splitting: its error
// may be one attempt's.
func isolable(ctx context.Context, err error) bool {
	var whole batchError
	return ctx.Err() == nil && fc.ErrorCode(err) != fc.ErrUnavailable && !errors.As(err, &whole)
}

// batchError is an error of the batch's own steps, before any attempt is
// judged (the lock, the largest ids, the directory, the key purge): no
// attempt caused it, so halving the batch would only repeat it 2n-1 times.
type batchError struct{ err error }

func (e batchError) Error() string { return e.err.Error() }
func (e batchError) Unwrap() error { return e.err }

// isolate records attempts, a batch that failed, in two halves and sets
// results: each half committed alone, or halved again when it fails. It
// stops at an error that is not isolable, which every attempt not yet
// recorded then gets (the callers up the halving stop too).
func isolate(ctx context.Context, d Dialect, write WriteFunc, dirs *DirectoryCache, attempts []*fc.Attempt, results []fc.AttemptResult) error {
	mid := len(attempts) / 2
	for _, half := range [2][2]int{{0, mid}, {mid, len(attempts)}} {
		part, res := attempts[half[0]:half[1]], results[half[0]:half[1]]
		out, err := recordTx(ctx, d, write, dirs, part)
		switch {
		case err == nil:
			copy(res, out)
			continue
		case !isolable(ctx, err):
		case len(part) == 1:
			res[0].Err = fmt.Errorf("attempt alone: %w", err)
			continue
		default:
			if err = isolate(ctx, d, write, dirs, part, res); err == nil {
				continue
			}
		}
		// The database went away (or time ran out): the rest gets its
		// error; splitting further would only fail again.
		for i := half[0]; i < len(attempts); i++ {
			if results[i].Outcome == nil && results[i].Err == nil {
				results[i].Err = err
			}
		}
		return err
	}
	return nil
}

// RecordAttempts judges and records a batch of attempts in tx, a write
// transaction the store commits: one commit for the whole batch (group
// commit). Attempts are judged in order, so the monthly limit counts the
// check-ins accepted earlier in the same batch.
//
// The batch first takes the records' write lock
// (d.LockRecordsUnlessImport: while an import runs, the batch is an
// ErrUnavailable at once; on
// SQLite the single writer connection already serialises batches), so
// every count sees every check-in accepted before it, by any server, and
// the Ids it gives (one past LargestIDSQL, read once) are free. Reads
// happen as the attempts are judged (an idempotency key not seen in this
// batch, the first count of a coworker's month); every write is queued
// and flushed at the end, so on PostgreSQL a batch costs a few round
// trips rather than two or three per attempt.
//
// An error of an attempt's own (ErrInvalid, ErrConflict) is its result;
// any other fails the batch, and the store rolls it back
// (RecordAttemptBatch then finds the attempt it came from).
func RecordAttempts(ctx context.Context, d Dialect, tx WriteTx, dirs *DirectoryCache, now time.Time, attempts []*fc.Attempt) ([]fc.AttemptResult, error) {
	results, _, err := recordAttempts(ctx, d, tx, dirs, now, attempts, nil)
	return results, err
}

// recordAttempts is RecordAttempts, which also returns the number of
// webhook deliveries it queued (the outbox: webhookcache.go). The batch
// uses the open incidents' cache through lease, when not nil; the
// caller ends the lease once it knows whether tx committed.
func recordAttempts(ctx context.Context, d Dialect, tx WriteTx, dirs *DirectoryCache, now time.Time, attempts []*fc.Attempt,
	lease *incidentLease) ([]fc.AttemptResult, int, error) {
	if d.LockRecordsUnlessImport != "" {
		n, err := tx.Exec(ctx, d.LockRecordsUnlessImport)
		if err != nil {
			return nil, 0, batchError{fmt.Errorf("lock for writing: %w", err)}
		}
		if n == 0 {
			return nil, 0, fc.Errorf(fc.ErrUnavailable, msgImporting)
		}
	}
	b := &attemptBatch{d: d, tx: tx, now: now}
	b.alerts.lease = lease
	var version, hooksVersion, alertsVersion int64
	err := tx.QueryRow(ctx, batchStartSQL).Scan(&version, &b.maxFailed, &b.maxCheckin, &hooksVersion, &alertsVersion, &b.alerts.mark)
	if err != nil {
		return nil, 0, batchError{fmt.Errorf("read the directory version and the largest ids: %w", err)}
	}
	if b.dir, err = directoryAt(ctx, tx, dirs, version); err != nil {
		return nil, 0, batchError{err}
	}
	if b.hooks, err = dirs.Webhooks.at(ctx, tx, hooksVersion); err != nil {
		return nil, 0, batchError{err}
	}
	if b.alerts.ruleSet, err = dirs.Alerts.at(ctx, tx, alertsVersion, hooksVersion); err != nil {
		return nil, 0, batchError{err}
	}
	if dirs.PurgeDue(now) {
		if err := purgeKeys(ctx, d, tx, now); err != nil {
			return nil, 0, batchError{err}
		}
	}
	// The batch counts its refusals in Go on both stores, and on
	// PostgreSQL turns the insert count triggers off for its transaction
	// (queued first, so it runs before every insert). The triggers counted
	// each refusal's INSERT statement on its own, nine upserts per refusal
	// from plpgsql with transition tables: once 0023 added the MAC
	// dictionary's, the store's attempts/s fell 14% (batches of 8) and 28%
	// (batches of 512) (docs/benchmarks.md). The update triggers still
	// run on the resolution UPDATE and find that it moved no key (0017).
	// The zone maps' trigger (PostgreSQL 0028) is not among those turned
	// off: it still runs on each refusal's INSERT (its cost on check-ins
	// is in docs/benchmarks.md, wt-F's review; counting them in Go like
	// SQLite does is left to do).
	// RollupCounts adds the batch up and upserts each distinct key once,
	// in primary-key order. Batches hold the records' write lock, as every
	// other writer of failed_checkins does (changes, erasure, retention,
	// imports), so no two of them upsert count rows at once.
	b.counts = NewRollupCounts(d)
	if d.CountTriggersOff != "" {
		tx.Queue(d.CountTriggersOff)
	}
	results := make([]fc.AttemptResult, len(attempts))
	for i, a := range attempts {
		out, err := b.record(ctx, a)
		if code := fc.ErrorCode(err); code != "" && code != fc.ErrInvalid && code != fc.ErrConflict {
			return nil, 0, fmt.Errorf("attempt %d: %w", i+1, err)
		}
		results[i] = fc.AttemptResult{Outcome: out, Err: err}
	}
	b.flushAlerts()
	b.keepIncidents()
	b.queueDeliveryInserts()
	if err := queueCounts(d, tx, b.counts); err != nil {
		return nil, 0, err
	}
	if err := tx.Flush(ctx); err != nil {
		return nil, 0, fmt.Errorf("write the batch: %w", err)
	}
	return results, b.queued, nil
}

// queueCounts queues the upserts of a batch's counts. On PostgreSQL each
// rollup's keys go in one statement, every column bound as an array
// (Rollup.UpsertArrays): a batch of 8 attempts refuses about 3 and
// upserts about 25 keys, and each statement of a pipeline costs both
// sides its own bind, execute and reply. SQLite runs in the process, so
// one upsert per key costs no round trip (and its statements are
// prepared once).
func queueCounts(d Dialect, tx WriteTx, counts *RollupCounts) error {
	if !d.IDArrays {
		upserts := rollupUpserts(d)
		return counts.Flush(func(ru *Rollup, args []any) error {
			tx.Queue(upserts[ru], args...)
			return nil
		})
	}
	texts := arrayUpserts()
	return counts.FlushColumns(func(ru *Rollup, cols []any) error {
		tx.Queue(texts[ru], cols...)
		return nil
	})
}

// arrayUpsertTexts are the rollups' UpsertArrays statements, written once.
var arrayUpsertTexts struct {
	once  sync.Once
	texts map[*Rollup]string
}

func arrayUpserts() map[*Rollup]string {
	u := &arrayUpsertTexts
	u.once.Do(func() {
		u.texts = make(map[*Rollup]string, len(Rollups))
		for _, ru := range Rollups {
			if ru.Bounds == nil {
				u.texts[ru] = ru.UpsertArrays()
			}
		}
	})
	return u.texts
}

// upsertTexts are the rollups' Upsert statements, written once per
// placeholder style: a batch of one attempt would otherwise spend a fifth
// of its allocations writing them again.
var upsertTexts [2]struct {
	once  sync.Once
	texts map[*Rollup]string
}

func rollupUpserts(d Dialect) map[*Rollup]string {
	u := &upsertTexts[0]
	if d.Numbered {
		u = &upsertTexts[1]
	}
	u.once.Do(func() {
		u.texts = make(map[*Rollup]string, len(Rollups))
		for _, ru := range Rollups {
			u.texts[ru] = ru.Upsert(d)
		}
	})
	return u.texts
}

// purgeKeys deletes expired idempotency keys (at most once a minute per
// server: DirectoryCache.PurgeDue), best effort on both stores. A key
// past its window is already ignored by replay, so a purge that fails
// only leaves rows for the next one; failing the batch for it would turn
// away check-ins that can be committed. It runs in a savepoint because a
// failed statement aborts the whole PostgreSQL transaction: rolling back
// to the savepoint keeps the batch's. (Before this core, SQLite ignored
// the error and PostgreSQL failed the batch.) The savepoint statements
// themselves are not best effort: if one fails, the transaction is in an
// unknown state, so the error is returned and the batch is not committed.
func purgeKeys(ctx context.Context, d Dialect, tx Tx, now time.Time) error {
	if _, err := tx.Exec(ctx, `SAVEPOINT purge_keys`); err != nil {
		return fmt.Errorf("purge idempotency keys: savepoint: %w", err)
	}
	if _, err := tx.Exec(ctx, purgeKeysSQL, d.Records.Value(now.Add(-fc.IdempotencyWindow))); err != nil {
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT purge_keys`); err != nil {
			return fmt.Errorf("purge idempotency keys: rollback to savepoint: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT purge_keys`); err != nil {
		return fmt.Errorf("purge idempotency keys: release savepoint: %w", err)
	}
	return nil
}

// attemptBatch is the state of one RecordAttempts transaction.
type attemptBatch struct {
	d          Dialect
	tx         WriteTx
	dir        *fc.Directory
	now        time.Time
	maxFailed  int64 // the largest FailedCheckin Id so far
	maxCheckin int64 // the largest Checkin Id so far
	// stored caches the database's count of a coworker's check-ins in a
	// month, read once per batch; the batch's own check-ins are queued,
	// not yet in the table, so accepted keeps their FromTimes and count
	// adds those in range (a month starts at different instants in
	// different zones, so a count keyed by the month's start alone would
	// miss the other zones').
	// The maps are made when first written: most batches of a lightly
	// loaded server hold one attempt.
	stored   map[monthKey]int
	accepted map[int64][]time.Time // coworker -> FromTime of each check-in accepted by this batch
	keys     map[keyID]*keyed      // idempotency keys written by this batch
	counts   *RollupCounts         // what the batch adds to the rollups (no trigger counts its inserts)
	hooks    []activeHook          // the active webhooks (the outbox: webhookcache.go)
	alerts   alertBatch            // the active alert rules and what the batch knows of their keys (alertbatch.go)
	queued   int                   // deliveries queued
	// deliveries holds the arguments of the outbox rows queued, written
	// together at the end of the batch (queueDeliveryInserts).
	deliveries []any
}

type monthKey struct {
	coworker    int64
	from, until int64 // Unix seconds of the month's bounds
}

type keyID struct {
	user int64
	key  string
}

// keyed is a remembered answer, as stored in idempotency_keys.
type keyed struct {
	fingerprint string
	created     time.Time
	out         fc.Outcome
}

// record judges one attempt and queues its record and idempotency key.
func (b *attemptBatch) record(ctx context.Context, a *fc.Attempt) (*fc.Outcome, error) {
	if k := a.Idempotency; k != nil {
		if out, found, err := b.replay(ctx, k); found || err != nil {
			return out, err
		}
	}
	v, err := fc.Evaluate(b.dir, a, func(coworker int64, from, until time.Time) (int, error) {
		return b.count(ctx, coworker, from, until)
	})
	if err != nil {
		return nil, err
	}
	out := &fc.Outcome{Accepted: v.Accepted(), Reason: v.Reason, Description: v.Description}
	if out.Accepted {
		b.maxCheckin++
		out.ID = b.maxCheckin
		c := v.Checkin(a)
		if len(b.hooks) > 0 {
			at := b.now.Truncate(time.Second) // as Records stores it
			c.ID, c.UniqueID, c.CreatedOn, c.UpdatedOn = out.ID, NewUniqueID(), at, at
			b.queueDeliveries(fc.ActionCheckinCreated, c, out.ID)
		}
		b.tx.Queue(InsertCheckinSQL, CheckinValues(b.d, out.ID, c, b.now)...)
		b.resolve(out.ID, v.Coworker.ID, a)
		if b.alerts.coworker {
			if err := b.alertCheckin(ctx, v.Coworker.ID, a.BusinessID); err != nil {
				return nil, err
			}
		}
		if b.accepted == nil {
			b.accepted = map[int64][]time.Time{}
		}
		b.accepted[v.Coworker.ID] = append(b.accepted[v.Coworker.ID], a.FromTime)
	} else if out.ID, err = b.insertFailed(ctx, v.FailedCheckin(a)); err != nil {
		return nil, err
	}
	if k := a.Idempotency; k != nil {
		if b.keys == nil {
			b.keys = map[keyID]*keyed{}
		}
		b.keys[keyID{k.UserID, k.Key}] = &keyed{fingerprint: k.Fingerprint, created: b.now, out: *out}
		b.tx.Queue(putKeySQL, k.UserID, k.Key, k.Fingerprint, out.Accepted, out.ID, out.Reason, out.Description,
			b.d.Records.Value(b.now))
	}
	return out, nil
}

// resolve queues the resolution of the refusals an accepted check-in
// (Id id, of coworker) answers, in the batch's transaction: queued after
// every write of the attempts before it, so a refusal earlier in the same
// batch is resolved too, and a refusal already resolved by an earlier
// check-in (of this batch or a committed one) keeps that one: the first
// acceptance wins. It changes no field a rollup counts, only UpdatedOn,
// which the zone maps bound: their bounds take the new time in (on
// PostgreSQL by the zone maps' update trigger, migration 0028); on
// PostgreSQL the other update triggers, which stay on in a batch
// (migration 0024 silences the insert triggers only), find no key moved.
func (b *attemptBatch) resolve(id, coworker int64, a *fc.Attempt) {
	t := b.d.Records
	now, from, until := t.Value(b.now), t.Value(a.FromTime.Add(-fc.ResolutionWindow)), t.Value(a.FromTime)
	b.tx.Queue(ResolveSQL, id, now, coworker, a.BusinessID, from, until)
	if zoneMap.countedInGo(b.d) { // PostgreSQL's update trigger widens them (migration 0028)
		for _, q := range zonesResolvedSQL {
			b.tx.Queue(q, now, id, coworker, a.BusinessID, from, until)
		}
	}
}

// count is the monthly limit's count: the check-ins stored in
// [from, until) (read once per batch) plus those this batch accepted then.
func (b *attemptBatch) count(ctx context.Context, coworker int64, from, until time.Time) (int, error) {
	k := monthKey{coworker, from.Unix(), until.Unix()}
	n, ok := b.stored[k]
	if !ok {
		err := b.tx.QueryRow(ctx, countCheckinsSQL, coworker, b.d.Records.Value(from), b.d.Records.Value(until)).Scan(&n)
		if err != nil {
			return 0, err
		}
		if b.stored == nil {
			b.stored = map[monthKey]int{}
		}
		b.stored[k] = n
	}
	for _, t := range b.accepted[coworker] {
		if !t.Before(from) && t.Before(until) {
			n++
		}
	}
	return n, nil
}

// replay returns the stored outcome of a key seen within the window; the
// same key with another request is an ErrConflict.
func (b *attemptBatch) replay(ctx context.Context, k *fc.IdempotencyKey) (*fc.Outcome, bool, error) {
	stored, ok := b.keys[keyID{k.UserID, k.Key}]
	if !ok {
		stored = &keyed{}
		o := &stored.out
		err := b.tx.QueryRow(ctx, getKeySQL, k.UserID, k.Key).
			Scan(&stored.fingerprint, &o.Accepted, &o.ID, &o.Reason, &o.Description, b.d.Records.Dest(&stored.created))
		switch {
		case errors.Is(err, ErrNoRows):
			return nil, false, nil
		case err != nil:
			return nil, false, fmt.Errorf("read the idempotency key: %w", err)
		}
	}
	switch {
	case !stored.created.After(b.now.Add(-fc.IdempotencyWindow)):
		return nil, false, nil // expired: the key starts afresh
	case stored.fingerprint != k.Fingerprint:
		return nil, true, fc.Errorf(fc.ErrConflict, "This Idempotency-Key was already used with a different request.")
	}
	out := stored.out
	out.Replayed = true
	return &out, true, nil
}

// insertFailed queues a refusal with the next Id.
func (b *attemptBatch) insertFailed(ctx context.Context, r *fc.FailedCheckin) (int64, error) {
	row, err := prepareOwnRow(r, b.now)
	if err != nil {
		return 0, fmt.Errorf("failed check-in record: %v", err) // our own record: a bug, never the client's 400
	}
	b.maxFailed++
	b.tx.Queue(InsertFailedSQL, FailedValues(b.d, b.maxFailed, row)...)
	// Counted with its INSERT, before anything that may return: a batch
	// goes on past an attempt's ErrInvalid or ErrConflict, and the
	// inserted row must be counted whatever the rest of this function does.
	b.counts.Add(row.Counted(b.maxFailed))
	if len(b.hooks) > 0 || len(b.alerts.rules) > 0 {
		rec := *r // the record as it is stored, for the webhooks' filters and the alert rules'
		rec.ID, rec.UniqueID = b.maxFailed, row.UniqueID
		rec.CreatedOn, rec.UpdatedOn = row.CreatedOn.Truncate(time.Second), row.UpdatedOn.Truncate(time.Second)
		b.queueDeliveries(fc.ActionFailedCheckin, &rec, b.maxFailed)
		if err := b.alertRefusal(ctx, &rec); err != nil {
			return 0, err
		}
	}
	return b.maxFailed, nil
}
