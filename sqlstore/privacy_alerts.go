package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// erasedNotice is what an erasure leaves of an alert notification that
// named the person: the webhook body (a JSON array, as for an incident)
// and the email's text.
const (
	erasedBody    = `[]`
	erasedSubject = "Alert incident (erased)"
	erasedText    = "This alert named a person whose data was erased at their request."
	erasedError   = "Not sent: the incident names a person whose data was erased."
)

// forgetIncidents removes what the alerts keep about the person, in the
// erasure's transaction (PRIVACY.md section 2: "any incident keys that
// name them are removed"):
//   - the window memory of their refusals (alert_refusals by record Id);
//   - the incidents whose key names them (their CoworkerId, or a MAC of
//     theirs in a MacAddresses key): the key keeps its fields with the
//     person's values null, the incident's coworker goes, and an open
//     incident is resolved (there is no one left to alert about; resolved
//     incidents are outside the one-open-per-key index, so the nulled keys
//     cannot collide);
//   - the notifications of those incidents: webhook bodies and emails are
//     replaced by a notice, and those not yet sent end without being sent.
func (p Privacy) forgetIncidents(ctx context.Context, tx Tx, who person, failed []int64, now time.Time) error {
	d := p.Changes.Dialect
	for chunk := range slices.Chunk(failed, changeChunk) {
		a := &args{d: d}
		if _, err := tx.Exec(ctx, `DELETE FROM alert_refusals WHERE failed_checkin_id IN (`+list(a, chunk)+`)`, a.vals...); err != nil {
			return fmt.Errorf("forget the alert windows: %w", err)
		}
	}
	// Incidents are few (one per rule and key at a time): read those that
	// could name the person and decide in Go, where the key is parsed (a
	// MAC in a key is the record's text, in any case and separators, so
	// SQL cannot match it). A key whose MAC an erasure or retention has
	// already nulled ("MacAddresses":null, as nullPersonal writes it)
	// names no one and is not read again.
	a := &args{d: d}
	where := `key LIKE '%"MacAddresses":"%'`
	if len(who.coworkers) > 0 {
		where += ` OR coworker_id IN (` + list(a, who.coworkers) + `)`
	}
	found, err := readIncidentKeys(ctx, tx, where, a.vals...)
	if err != nil {
		return err
	}
	for _, i := range found {
		key, named := erasedKey(i.key, who)
		if !named {
			continue
		}
		if err := p.scrubIncident(ctx, tx, i.id, key, i.status, now); err != nil {
			return err
		}
	}
	return nil
}

// incidentKey is an incident as forgetIncidents and RetainAlerts judge it.
type incidentKey struct {
	id          int64
	key, status string
}

// readIncidentKeys reads the Id, key and status of the incidents that
// where (a condition, with its order and limit) selects.
func readIncidentKeys(ctx context.Context, tx Tx, where string, args ...any) ([]incidentKey, error) {
	rows, err := tx.Query(ctx, `SELECT id, key, status FROM alert_incidents WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read the alert incidents: %w", err)
	}
	return ScanRows(rows, "read the alert incidents", func(r Rows) (incidentKey, error) {
		var i incidentKey
		return i, r.Scan(&i.id, &i.key, &i.status)
	})
}

// scrubIncident writes key (the personal values null) over incident id's,
// drops its coworker, resolves it if it is not, and replaces what its
// notifications said by a notice, ending those not yet sent. It leaves
// failure_count and failed_checkin_ids as they are: an attempt batch
// appends to that list in SQL, trusting that it holds the first
// min(failure_count, fc.MaxIncidentFailureIDs) ids (batchIncidentColumns).
func (p Privacy) scrubIncident(ctx context.Context, tx Tx, id int64, key, status string, now time.Time) error {
	d := p.Changes.Dialect
	if err := incidentsChanged(ctx, tx); err != nil {
		return err
	}
	resolvedOn := any(nil)
	if status != string(fc.IncidentResolved) {
		status, resolvedOn = string(fc.IncidentResolved), d.Accounts.Value(now)
	}
	_, err := tx.Exec(ctx, `UPDATE alert_incidents SET key = $1, coworker_id = NULL, status = $2,
		resolved_on = COALESCE(resolved_on, $3) WHERE id = $4`, key, status, resolvedOn, id)
	if err != nil {
		return fmt.Errorf("erase alert incident %d: %w", id, err)
	}
	_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET body = $1,
		status = CASE WHEN status = 'Pending' THEN 'Failed' ELSE status END,
		last_error = CASE WHEN status = 'Pending' THEN $2 ELSE last_error END,
		next_attempt_on = CASE WHEN status = 'Pending' THEN NULL ELSE next_attempt_on END,
		ended_on = CASE WHEN status = 'Pending' THEN $3 ELSE ended_on END
		WHERE action = $4 AND record_id = $5`, erasedBody, erasedError, d.Accounts.Value(now), fc.ActionAlertIncident, id)
	if err != nil {
		return fmt.Errorf("erase the notifications of alert incident %d: %w", id, err)
	}
	_, err = tx.Exec(ctx, `UPDATE alert_emails SET subject = $1, body = $2,
		status = CASE WHEN status = 'Pending' THEN 'Failed' ELSE status END,
		last_error = CASE WHEN status = 'Pending' THEN $3 ELSE last_error END
		WHERE incident_id = $4`, erasedSubject, erasedText, erasedError, id)
	if err != nil {
		return fmt.Errorf("erase the emails of alert incident %d: %w", id, err)
	}
	return nil
}

