package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// Alert evaluation in the attempt pipeline (PUSH.md section 3): every
// refusal a batch writes is matched against the active rules, and counted,
// joined or resolved in the batch's own transaction. The batch holds the
// records' write lock (one batch at a time across servers on PostgreSQL,
// the one writer on SQLite), so the count of a key's refusals is exact,
// and the partial unique index alert_incidents_one_open makes a second
// open incident of one rule and key impossible whatever happens.
//
// The window: an incident opens when a key has Threshold matching
// refusals whose CheckinAttemptTimes lie less than WindowMinutes apart
// (the N-th one, in whatever order they arrive: a device uploading its
// backlog counts by attempt time), counting only refusals whose attempt
// time is at most fc.AlertMaxAge before they are recorded.

// AlertCache keeps the active rules of one version of alert_state (and of
// webhook_state: a rule's receivers are webhooks), with their filters
// parsed, as WebhookCache does for webhooks, and the open incidents the
// batches read and wrote (incidentcache.go). The zero AlertCache is empty
// and ready to use.
type AlertCache struct {
	mu      sync.Mutex
	loaded  bool
	version [2]int64
	set     ruleSet

	incidents incidentCache
}

// ruleSet is the active rules of one version, as the pipeline matches
// them.
type ruleSet struct {
	rules []*activeRule
	// filters and groups are how many different Filter texts and GroupBy
	// lists the rules have: a refusal is matched against each filter, and
	// its key made for each GroupBy, once, however many rules share them
	// (ten rules cost 37 us a batch of eight refusals in matching, mostly
	// the same filters and keys again: docs/benchmarks.md).
	filters, groups int
	coworker        bool // some rule groups by CoworkerId (accepted check-ins resolve)
}

// activeRule is one active rule as the pipeline matches it.
type activeRule struct {
	rule   fc.AlertRule
	conds  []fc.Condition
	filter int       // its Filter's index among the set's filters
	group  int       // its GroupBy's index among the set's groups
	to     receivers // its receiver webhooks that exist with action 1001, and its emails
}

// at returns the active rules of the versions, read in tx when the cache
// holds others.
func (c *AlertCache) at(ctx context.Context, tx Tx, version, hooks int64) (ruleSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := [2]int64{version, hooks}
	if c.loaded && c.version == v {
		return c.set, nil
	}
	if version == 0 { // no rule was ever made
		c.loaded, c.version, c.set = true, v, ruleSet{}
		return c.set, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+ruleColumns+` FROM alert_rules WHERE active ORDER BY id`)
	if err != nil {
		return ruleSet{}, fmt.Errorf("read the active alert rules: %w", err)
	}
	rules, err := ScanRows(rows, "read the active alert rules", func(r Rows) (*fc.AlertRule, error) { return c.scan(r) })
	if err != nil {
		return ruleSet{}, err
	}
	var set ruleSet
	filters, groups := map[string]int{}, map[string]int{}
	index := func(m map[string]int, s string) int {
		i, ok := m[s]
		if !ok {
			i = len(m)
			m[s] = i
		}
		return i
	}
	for _, r := range rules {
		// The filter was validated when it was saved; one that no longer
		// parses would count refusals its owner did not ask for, so the
		// rule counts nothing until it is saved again.
		conds, err := searchparams.WebhookFilter(fc.ActionFailedCheckin, r.Filter)
		if err != nil {
			continue
		}
		hooks, err := receiverHooks(ctx, tx, r.Receivers.Webhooks)
		if err != nil {
			return ruleSet{}, err
		}
		to := receivers{hooks: hooks, emails: r.Receivers.Emails}
		set.rules = append(set.rules, &activeRule{rule: *r, conds: conds, to: to,
			filter: index(filters, r.Filter), group: index(groups, groupByText(r.GroupBy))})
		set.coworker = set.coworker || slices.Contains(r.GroupBy, fc.FieldCoworkerID)
	}
	set.filters, set.groups = len(filters), len(groups)
	c.loaded, c.version, c.set = true, v, set
	return set, nil
}

