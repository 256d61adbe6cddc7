package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The alert rules and incidents store (fc.AlertStore) of both databases
// (PUSH.md section 3). The evaluation itself runs in the attempt pipeline
// (alertbatch.go); this file keeps the rules, reads incidents, and
// sweeps quiet ones. Times are Dialect.Accounts'.

const ruleColumns = `id, unique_id, business_id, name, active, filter, group_by, threshold, window_minutes,
	repeat_minutes, resolve_minutes, receivers, created_on, updated_on, updated_by`

const incidentColumns = `id, rule_id, rule_name, key, business_id, coworker_id, status, failure_count, failed_checkin_ids,
	opened_on, last_failure_on, resolve_after, last_notified_on, resolved_on, acknowledged_by, acknowledged_on`

// bumpAlertsSQL tells every server's rule cache that the rules changed,
// and their incident caches that incidents may have changed too (a
// changed or deleted rule's incidents: incidentcache.go).
const bumpAlertsSQL = `UPDATE alert_state SET version = version + 1, incidents_writer = 0 WHERE id = 1`

// Alerts is the alert store each store's DB embeds.
type Alerts struct {
	D     Dialect
	Read  ReadFunc
	Write WriteFunc
	// Webhooks is the store's outbox cache, whose Queued wakes the
	// dispatcher after a sweep queued notifications; nil wakes nothing.
	Webhooks *WebhookCache
}

var _ fc.AlertStore = Alerts{}

// storedIncident is an incident with the columns only the pipeline reads.
type storedIncident struct {
	fc.AlertIncident
	resolveAfter time.Time
	lastNotified time.Time
	// listed is how many ids the row's failed_checkin_ids holds; full,
	// whether every column was read (an attempt batch reads only
	// batchIncidentColumns until it notifies).
	listed int
	full   bool
}

func (s Alerts) scanRule(row Row) (*fc.AlertRule, error) {
	var r fc.AlertRule
	var groupBy, receivers string
	t := s.D.Accounts
	err := row.Scan(&r.ID, &r.UniqueID, &r.BusinessID, &r.Name, &r.Active, &r.Filter, &groupBy, &r.Threshold,
		&r.WindowMinutes, &r.RepeatMinutes, &r.ResolveMinutes, &receivers, t.Dest(&r.CreatedOn), t.Dest(&r.UpdatedOn), &r.UpdatedBy)
	if errors.Is(err, ErrNoRows) {
		return nil, fc.Errorf(fc.ErrNotFound, "Not found")
	}
	if err != nil {
		return nil, fmt.Errorf("read alert rule: %w", err)
	}
	r.GroupBy = parseGroupBy(groupBy)
	if err := json.Unmarshal([]byte(receivers), &r.Receivers); err != nil {
		return nil, fmt.Errorf("read alert rule %d receivers: %w", r.ID, err)
	}
	return &r, nil
}

func parseGroupBy(s string) []fc.Field {
	var out []fc.Field
	for _, f := range strings.Split(s, ",") {
		if f != "" {
			out = append(out, fc.Field(f))
		}
	}
	return out
}

func groupByText(fields []fc.Field) string {
	parts := make([]string, 0, len(fields))
	for _, f := range fc.AlertGroupFields { // the canonical order
		if slices.Contains(fields, f) {
			parts = append(parts, string(f))
		}
	}
	return strings.Join(parts, ",")
}

func receiversText(r fc.AlertReceivers) string {
	if r.Webhooks == nil {
		r.Webhooks = []int64{}
	}
	if r.Emails == nil {
		r.Emails = []string{}
	}
	b, _ := json.Marshal(r) // ints and strings always marshal
	return string(b)
}

// batchIncidentColumns are what an attempt batch reads of the open
// incidents a refusal joins: what a join changes or depends on, not the
// columns only a notification needs (the batch reads the whole row when
// it notifies: alertState.complete), nor failed_checkin_ids. The batch
// needs only how many ids that list holds, to tell whether it is full,
// and the list always holds the first min(failure_count,
// fc.MaxIncidentFailureIDs) refusals: an incident opens with all its
// refusals up to that many (openIncident), each join adds one to the
// count and, until it is full, to the list, and nothing else changes
// either.
// Reading and parsing every column and the lists of ten joined incidents
// in every batch was most of alertRefusal's 7.2% of the CPU with ten
// rules (loadStates 4.7%, parseIDs 1.7%: docs/benchmarks.md).
// Anything that rewrites failed_checkin_ids must keep that invariant: the
// batch appends to the list in SQL (writeIncident) and trusts the count.
const batchIncidentColumns = `id, rule_id, key, status, failure_count, last_failure_on, last_notified_on`