// RetainAlerts is fc.PrivacyStore.RetainAlerts: up to limit incidents
// whose last refusal is before before and whose key still holds a
// personal value (a CoworkerId or MacAddresses) are anonymized as an
// erasure leaves them (scrubIncident), in one short write transaction of
// the records' writer.
func (p Privacy) RetainAlerts(ctx context.Context, before time.Time, limit int) (int, error) {
	d := p.Changes.Dialect
	return p.Change(ctx, func(tx Tx, now time.Time) (int, error) {
		found, err := readIncidentKeys(ctx, tx, `last_failure_on < $1
			AND (coworker_id IS NOT NULL OR key LIKE '%"MacAddresses":"%') ORDER BY id LIMIT $2`, d.Accounts.Value(before), limit)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, i := range found {
			key, named := anonymousKey(i.key)
			if !named {
				continue // a CoworkerId already null: nothing personal
			}
			if err := p.scrubIncident(ctx, tx, i.id, key, i.status, now); err != nil {
				return 0, err
			}
			n++
		}
		return n, nil
	})
}

// anonymousKey returns key with every personal value null, and whether
// it held one.
func anonymousKey(key string) (string, bool) {
	var fields map[string]any
	if err := json.Unmarshal([]byte(key), &fields); err != nil {
		return key, false
	}
	named := false
	for _, f := range []fc.Field{fc.FieldCoworkerID, fc.FieldMacAddresses} {
		if v, ok := fields[string(f)]; ok && v != nil {
			named = true
		}
	}
	if !named {
		return key, false
	}
	return nullPersonal(fields, key)
}

// erasedKey returns key (an incident's, fc.AlertKey's JSON object) with
// the person's values null, and whether it named them at all: its
// CoworkerId is one of theirs, or its MacAddresses holds a MAC of theirs.
func erasedKey(key string, who person) (string, bool) {
	var fields map[string]any
	if err := json.Unmarshal([]byte(key), &fields); err != nil {
		return key, false
	}
	named := false
	if v, ok := fields[string(fc.FieldCoworkerID)].(float64); ok && slices.Contains(who.coworkers, int64(v)) {
		named = true
	}
	if v, ok := fields[string(fc.FieldMacAddresses)].(string); ok {
		for _, m := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			if n, ok := fc.NormalizeMAC(m); ok && slices.Contains(who.macs, n) {
				named = true
			}
		}
	}
	if !named {
		return key, false
	}
	return nullPersonal(fields, key)
}

// nullPersonal returns the JSON of an incident key's fields with the
// personal values (CoworkerId, MacAddresses) null; key if it cannot.
func nullPersonal(fields map[string]any, key string) (string, bool) {
	for _, f := range []fc.Field{fc.FieldCoworkerID, fc.FieldMacAddresses} {
		if _, ok := fields[string(f)]; ok {
			fields[string(f)] = nil
		}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return key, false
	}
	return string(b), true
}