// scan reads a rule row; the times are not needed by the pipeline, so
// they are read as raw values whatever the dialect.
func (c *AlertCache) scan(row Row) (*fc.AlertRule, error) {
	var r fc.AlertRule
	var groupBy, receivers string
	var created, updated any
	err := row.Scan(&r.ID, &r.UniqueID, &r.BusinessID, &r.Name, &r.Active, &r.Filter, &groupBy, &r.Threshold,
		&r.WindowMinutes, &r.RepeatMinutes, &r.ResolveMinutes, &receivers, &created, &updated, &r.UpdatedBy)
	if err != nil {
		return nil, err
	}
	r.GroupBy = parseGroupBy(groupBy)
	if err := json.Unmarshal([]byte(receivers), &r.Receivers); err != nil {
		return nil, fmt.Errorf("read alert rule %d receivers: %w", r.ID, err)
	}
	return &r, nil
}

// alertKey names one rule's key.
type alertKey struct {
	rule int64
	key  string
}

// counted is one matching refusal no incident holds.
type counted struct {
	at time.Time
	id int64
}

// alertState is what a batch knows of one rule and key: its open
// incident, or the refusals counted towards one (those stored before the
// batch, read once, and the batch's own, queued).
type alertState struct {
	inc     *storedIncident // nil: none open
	refused []counted
	// added are the ids of the refusals the batch joined to inc while its
	// list had room (fc.MaxIncidentFailureIDs), not yet in its row.
	added []int64
	// dirty: inc was joined, and its row is written once, at the end of
	// the batch (flushAlerts), rather than once per refusal per rule.
	dirty bool
}

// alertBatch is the alert part of an attemptBatch.
type alertBatch struct {
	ruleSet
	states map[alertKey]*alertState
	byID   map[int64]*alertState // the states holding an open incident, by its id
	// begun: the batch has read the incidents' mark (beginIncidents);
	// lease is its hold on the store's incident cache (nil: none), and
	// cached the open incidents it may trust, nil when it holds none.
	begun  bool
	mark   int64 // alert_state.incidents_writer as the batch began
	lease  *incidentLease
	cached map[alertKey]*storedIncident
	// Each refusal's matching, kept between refusals (alertRefusal):
	// whether it passes each filter (0 not yet known, 1 yes, 2 no), its
	// key for each GroupBy ("" not yet made), the rules it matched.
	passes  []int8
	keys    []string
	matched []ruleMatch
}

// ruleMatch is a rule a refusal matched, and its key.
type ruleMatch struct {
	ar *activeRule
	k  alertKey
}

// match returns the rules that count the refusal r, with its keys, in a
// slice alertRefusal reuses.
func (a *alertBatch) match(r *fc.FailedCheckin) []ruleMatch {
	if len(a.passes) < a.filters || len(a.keys) < a.groups {
		a.passes, a.keys = make([]int8, a.filters), make([]string, a.groups)
	}
	passes, keys := a.passes[:a.filters], a.keys[:a.groups]
	clear(passes)
	clear(keys)
	matched := a.matched[:0]
	for _, ar := range a.rules {
		if ar.rule.BusinessID != nil && *ar.rule.BusinessID != r.BusinessID {
			continue
		}
		if passes[ar.filter] == 0 {
			passes[ar.filter] = 2
			if fc.MatchesAll(r, ar.conds) {
				passes[ar.filter] = 1
			}
		}
		if passes[ar.filter] != 1 {
			continue
		}
		key := keys[ar.group]
		if key == "" { // a key is never "": at least "{}"
			key = fc.AlertKey(ar.rule.GroupBy, r)
			keys[ar.group] = key
		}
		matched = append(matched, ruleMatch{ar, alertKey{ar.rule.ID, key}})
	}
	a.matched = matched
	return matched
}

// alertRefusal evaluates a refusal the batch writes against every active
// rule. The states of the keys it does not know yet are read together,
// in two statements (loadStates), not two per rule.
func (b *attemptBatch) alertRefusal(ctx context.Context, r *fc.FailedCheckin) error {
	if r.CheckinAttemptTime.Before(b.now.Add(-fc.AlertMaxAge)) {
		return nil // history, not an emergency
	}
	matched := b.alerts.match(r)
	var missing []alertKey
	if len(matched) == 0 {
		return nil
	}
	if err := b.beginIncidents(ctx); err != nil {
		return err
	}
	for _, m := range matched {
		if _, ok := b.alerts.states[m.k]; !ok && b.cachedState(m.k) == nil {
			missing = append(missing, m.k)
		}
	}
	if err := b.loadStates(ctx, missing); err != nil {
		return err
	}
	for _, m := range matched {
		ar, k, st := m.ar, m.k, b.alerts.states[m.k]
		if st.inc != nil {
			if err := b.joinIncident(ctx, ar, st, r); err != nil {
				return err
			}
			continue
		}
		t := b.d.Accounts
		b.tx.Queue(`INSERT INTO alert_refusals (rule_id, key, attempt_time, failed_checkin_id) VALUES ($1, $2, $3, $4)`,
			k.rule, k.key, t.Value(r.CheckinAttemptTime), r.ID)
		st.refused = append(st.refused, counted{r.CheckinAttemptTime, r.ID})
		in := windowWith(st.refused, r.CheckinAttemptTime, ar.rule.Window())
		if len(in) < ar.rule.Threshold {
			continue
		}
		if err := b.openIncident(ctx, ar, k, st, r, in); err != nil {
			return err
		}
	}
	return nil
}