// scanIncident reads a row of incidentColumns.
func scanIncident(d Dialect, row Row) (*storedIncident, error) {
	var i storedIncident
	var ids string
	t := d.Accounts
	err := row.Scan(&i.ID, &i.RuleID, &i.RuleName, &i.Key, &i.BusinessID, &i.CoworkerID, &i.Status, &i.FailureCount, &ids,
		t.Dest(&i.OpenedOn), t.Dest(&i.LastFailureOn), t.Dest(&i.resolveAfter), t.Dest(&i.lastNotified),
		t.OptionalDest(&i.ResolvedOn), &i.AcknowledgedBy, t.OptionalDest(&i.AcknowledgedOn))
	if errors.Is(err, ErrNoRows) {
		return nil, fc.Errorf(fc.ErrNotFound, "Not found")
	}
	if err != nil {
		return nil, fmt.Errorf("read alert incident: %w", err)
	}
	if i.FailedCheckinIDs, err = parseIDs(ids); err != nil {
		return nil, fmt.Errorf("read alert incident %d: %w", i.ID, err)
	}
	i.listed, i.full = len(i.FailedCheckinIDs), true
	return &i, nil
}

// scanBatchIncident reads a row of batchIncidentColumns.
func scanBatchIncident(d Dialect, row Row) (*storedIncident, error) {
	var i storedIncident
	t := d.Accounts
	err := row.Scan(&i.ID, &i.RuleID, &i.Key, &i.Status, &i.FailureCount, t.Dest(&i.LastFailureOn), t.Dest(&i.lastNotified))
	if err != nil {
		return nil, fmt.Errorf("read alert incident: %w", err)
	}
	i.listed = min(i.FailureCount, fc.MaxIncidentFailureIDs)
	return &i, nil
}

// idsText writes ids as a JSON array of integers. By hand, with
// parseIDs: encoding/json took a tenth of the check-in path's CPU with
// ten rules when the pipeline read and wrote an open incident's list in
// every batch that joined it (it now appends to the list in SQL).
func idsText(ids []int64) string {
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// parseIDs reads what idsText wrote.
func parseIDs(text string) ([]int64, error) {
	inner, open := strings.CutPrefix(text, "[")
	inner, closed := strings.CutSuffix(inner, "]")
	if !open || !closed {
		return nil, fmt.Errorf("ids %q: not a JSON array", text)
	}
	if strings.TrimSpace(inner) == "" {
		return nil, nil
	}
	parts := strings.Split(inner, ",")
	ids := make([]int64, len(parts), fc.MaxIncidentFailureIDs)
	for i, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ids %q: %w", text, err)
		}
		ids[i] = id
	}
	return ids, nil
}

// CreateAlertRule stores r and sets its ID, UniqueID, CreatedOn and
// UpdatedOn.
func (s Alerts) CreateAlertRule(ctx context.Context, r *fc.AlertRule) error {
	uid := NewUniqueID()
	var id int64
	var at time.Time
	err := s.Write(ctx, func(tx WriteTx, now time.Time) error {
		at = now.UTC().Truncate(time.Millisecond)
		err := tx.QueryRow(ctx, `INSERT INTO alert_rules (unique_id, business_id, name, active, filter, group_by, threshold,
			window_minutes, repeat_minutes, resolve_minutes, receivers, created_on, updated_on, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING id`,
			uid, r.BusinessID, r.Name, r.Active, r.Filter, groupByText(r.GroupBy), r.Threshold, r.WindowMinutes,
			r.RepeatMinutes, r.ResolveMinutes, receiversText(r.Receivers), s.D.Accounts.Value(at), r.UpdatedBy).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert alert rule: %w", err)
		}
		return bumpAlerts(ctx, tx)
	})
	if err != nil {
		return err
	}
	r.ID, r.UniqueID, r.CreatedOn, r.UpdatedOn = id, uid, at, at
	return nil
}