// windowWith returns the largest set of refusals whose attempt times lie
// less than w apart and that holds one at time t: the windows [s, s+w)
// that start at a refusal at or before t and reach past t.
func windowWith(refused []counted, t time.Time, w time.Duration) []counted {
	sorted := slices.Clone(refused)
	slices.SortFunc(sorted, func(a, b counted) int { return a.at.Compare(b.at) })
	var best []counted
	for i, start := range sorted {
		if start.at.After(t) {
			break
		}
		if !t.Before(start.at.Add(w)) {
			continue
		}
		j := i
		for j < len(sorted) && sorted[j].at.Before(start.at.Add(w)) {
			j++
		}
		if j-i > len(best) {
			best = sorted[i:j]
		}
	}
	return best
}

// loadStates reads the states of keys in the batch's transaction, after
// beginIncidents: their open incidents (FOR UPDATE on PostgreSQL), then
// the counted refusals of those with none, since the earliest time any
// could still count.
func (b *attemptBatch) loadStates(ctx context.Context, keys []alertKey) error {
	if len(keys) == 0 {
		return nil
	}
	for _, k := range keys {
		b.alerts.states[k] = &alertState{}
	}
	// The status in each term, not once outside them: so SQLite's planner
	// reads each key through the partial index alert_incidents_one_open
	// (MULTI-INDEX OR) instead of scanning every open incident.
	where, args := keysWhere(keys, nil, ` AND status <> 'Resolved'`)
	rows, err := b.tx.Query(ctx, `SELECT `+batchIncidentColumns+` FROM alert_incidents WHERE `+where+b.d.forUpdate(), args...)
	if err != nil {
		return fmt.Errorf("read the open incidents: %w", err)
	}
	open, err := ScanRows(rows, "read the open incidents", func(r Rows) (*storedIncident, error) { return scanBatchIncident(b.d, r) })
	if err != nil {
		return err
	}
	for _, inc := range open {
		st := b.alerts.states[alertKey{inc.RuleID, inc.Key}]
		st.inc = inc
		b.alerts.byID[inc.ID] = st
	}
	var quiet []alertKey
	for _, k := range keys {
		if b.alerts.states[k].inc == nil {
			quiet = append(quiet, k)
		}
	}
	if len(quiet) == 0 {
		return nil
	}
	t := b.d.Accounts
	where, args = keysWhere(quiet, []any{t.Value(b.now.Add(-fc.AlertMaxAge - fc.MaxAlertWindowMinutes*time.Minute))}, "")
	rows, err = b.tx.Query(ctx, `SELECT rule_id, key, attempt_time, failed_checkin_id FROM alert_refusals
		WHERE attempt_time >= $1 AND (`+where+`)`, args...)
	if err != nil {
		return fmt.Errorf("read the counted refusals: %w", err)
	}
	type row struct {
		k counted
		a alertKey
	}
	got, err := ScanRows(rows, "read the counted refusals", func(r Rows) (row, error) {
		var x row
		return x, r.Scan(&x.a.rule, &x.a.key, t.Dest(&x.k.at), &x.k.id)
	})
	if err != nil {
		return err
	}
	for _, x := range got {
		st := b.alerts.states[x.a]
		st.refused = append(st.refused, x.k)
	}
	return nil
}

// keysWhere returns "(rule_id = $n AND key = $m<also>) OR ..." for keys,
// its placeholders numbered after args.
func keysWhere(keys []alertKey, args []any, also string) (string, []any) {
	parts := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k.rule, k.key)
		parts[i] = "(rule_id = $" + strconv.Itoa(len(args)-1) + " AND key = $" + strconv.Itoa(len(args)) + also + ")"
	}
	return strings.Join(parts, " OR "), args
}

// openIncident opens the incident of a key whose window holds in, and
// notifies. The insert runs at once (its Id is the deliveries' RecordId);
// the key's counted refusals are taken by it.
func (b *attemptBatch) openIncident(ctx context.Context, ar *activeRule, k alertKey, st *alertState, r *fc.FailedCheckin, in []counted) error {
	t := b.d.Accounts
	now := b.now.UTC().Truncate(time.Millisecond)
	inc := &storedIncident{lastNotified: now, resolveAfter: now.Add(resolveAfter(&ar.rule)), full: true}
	i := &inc.AlertIncident
	i.RuleID, i.RuleName, i.Key, i.Status, i.OpenedOn = ar.rule.ID, ar.rule.Name, k.key, fc.IncidentOpen, now
	i.BusinessID = ar.rule.BusinessID
	if i.BusinessID == nil && slices.Contains(ar.rule.GroupBy, fc.FieldBusinessID) {
		i.BusinessID = &r.BusinessID
	}
	if slices.Contains(ar.rule.GroupBy, fc.FieldCoworkerID) {
		i.CoworkerID = r.CoworkerID
	}
	i.FailureCount = len(in)
	for _, c := range in {
		i.FailedCheckinIDs = append(i.FailedCheckinIDs, c.id)
		if c.at.After(i.LastFailureOn) {
			i.LastFailureOn = c.at
		}
	}
	i.FailedCheckinIDs = sortIDs(i.FailedCheckinIDs)
	inc.listed = len(i.FailedCheckinIDs)
	err := b.tx.QueryRow(ctx, `INSERT INTO alert_incidents (rule_id, rule_name, key, business_id, coworker_id, location_id,
		status, failure_count, failed_checkin_ids, opened_on, last_failure_on, resolve_after, last_notified_on)
		VALUES ($1, $2, $3, $4, $5, $6, 'Open', $7, $8, $9, $10, $11, $9) RETURNING id`,
		i.RuleID, i.RuleName, i.Key, i.BusinessID, i.CoworkerID, r.BusinessID, i.FailureCount, idsText(i.FailedCheckinIDs),
		t.Value(now), t.Value(i.LastFailureOn), t.Value(inc.resolveAfter)).Scan(&i.ID)
	if err != nil {
		return fmt.Errorf("open an incident of rule %d: %w", i.RuleID, err)
	}
	b.tx.Queue(`DELETE FROM alert_refusals WHERE rule_id = $1 AND key = $2`, k.rule, k.key)
	st.inc, st.refused = inc, nil
	b.alerts.byID[i.ID] = st
	b.queued += queueNotifications(b.d, b.tx, ar.to, i, fc.EventOpened, b.now)
	return nil
}

// resolveAfter is how long an incident of the rule stays open without a
// matching refusal.
func resolveAfter(r *fc.AlertRule) time.Duration {
	m := r.ResolveMinutes
	if m <= 0 {
		m = r.WindowMinutes
	}
	return time.Duration(m) * time.Minute
}

// joinIncident adds a refusal to the key's open incident, and notifies
// again when the incident is Open (not acknowledged) and its last
// notification is RepeatMinutes old.
func (b *attemptBatch) joinIncident(ctx context.Context, ar *activeRule, st *alertState, r *fc.FailedCheckin) error {
	inc := st.inc
	i := &inc.AlertIncident
	now := b.now.UTC().Truncate(time.Millisecond)
	i.FailureCount++
	if inc.listed+len(st.added) < fc.MaxIncidentFailureIDs {
		st.added = append(st.added, r.ID)
		if inc.full {
			i.FailedCheckinIDs = append(i.FailedCheckinIDs, r.ID)
		}
	}
	if r.CheckinAttemptTime.After(i.LastFailureOn) {
		i.LastFailureOn = r.CheckinAttemptTime
	}
	inc.resolveAfter = now.Add(resolveAfter(&ar.rule))
	repeat := ar.rule.RepeatMinutes
	if repeat <= 0 {
		repeat = fc.DefaultRepeatMinutes
	}
	st.dirty = true
	if i.Status == fc.IncidentOpen && !now.Before(inc.lastNotified.Add(time.Duration(repeat)*time.Minute)) {
		if !inc.full {
			row, err := scanIncident(b.d, b.tx.QueryRow(ctx, `SELECT `+incidentColumns+` FROM alert_incidents WHERE id = $1`, i.ID))
			if err != nil {
				return fmt.Errorf("read incident %d: %w", i.ID, err)
			}
			st.complete(row)
		}
		st.inc.lastNotified = now
		b.queued += queueNotifications(b.d, b.tx, ar.to, &st.inc.AlertIncident, fc.EventRepeated, b.now)
	}
	return nil
}