func bumpAlerts(ctx context.Context, tx Tx) error {
	if _, err := tx.Exec(ctx, bumpAlertsSQL); err != nil {
		return fmt.Errorf("bump the alert rules' version: %w", err)
	}
	return nil
}

// UpdateAlertRule saves the fields of r a client may change. A change of
// what makes or counts a key (Filter, GroupBy, Threshold, WindowMinutes,
// BusinessId) forgets the refusals counted so far: they were counted by
// the old rule.
func (s Alerts) UpdateAlertRule(ctx context.Context, scope fc.Scope, r *fc.AlertRule) error {
	return s.Write(ctx, func(tx WriteTx, now time.Time) error {
		// The records' lock first, as DeleteAlertRule: a batch still
		// counting with the old rule would otherwise add its refusals
		// after the DELETE below on PostgreSQL, counted by the old rule.
		if ok, err := s.lockRecords(ctx, tx); err != nil {
			return err
		} else if !ok {
			return fc.Errorf(fc.ErrUnavailable, msgImporting)
		}
		// The version before any incident is touched: incidentsChanged.
		if err := bumpAlerts(ctx, tx); err != nil {
			return err
		}
		where, args := scopeWhere(scope, []any{r.ID})
		old, err := s.scanRule(tx.QueryRow(ctx, `SELECT `+ruleColumns+` FROM alert_rules WHERE id = $1 AND `+where+s.D.forUpdate(), args...))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE alert_rules SET business_id = $1, name = $2, active = $3, filter = $4, group_by = $5,
			threshold = $6, window_minutes = $7, repeat_minutes = $8, resolve_minutes = $9, receivers = $10, updated_on = $11,
			updated_by = $12 WHERE id = $13`,
			r.BusinessID, r.Name, r.Active, r.Filter, groupByText(r.GroupBy), r.Threshold, r.WindowMinutes, r.RepeatMinutes,
			r.ResolveMinutes, receiversText(r.Receivers), s.D.Accounts.Value(now), r.UpdatedBy, r.ID)
		if err != nil {
			return fmt.Errorf("update alert rule %d: %w", r.ID, err)
		}
		if old.Filter != r.Filter || groupByText(old.GroupBy) != groupByText(r.GroupBy) || old.Threshold != r.Threshold ||
			old.WindowMinutes != r.WindowMinutes || old.Business() != r.Business() {
			if _, err := tx.Exec(ctx, `DELETE FROM alert_refusals WHERE rule_id = $1`, r.ID); err != nil {
				return fmt.Errorf("forget the refusals of rule %d: %w", r.ID, err)
			}
		}
		return nil
	})
}

// ruleDeletedError is the LastError of a notification that ends unsent
// because its rule was deleted.
const ruleDeletedError = "Not sent: the rule was deleted"

// DeleteAlertRule deletes the rule, its incidents and its counted
// refusals; the incidents' notifications not yet sent end Failed with
// ruleDeletedError.
func (s Alerts) DeleteAlertRule(ctx context.Context, scope fc.Scope, id int64) error {
	return s.Write(ctx, func(tx WriteTx, now time.Time) error {
		if ok, err := s.lockRecords(ctx, tx); err != nil {
			return err
		} else if !ok {
			return fc.Errorf(fc.ErrUnavailable, msgImporting)
		}
		// The version before any incident is touched: incidentsChanged.
		if err := bumpAlerts(ctx, tx); err != nil {
			return err
		}
		where, args := scopeWhere(scope, []any{id})
		n, err := tx.Exec(ctx, `DELETE FROM alert_rules WHERE id = $1 AND `+where, args...)
		if err != nil {
			return fmt.Errorf("delete alert rule %d: %w", id, err)
		}
		if n == 0 {
			return fc.Errorf(fc.ErrNotFound, "Not found")
		}
		// The incidents' notifications not yet sent would name an
		// incident that no longer exists: they end unsent, with why.
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'Failed', last_error = $1, next_attempt_on = NULL,
			ended_on = $2 WHERE action = $3 AND status = 'Pending' AND record_id IN (SELECT id FROM alert_incidents WHERE rule_id = $4)`,
			ruleDeletedError, s.D.Accounts.Value(now), fc.ActionAlertIncident, id)
		if err != nil {
			return fmt.Errorf("end the notifications of rule %d: %w", id, err)
		}
		_, err = tx.Exec(ctx, `UPDATE alert_emails SET status = 'Failed', last_error = $1
			WHERE status = 'Pending' AND incident_id IN (SELECT id FROM alert_incidents WHERE rule_id = $2)`, ruleDeletedError, id)
		if err != nil {
			return fmt.Errorf("end the emails of rule %d: %w", id, err)
		}
		for _, table := range []string{"alert_incidents", "alert_refusals"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE rule_id = $1`, id); err != nil {
				return fmt.Errorf("delete %s of rule %d: %w", table, id, err)
			}
		}
		return nil
	})
}

// FindAlertRuleByID returns the rule when it lies in scope.
func (s Alerts) FindAlertRuleByID(ctx context.Context, scope fc.Scope, id int64) (*fc.AlertRule, error) {
	return ReadValue(ctx, s.Read, func(tx Tx) (*fc.AlertRule, error) {
		where, args := scopeWhere(scope, []any{id})
		return s.scanRule(tx.QueryRow(ctx, `SELECT `+ruleColumns+` FROM alert_rules WHERE id = $1 AND `+where, args...))
	})
}

// FindAlertRules returns the page of rules q selects: the scope in the
// query, the filters, order and page in Go by the search's own
// evaluator, as for webhooks (rules are few: an operator makes each one).
func (s Alerts) FindAlertRules(ctx context.Context, q fc.Query) (*fc.AlertRulePage, error) {
	all, err := ReadValue(ctx, s.Read, func(tx Tx) ([]*fc.AlertRule, error) {
		where, args := scopeWhere(q.Scope, nil)
		rows, err := tx.Query(ctx, `SELECT `+ruleColumns+` FROM alert_rules WHERE `+where, args...)
		if err != nil {
			return nil, fmt.Errorf("list alert rules: %w", err)
		}
		return ScanRows(rows, "list alert rules", func(r Rows) (*fc.AlertRule, error) { return s.scanRule(r) })
	})
	if err != nil {
		return nil, err
	}
	recs, total := pageOf(all, q)
	return &fc.AlertRulePage{Records: recs, TotalItems: total}, nil
}

// pageOf keeps the records that match q's conditions, sorts them by q's
// order (then Id) and returns q's page and the total.
func pageOf[T fc.Valuer](all []T, q fc.Query) ([]T, int64) {
	kept := all[:0]
	for _, r := range all {
		if fc.MatchesAll(r, q.Conditions) {
			kept = append(kept, r)
		}
	}
	slices.SortFunc(kept, func(a, b T) int {
		c := fc.CompareField(a, b, q.OrderBy)
		if c == 0 {
			c = fc.CompareField(a, b, fc.FieldID)
		}
		if q.Descending {
			c = -c
		}
		return c
	})
	out := []T{}
	if start := q.Offset(); start < int64(len(kept)) {
		out = kept[start:min(start+int64(q.Size), int64(len(kept)))]
	}
	return out, int64(len(kept))
}

// FindAlertIncidentByID returns the incident when it lies in scope.
func (s Alerts) FindAlertIncidentByID(ctx context.Context, scope fc.Scope, id int64) (*fc.AlertIncident, error) {
	return ReadValue(ctx, s.Read, func(tx Tx) (*fc.AlertIncident, error) {
		where, args := scopeWhere(scope, []any{id})
		i, err := scanIncident(s.D, tx.QueryRow(ctx, `SELECT `+incidentColumns+` FROM alert_incidents WHERE id = $1 AND `+where, args...))
		if err != nil {
			return nil, err
		}
		return &i.AlertIncident, nil
	})
}

// AlertIncidentTable is the incident list's table (GET
// /api/alerts/incidents): the conditions, sort with the id tie-break,
// count and page of every search, in SQL, so that the list stays fast
// however many incidents there are. Status holds one of three canonical
// ASCII words, which lower() folds as fc.Fold does and which sort alike
// folded or not.
var AlertIncidentTable = &Table{name: "alert_incidents", selectColumns: incidentColumns, accountTimes: true,
	columns: map[fc.Field]column{
		fc.FieldID:             {name: "id", kind: kindInt},
		fc.FieldRuleID:         {name: "rule_id", kind: kindInt},
		fc.FieldBusinessID:     {name: "business_id", kind: kindNullInt},
		fc.FieldStatus:         {name: "status", fold: "lower(status)", kind: kindText},
		fc.FieldFailureCount:   {name: "failure_count", kind: kindInt},
		fc.FieldOpenedOn:       {name: "opened_on", kind: kindTime},
		fc.FieldLastFailureOn:  {name: "last_failure_on", kind: kindTime},
		fc.FieldResolvedOn:     {name: "resolved_on", kind: kindNullTime},
		fc.FieldAcknowledgedOn: {name: "acknowledged_on", kind: kindNullTime},
	}}

// FindAlertIncidents returns the page of incidents q selects and the
// exact total, from one snapshot: scope, filters, order and page in SQL
// (AlertIncidentTable). A scope of no location sees nothing (an incident
// of every location, whose business_id is NULL, only an unrestricted
// one).
func (s Alerts) FindAlertIncidents(ctx context.Context, q fc.Query) (*fc.AlertIncidentPage, error) {
	page := &fc.AlertIncidentPage{Records: []*fc.AlertIncident{}}
	if !q.Scope.All() && len(q.Scope.Businesses()) == 0 {
		return page, nil
	}
	f, err := AlertIncidentTable.BuildFind(s.D, q)
	if err != nil {
		return nil, err
	}
	err = s.Read(ctx, func(tx Tx) error {
		if err := tx.QueryRow(ctx, f.Count, f.Args...).Scan(&page.TotalItems); err != nil {
			return fmt.Errorf("count alert incidents: %w", err)
		}
		if q.Size < 1 || q.Offset() >= page.TotalItems {
			return nil
		}
		rows, err := tx.Query(ctx, f.Page, append(f.Args[:len(f.Args):len(f.Args)], q.Size, q.Offset())...)
		if err != nil {
			return fmt.Errorf("list alert incidents: %w", err)
		}
		recs, err := ScanRows(rows, "list alert incidents", func(r Rows) (*fc.AlertIncident, error) {
			i, err := scanIncident(s.D, r)
			if err != nil {
				return nil, err
			}
			return &i.AlertIncident, nil
		})
		if recs != nil {
			page.Records = recs
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// AcknowledgeAlertIncident marks an open incident acknowledged.
func (s Alerts) AcknowledgeAlertIncident(ctx context.Context, scope fc.Scope, id int64, who string) (*fc.AlertIncident, error) {
	var out *fc.AlertIncident
	err := s.Write(ctx, func(tx WriteTx, now time.Time) error {
		// An acknowledgement does not take the records' lock; the mark's
		// row lock orders it with the batches (incidentcache.go).
		if err := incidentsChanged(ctx, tx); err != nil {
			return err
		}
		where, args := scopeWhere(scope, []any{id})
		i, err := scanIncident(s.D, tx.QueryRow(ctx, `SELECT `+incidentColumns+` FROM alert_incidents WHERE id = $1 AND `+where+
			s.D.forUpdate(), args...))
		if err != nil {
			return err
		}
		if i.Status == fc.IncidentOpen {
			at := now.UTC().Truncate(time.Millisecond)
			_, err := tx.Exec(ctx, `UPDATE alert_incidents SET status = 'Acknowledged', acknowledged_by = $1, acknowledged_on = $2
				WHERE id = $3`, who, s.D.Accounts.Value(at), id)
			if err != nil {
				return fmt.Errorf("acknowledge incident %d: %w", id, err)
			}
			i.Status, i.AcknowledgedBy, i.AcknowledgedOn = fc.IncidentAcknowledged, &who, &at
		}
		out = &i.AlertIncident
		return nil
	})
	return out, err
}

// lockRecords takes the records' write lock that every attempt batch
// holds (on PostgreSQL; SQLite has one writer anyway), so that a write
// to many incidents never interleaves with a batch's row locks (no
// deadlock) and sees every batch before it. It reports false, taking
// nothing, while an import runs.
func (s Alerts) lockRecords(ctx context.Context, tx Tx) (bool, error) {
	if s.D.LockRecordsUnlessImport == "" {
		return true, nil
	}
	n, err := tx.Exec(ctx, s.D.LockRecordsUnlessImport)
	if err != nil {
		return false, fmt.Errorf("lock for writing: %w", err)
	}
	return n > 0, nil
}

// SweepAlerts resolves the incidents whose last matching refusal was
// recorded ResolveMinutes ago or more, queues their notifications, and
// forgets counted refusals too old to count. It holds the records' write
// lock, as the batches do, so a batch joining an incident and the sweep
// resolving it happen one after the other; while an import runs it
// resolves nothing (the next sweep will).
func (s Alerts) SweepAlerts(ctx context.Context) (int, error) {
	n, queued := 0, 0
	err := s.Write(ctx, func(tx WriteTx, now time.Time) error {
		n, queued = 0, 0
		if ok, err := s.lockRecords(ctx, tx); !ok || err != nil {
			return err
		}
		t := s.D.Accounts
		rows, err := tx.Query(ctx, `SELECT `+incidentColumns+` FROM alert_incidents
			WHERE status <> 'Resolved' AND resolve_after <= $1 ORDER BY id`, t.Value(now))
		if err != nil {
			return fmt.Errorf("read quiet incidents: %w", err)
		}
		quiet, err := ScanRows(rows, "read quiet incidents", func(r Rows) (*storedIncident, error) { return scanIncident(s.D, r) })
		if err != nil {
			return err
		}
		if len(quiet) > 0 {
			if err := incidentsChanged(ctx, tx); err != nil {
				return err
			}
		}
		byRule := map[int64]receivers{}
		for _, i := range quiet {
			to, ok := byRule[i.RuleID]
			if !ok {
				if to, err = ruleReceivers(ctx, tx, i.RuleID); err != nil {
					return err
				}
				byRule[i.RuleID] = to
			}
			resolveIncident(s.D, tx, &i.AlertIncident, now)
			queued += queueNotifications(s.D, tx, to, &i.AlertIncident, fc.EventResolved, now)
			n++
		}
		if _, err := tx.Exec(ctx, `DELETE FROM alert_refusals WHERE attempt_time < $1`,
			t.Value(now.Add(-fc.AlertMaxAge-fc.MaxAlertWindowMinutes*time.Minute))); err != nil {
			return fmt.Errorf("forget old refusals: %w", err)
		}
		return tx.Flush(ctx)
	})
	if err == nil && queued > 0 && s.Webhooks != nil && s.Webhooks.Queued != nil {
		s.Webhooks.Queued()
	}
	return n, err
}

// receivers are where a rule's notifications go.
type receivers struct {
	hooks  []receiverHook // webhooks that exist with action 1001
	emails []string
}

// receiverHook is a receiver webhook and its location (nil: every
// location), read when the notification is queued: the receivers were
// checked against the saver's scope only when the rule was saved, and a
// webhook's location may change since.
type receiverHook struct {
	id       int64
	business *int64
}

// receives reports whether the webhook may be told of incident i: a
// webhook of every location may; a webhook of one location only of an
// incident of that location (the incident's BusinessId: the rule's, or
// its key's), since the incident carries the refusals of its location.
// An incident of no one location (a rule of every location that does not
// group by BusinessId) goes only to webhooks of every location.
func (h receiverHook) receives(i *fc.AlertIncident) bool {
	return h.business == nil || (i.BusinessID != nil && *i.BusinessID == *h.business)
}

// ruleReceivers returns where a rule's notifications go: its receiver
// webhooks that exist with action 1001, and its emails.
func ruleReceivers(ctx context.Context, tx Tx, ruleID int64) (receivers, error) {
	var text string
	err := tx.QueryRow(ctx, `SELECT receivers FROM alert_rules WHERE id = $1`, ruleID).Scan(&text)
	if errors.Is(err, ErrNoRows) {
		return receivers{}, nil
	}
	if err != nil {
		return receivers{}, fmt.Errorf("read the receivers of rule %d: %w", ruleID, err)
	}
	var r fc.AlertReceivers
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		return receivers{}, fmt.Errorf("read the receivers of rule %d: %w", ruleID, err)
	}
	hooks, err := receiverHooks(ctx, tx, r.Webhooks)
	return receivers{hooks: hooks, emails: r.Emails}, err
}

// receiverHooks keeps the webhooks of ids that exist with action 1001,
// with their locations.
func receiverHooks(ctx context.Context, tx Tx, ids []int64) ([]receiverHook, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args, in := idList([]any{fc.ActionAlertIncident}, ids)
	rows, err := tx.Query(ctx, `SELECT id, business_id FROM webhooks WHERE action = $1 AND id IN (`+in+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read receiver webhooks: %w", err)
	}
	return ScanRows(rows, "read receiver webhooks", func(r Rows) (receiverHook, error) {
		var h receiverHook
		return h, r.Scan(&h.id, &h.business)
	})
}

// insertBodyDeliverySQL queues one delivery with a payload fixed now.
// Its webhook-id is derived from the row (EventID).
const insertBodyDeliverySQL = `INSERT INTO webhook_deliveries (webhook_id, action, record_id, body, status, attempts,
	next_attempt_on, created_on) VALUES ($1, $2, $3, $4, 'Pending', 0, $5, $5)`

// queueNotifications queues the incident's event to each webhook, and one
// email to its email receivers, in the transaction that changed the
// incident (at least once, as for records), and returns how many webhook
// deliveries it queued.
func queueNotifications(d Dialect, tx WriteTx, to receivers, i *fc.AlertIncident, event string, now time.Time) int {
	at := d.Accounts.Value(now)
	if len(to.emails) > 0 {
		subject, body := i.Email(event)
		tx.Queue(`INSERT INTO alert_emails (incident_id, recipients, subject, body, status, attempts, next_attempt_on, created_on)
			VALUES ($1, $2, $3, $4, 'Pending', 0, $5, $5)`, i.ID, strings.Join(to.emails, ","), subject, body, at)
	}
	n, body := 0, ""
	for _, h := range to.hooks {
		if !h.receives(i) {
			continue
		}
		if n == 0 {
			body = i.NotificationBody(event)
		}
		n++
		tx.Queue(insertBodyDeliverySQL, h.id, fc.ActionAlertIncident, i.ID, body, at)
	}
	return n
}

// resolveIncident queues the incident's resolution at now.
func resolveIncident(d Dialect, tx WriteTx, i *fc.AlertIncident, now time.Time) {
	at := now.UTC().Truncate(time.Millisecond)
	i.Status, i.ResolvedOn = fc.IncidentResolved, &at
	tx.Queue(`UPDATE alert_incidents SET status = 'Resolved', resolved_on = $1 WHERE id = $2`, d.Accounts.Value(at), i.ID)
}

// resolveIncidentNow is resolveIncident run at once.
func resolveIncidentNow(ctx context.Context, d Dialect, tx WriteTx, i *fc.AlertIncident, now time.Time) error {
	at := now.UTC().Truncate(time.Millisecond)
	if _, err := tx.Exec(ctx, `UPDATE alert_incidents SET status = 'Resolved', resolved_on = $1 WHERE id = $2`,
		d.Accounts.Value(at), i.ID); err != nil {
		return fmt.Errorf("resolve incident %d: %w", i.ID, err)
	}
	i.Status, i.ResolvedOn = fc.IncidentResolved, &at
	return nil
}

// sortIDs orders ids and keeps the first fc.MaxIncidentFailureIDs.
func sortIDs(ids []int64) []int64 {
	slices.SortFunc(ids, cmp.Compare[int64])
	return ids[:min(len(ids), fc.MaxIncidentFailureIDs)]
}

var _ fc.AlertEmailStore = Alerts{}

// dueEmailsSQL selects the emails a sender may claim: pending, due, not
// leased or with a lease that has expired.
const dueEmailsSQL = `SELECT id FROM alert_emails
	WHERE status = 'Pending' AND next_attempt_on <= $1 AND (lease_until IS NULL OR lease_until <= $1)
	ORDER BY next_attempt_on, id LIMIT $2`

// ClaimAlertEmails leases up to limit due emails to owner, as
// ClaimDeliveries does: a look without writing first, then the claim
// (FOR UPDATE SKIP LOCKED on PostgreSQL).
func (s Alerts) ClaimAlertEmails(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*fc.AlertEmail, error) {
	t := s.D.Accounts
	due, err := ReadValue(ctx, s.Read, func(tx Tx) (bool, error) {
		var id int64
		err := tx.QueryRow(ctx, dueEmailsSQL, t.Value(now), 1).Scan(&id)
		if errors.Is(err, ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil || !due {
		return nil, err
	}
	var out []*fc.AlertEmail
	err = s.Write(ctx, func(tx WriteTx, _ time.Time) error {
		out = nil
		lock := ""
		if s.D.RowLocks {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, dueEmailsSQL+lock, t.Value(now), limit)
		if err != nil {
			return fmt.Errorf("claim emails: %w", err)
		}
		ids, err := ScanRows(rows, "claim emails", func(r Rows) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		lease, in := idList([]any{owner, t.Value(leaseUntil)}, ids)
		if _, err := tx.Exec(ctx, `UPDATE alert_emails SET lease_owner = $1, lease_until = $2 WHERE id IN (`+in+`)`, lease...); err != nil {
			return fmt.Errorf("lease emails: %w", err)
		}
		read, in := idList(nil, ids)
		rows, err = tx.Query(ctx, `SELECT id, incident_id, recipients, subject, body, attempts FROM alert_emails
			WHERE id IN (`+in+`) ORDER BY id`, read...)
		if err != nil {
			return fmt.Errorf("read claimed emails: %w", err)
		}
		out, err = ScanRows(rows, "read claimed emails", func(r Rows) (*fc.AlertEmail, error) {
			var e fc.AlertEmail
			var to string
			err := r.Scan(&e.ID, &e.IncidentID, &to, &e.Subject, &e.Body, &e.Attempts)
			e.Recipients = strings.Split(to, ",")
			return &e, err
		})
		return err
	})
	return out, err
}

// FinishAlertEmail records one attempt of an email owner holds; a lease
// lost meanwhile changes nothing.
func (s Alerts) FinishAlertEmail(ctx context.Context, owner string, id int64, sent bool, next *time.Time, errText string) error {
	return s.Write(ctx, func(tx WriteTx, _ time.Time) error {
		status := "Pending"
		switch {
		case sent:
			status = "Sent"
		case next == nil:
			status = "Failed"
		}
		var lastErr any
		if errText != "" {
			lastErr = errText
		}
		nextAt := any(nil)
		if next != nil {
			nextAt = s.D.Accounts.Value(*next)
		}
		_, err := tx.Exec(ctx, `UPDATE alert_emails SET status = $1, attempts = attempts + 1, last_error = $2,
			next_attempt_on = COALESCE($3, next_attempt_on), lease_owner = NULL, lease_until = NULL WHERE id = $4 AND lease_owner = $5`,
			status, lastErr, nextAt, id, owner)
		if err != nil {
			return fmt.Errorf("finish email %d: %w", id, err)
		}
		return nil
	})
}

// CountAlertIncidents counts the incidents of every rule (the alert
// metrics). Incidents are opened and resolved inside the transactions of
// the attempt pipeline, the sweep and erasure, on any server of the
// database; counting the table at scrape time is exact whichever did it,
// survives restarts, and costs one pass over the incidents (the rules,
// and so the rows of the answer, are few: an operator makes each one).
func (s Alerts) CountAlertIncidents(ctx context.Context) ([]fc.AlertIncidentCount, error) {
	return ReadValue(ctx, s.Read, func(tx Tx) ([]fc.AlertIncidentCount, error) {
		rows, err := tx.Query(ctx, `SELECT rule_id, count(*),
			COALESCE(sum(CASE WHEN status = 'Resolved' THEN 1 ELSE 0 END), 0)
			FROM alert_incidents GROUP BY rule_id ORDER BY rule_id`)
		if err != nil {
			return nil, fmt.Errorf("count alert incidents: %w", err)
		}
		return ScanRows(rows, "count alert incidents", func(r Rows) (fc.AlertIncidentCount, error) {
			var c fc.AlertIncidentCount
			err := r.Scan(&c.RuleID, &c.Opened, &c.Resolved)
			c.Open = c.Opened - c.Resolved
			return c, err
		})
	})
}