// complete makes the batch's view of its incident whole, for a
// notification, from row, the incident's row as it was read in the
// batch: the row holds none of the batch's joins yet (writeIncident
// queues them, and runs only at the end of the batch or when the
// incident resolves), so the batch's count, times and ids win, the ids
// after the row's.
func (st *alertState) complete(row *storedIncident) {
	inc := st.inc
	if inc.full {
		return
	}
	row.FailureCount, row.LastFailureOn, row.resolveAfter, row.lastNotified = inc.FailureCount, inc.LastFailureOn, inc.resolveAfter, inc.lastNotified
	row.FailedCheckinIDs = append(row.FailedCheckinIDs, st.added...)
	row.listed = inc.listed // the ids in the row: st.added are not
	st.inc = row
}

// writeIncident queues the row of a joined incident. The ids the batch
// joined are appended to its list in SQL (the list's closing bracket
// replaced), so that the list is neither read nor written whole.
func (b *attemptBatch) writeIncident(st *alertState) {
	inc, t := st.inc, b.d.Accounts
	i := &inc.AlertIncident
	// SQLite numbers placeholders in the order they appear: the id's is
	// the last in every text.
	const set = `UPDATE alert_incidents SET failure_count = $1, last_failure_on = $2, resolve_after = $3, last_notified_on = $4`
	args := []any{i.FailureCount, t.Value(i.LastFailureOn), t.Value(inc.resolveAfter), t.Value(inc.lastNotified)}
	switch {
	case len(st.added) == 0:
		b.tx.Queue(set+` WHERE id = $5`, append(args, i.ID)...)
	default: // the list is never empty: an incident opens with its refusals
		tail := idsText(st.added) // "[7,8]" becomes ",7,8]"
		b.tx.Queue(set+`, failed_checkin_ids = substr(failed_checkin_ids, 1, length(failed_checkin_ids) - 1) || $5 WHERE id = $6`,
			append(args, ","+tail[1:], i.ID)...)
	}
	inc.listed += len(st.added)
	st.added, st.dirty = nil, false
}

// flushAlerts queues the rows of the incidents the batch joined (each
// row is written once, so the map's order does not matter).
func (b *attemptBatch) flushAlerts() {
	for _, st := range b.alerts.byID {
		if st.dirty && st.inc != nil {
			b.writeIncident(st)
		}
	}
}

// alertCheckin resolves at once the open incidents of a coworker whose
// check-in at business the batch accepted: those opened by a refusal at
// that location.
func (b *attemptBatch) alertCheckin(ctx context.Context, coworker, business int64) error {
	if err := b.beginIncidents(ctx); err != nil {
		return err
	}
	rows, err := b.tx.Query(ctx, `SELECT `+incidentColumns+` FROM alert_incidents
		WHERE coworker_id = $1 AND location_id = $2 AND status <> 'Resolved'`+b.d.forUpdate(),
		coworker, business)
	if err != nil {
		return fmt.Errorf("read the coworker's incidents: %w", err)
	}
	found, err := ScanRows(rows, "read the coworker's incidents", func(r Rows) (*storedIncident, error) { return scanIncident(b.d, r) })
	if err != nil {
		return err
	}
	for _, inc := range found {
		st := b.alerts.byID[inc.ID]
		if st != nil && st.inc == nil {
			continue // resolved earlier in this batch
		}
		if st != nil {
			st.complete(inc) // the batch's own view: its joins are not written yet
			inc = st.inc
			if st.dirty {
				b.writeIncident(st)
			}
		}
		var to receivers
		for _, ar := range b.alerts.rules {
			if ar.rule.ID == inc.RuleID {
				to = ar.to
			}
		}
		// The resolution runs at once, not queued: a refusal later in the
		// batch may open the key's next incident, whose INSERT runs at
		// once and would meet this one still open
		// (alert_incidents_one_open).
		if err := resolveIncidentNow(ctx, b.d, b.tx, &inc.AlertIncident, b.now); err != nil {
			return err
		}
		b.queued += queueNotifications(b.d, b.tx, to, &inc.AlertIncident, fc.EventResolved, b.now)
		if st != nil {
			st.inc = nil
		} else {
			b.alerts.byID[inc.ID] = &alertState{}
		}
		// A later refusal of this key in the batch starts a new count.
		b.alerts.states[alertKey{inc.RuleID, inc.Key}] = &alertState{}
	}
	return nil
}
