package sqlstore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Privacy is fc.PrivacyStore's erasure and retention for both stores
// (PRIVACY.md sections 2 and 3). Both change records only through
// Changes (change.go), inside the records' write transaction, so the
// rollups, dictionaries and trigram tables stay exact exactly as they do
// for every other change, and both anonymize with the one rule of
// anonymize.
type Privacy struct {
	Changes Changes
	// Change runs fn in the records' write transaction (each store's
	// RecordChanges.Write: under the records' write lock).
	Change func(ctx context.Context, fn func(tx Tx, now time.Time) (int, error)) (int, error)
	// Read runs fn in a read transaction, which never holds the writer.
	Read ReadFunc
	// Dirs is the store's cache of the parsed directory.
	Dirs *DirectoryCache
}

// anonymize is the one anonymization of a FailedCheckin (erasure and
// retention): what names the person goes, what is about the attempt
// (location, tariff, source, reason, description, times) stays. A record
// already anonymous is left exactly as it is, so that erasing twice, or a
// retention run after an erasure, changes nothing.
func anonymize(r *fc.FailedCheckin, on time.Time, by string) {
	if r.CoworkerID == nil && r.CoworkerFullName == "" && r.MacAddresses == "" && r.Teams == "" {
		return
	}
	r.CoworkerID, r.CoworkerFullName, r.MacAddresses, r.Teams = nil, "", "", ""
	r.UpdatedOn = on
	r.UpdatedBy = nil
	if by != "" {
		r.UpdatedBy = &by
	}
}

// anonymizeChunk is how many Ids one anonymizing UPDATE takes: on
// PostgreSQL each statement's triggers join its transition tables with
// every rollup, about 200 ms at 1M records whatever the statement's size,
// so a person's records (5,000 in issue 16) go in one statement. Both
// databases take that many parameters (PostgreSQL 65,535; SQLite 32,766).
const anonymizeChunk = 5000

// AnonymizeFailedCheckins anonymizes the records of ids that are not
// anonymous yet and, when before is not zero, whose attempt is before it
// (whole seconds: the caller truncates), as anonymize does, with one
// UPDATE per anonymizeChunk Ids rather than one per record: on PostgreSQL
// the statement triggers then count each chunk once (a rewrite per record
// cost about 1 ms each, 5 s for a person of 5,000 records); on SQLite the
// chunk's records are read first and counted in Go, as every change is.
// It returns how many records it changed.
func (c Changes) AnonymizeFailedCheckins(ctx context.Context, tx Tx, ids []int64, before, now time.Time, by string) (int, error) {
	var updatedBy *string
	if by != "" {
		updatedBy = &by
	}
	t := c.Dialect.Records
	n := 0
	for chunk := range slices.Chunk(ids, anonymizeChunk) {
		counts := NewRollupCounts(c.Dialect)
		for part := range slices.Chunk(chunk, changeChunk) {
			if !c.CountInGo {
				break
			}
			old, err := c.readFailedCheckins(ctx, tx, part)
			if err != nil {
				return 0, err
			}
			for _, r := range old {
				if !before.IsZero() && !r.CheckinAttemptTime.Before(before) {
					continue
				}
				upd := cloneRecord(r)
				anonymize(upd, now, by)
				if reflect.DeepEqual(r, upd) {
					continue
				}
				counts.Remove(r)
				counts.Add(upd)
			}
		}
		a := &args{d: c.Dialect}
		q := `UPDATE failed_checkins SET coworker_id = NULL, coworker_full_name = '', coworker_full_name_fold = '',
	mac_addresses = '', mac_addresses_fold = '', teams = '', teams_fold = '',
	updated_on = ` + a.add(t.Value(now)) + `, updated_by = ` + a.add(updatedBy) + `, updated_by_fold = ` + a.add(fc.Fold(by)) + `
	WHERE ` + inIDs(a, "id", chunk) + ` AND ` + failedNotAnonymous
		if !before.IsZero() {
			q += ` AND checkin_attempt_time < ` + a.add(t.Value(before))
		}
		changed, err := tx.Exec(ctx, q, a.vals...)
		if err != nil {
			return 0, fmt.Errorf("anonymize records: %w", err)
		}
		if err := counts.WriteChanges(ctx, c.Dialect, tx); err != nil {
			return 0, err
		}
		n += int(changed)
	}
	return n, nil
}

// notAnonymous selects the records anonymize would change, on either
// table: a check-in's coworker_id is NOT NULL, so an anonymized check-in
// holds 0 there (anonymizeCheckinsSQL).
const (
	failedNotAnonymous  = `(coworker_id IS NOT NULL OR coworker_full_name <> '' OR mac_addresses <> '' OR teams <> '')`
	checkinNotAnonymous = `(coworker_id <> 0 OR coworker_full_name <> '' OR mac_addresses <> '' OR teams <> '')`
)

// anonymizeCheckins anonymizes the check-ins of ids that are not
// anonymous yet and lie before before (when not zero), as anonymize does
// a FailedCheckin, and returns how many it changed. Check-ins have no
// rollups, so one UPDATE per chunk does it; CoworkerId becomes 0, the
// column being NOT NULL (no directory entry has Id 0).
func (p Privacy) anonymizeCheckins(ctx context.Context, tx Tx, ids []int64, before, now time.Time, by string) (int, error) {
	d := p.Changes.Dialect
	var updatedBy *string
	if by != "" {
		updatedBy = &by
	}
	n := 0
	for chunk := range slices.Chunk(ids, changeChunk) {
		a := &args{d: d}
		q := `UPDATE checkins SET coworker_id = 0, coworker_full_name = '', coworker_full_name_fold = '',
	mac_addresses = '', mac_addresses_fold = '', teams = '', teams_fold = '',
	updated_on = ` + a.add(d.Records.Value(now)) + `, updated_by = ` + a.add(updatedBy) + `, updated_by_fold = ` + a.add(fc.Fold(by)) + `
	WHERE ` + inIDs(a, "id", chunk) + ` AND ` + checkinNotAnonymous
		if !before.IsZero() {
			q += ` AND from_time < ` + a.add(d.Records.Value(before))
		}
		changed, err := tx.Exec(ctx, q, a.vals...)
		if err != nil {
			return 0, fmt.Errorf("anonymize check-ins: %w", err)
		}
		n += int(changed)
	}
	return n, nil
}

// person is whom an erasure is about, as the directory resolves the
// identifier given: their coworker Ids (the one given, or those of the
// entries), their MAC addresses (normalized) and their directory entries.
type person struct {
	coworkers []int64
	macs      []string
	entries   map[int64]bool // Ids of the directory entries to remove
}

// resolve finds the person s names in dir. An Id or a MAC address names
// the person even without a directory entry (records may predate it or
// outlive it); an email names only a directory entry.
func resolve(dir *fc.Directory, s fc.ErasureSubject) person {
	p := person{entries: map[int64]bool{}}
	var owners []*fc.Coworker
	switch {
	case s.CoworkerID != 0:
		p.coworkers = append(p.coworkers, s.CoworkerID)
		if c := dir.Coworker(s.CoworkerID); c != nil {
			owners = append(owners, c)
		}
	case s.MacAddress != "":
		if n, ok := fc.NormalizeMAC(s.MacAddress); ok {
			p.macs = append(p.macs, n)
		}
		if c := dir.CoworkerByMAC(s.MacAddress); c != nil {
			owners = append(owners, c)
		}
	default:
		email := strings.ToLower(strings.TrimSpace(s.Email))
		for _, c := range dir.Coworkers {
			if strings.ToLower(strings.TrimSpace(c.Email)) == email {
				owners = append(owners, c)
			}
		}
	}
	for _, c := range owners {
		p.entries[c.ID] = true
		if !slices.Contains(p.coworkers, c.ID) {
			p.coworkers = append(p.coworkers, c.ID)
		}
		for _, m := range c.MacAddresses {
			if n, ok := fc.NormalizeMAC(m); ok && !slices.Contains(p.macs, n) {
				p.macs = append(p.macs, n)
			}
		}
	}
	return p
}

// macForms are the ways a MAC address (normalized: 12 hex digits) is
// written in a record's MacAddresses, folded: with colons, dashes, dots
// (Cisco) or nothing between the digits.
func macForms(n string) []string {
	colon := fc.ColonMAC(n)
	return []string{colon, strings.ReplaceAll(colon, ":", "-"), n, n[0:4] + "." + n[4:8] + "." + n[8:12]}
}

// personIDs returns the Ids of table's records (failed_checkins or
// checkins) that are about p and not anonymous yet: those of one of
// p's coworker Ids (an index seek) and those whose MacAddresses holds
// one of p's MAC addresses in any of its forms, in any case: a range of
// the folded column's index on failed_checkins, past the records without
// a MAC address (greater than the empty string, which an index seeks,
// where "not equal to it" is a scan).
func (p Privacy) personIDs(ctx context.Context, tx Tx, table string, who person) ([]int64, error) {
	notAnonymous := failedNotAnonymous
	if table == "checkins" {
		notAnonymous = checkinNotAnonymous
	}
	var ids []int64
	run := func(q string, a *args) error {
		rows, err := tx.Query(ctx, q, a.vals...)
		if err != nil {
			return fmt.Errorf("find the person's records: %w", err)
		}
		got, err := ScanRows(rows, "find the person's records", func(r Rows) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		ids = append(ids, got...)
		return err
	}
	if len(who.coworkers) > 0 {
		a := &args{d: p.Changes.Dialect}
		if err := run(`SELECT id FROM `+table+` WHERE coworker_id IN (`+list(a, who.coworkers)+`) AND `+notAnonymous, a); err != nil {
			return nil, err
		}
	}
	if len(who.macs) > 0 {
		a := &args{d: p.Changes.Dialect}
		var terms []string
		for _, m := range who.macs {
			for _, form := range macForms(m) {
				terms = append(terms, substringTerm(a, column{fold: "mac_addresses_fold"}, form))
			}
		}
		if err := run(`SELECT id FROM `+table+` WHERE mac_addresses_fold > '' AND (`+strings.Join(terms, " OR ")+`)`, a); err != nil {
			return nil, err
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// findPerson returns the Ids of the FailedCheckins and check-ins about
// who, widened by one step: the coworker Ids and MAC addresses on the
// records found are the person's too (a refusal of their phone names
// their id; a record of their id names their phone), so an erasure by
// either leaves neither behind. One step only: a device two people
// shared must not chain an erasure through a third. widened is who with
// those Ids and addresses added: what else (alert incident keys) names
// the person. (Directory entries are not widened: an entry is how a
// person gets in, and a device another member once used must not lock
// that member out.)
func (p Privacy) findPerson(ctx context.Context, tx Tx, who person) (failed, checkins []int64, widened person, err error) {
	failed, checkins, more, err := p.findPersonRecords(ctx, tx, who)
	if err != nil {
		return nil, nil, person{}, err
	}
	widened = person{coworkers: append(slices.Clone(who.coworkers), more.coworkers...),
		macs: append(slices.Clone(who.macs), more.macs...), entries: who.entries}
	return failed, checkins, widened, nil
}

// findPersonRecords is findPerson's search: the records and the Ids and
// addresses found on them beyond who's.
func (p Privacy) findPersonRecords(ctx context.Context, tx Tx, who person) ([]int64, []int64, person, error) {
	failed, err := p.personIDs(ctx, tx, "failed_checkins", who)
	if err != nil {
		return nil, nil, person{}, err
	}
	checkins, err := p.personIDs(ctx, tx, "checkins", who)
	if err != nil {
		return nil, nil, person{}, err
	}
	more := person{}
	for _, t := range []struct {
		table string
		ids   []int64
	}{{"failed_checkins", failed}, {"checkins", checkins}} {
		for chunk := range slices.Chunk(t.ids, changeChunk) {
			a := &args{d: p.Changes.Dialect}
			rows, err := tx.Query(ctx, `SELECT DISTINCT coworker_id, mac_addresses FROM `+t.table+` WHERE id IN (`+list(a, chunk)+`)`, a.vals...)
			if err != nil {
				return nil, nil, person{}, fmt.Errorf("read the person's records: %w", err)
			}
			_, err = ScanRows(rows, "read the person's records", func(r Rows) (bool, error) {
				var id *int64
				var macs string
				if err := r.Scan(&id, &macs); err != nil {
					return false, err
				}
				if id != nil && *id != 0 && !slices.Contains(who.coworkers, *id) && !slices.Contains(more.coworkers, *id) {
					more.coworkers = append(more.coworkers, *id)
				}
				for _, m := range strings.Split(macs, ",") {
					if n, ok := fc.NormalizeMAC(strings.TrimSpace(m)); ok && !slices.Contains(who.macs, n) && !slices.Contains(more.macs, n) {
						more.macs = append(more.macs, n)
					}
				}
				return true, nil
			})
			if err != nil {
				return nil, nil, person{}, err
			}
		}
	}
	if len(more.coworkers) == 0 && len(more.macs) == 0 {
		return failed, checkins, more, nil
	}
	moreFailed, err := p.personIDs(ctx, tx, "failed_checkins", more)
	if err != nil {
		return nil, nil, person{}, err
	}
	moreCheckins, err := p.personIDs(ctx, tx, "checkins", more)
	if err != nil {
		return nil, nil, person{}, err
	}
	union := func(a, b []int64) []int64 {
		out := append(slices.Clone(a), b...)
		slices.Sort(out)
		return slices.Compact(out)
	}
	return union(failed, moreFailed), union(checkins, moreCheckins), more, nil
}

// ErasePerson is fc.PrivacyStore.ErasePerson: one write transaction
// resolves the person in the directory, anonymizes their FailedCheckins
// (through Changes, so every count stays exact) and check-ins, deletes
// the idempotency answers that point at those records (their reason and
// description describe the person's attempt), forgets the alert
// incident keys that name them (forgetIncidents) and removes their
// directory entries.
func (p Privacy) ErasePerson(ctx context.Context, s fc.ErasureSubject, by string) (int, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	d := p.Changes.Dialect
	return p.Change(ctx, func(tx Tx, now time.Time) (int, error) {
		if d.LockDirectory != "" {
			if _, err := tx.Exec(ctx, d.LockDirectory); err != nil {
				return 0, fmt.Errorf("lock the directory: %w", err)
			}
		}
		dir, err := LoadDirectory(ctx, tx, p.Dirs)
		if err != nil {
			return 0, err
		}
		who := resolve(dir, s)
		failed, checkins, widened, err := p.findPerson(ctx, tx, who)
		if err != nil {
			return 0, err
		}
		n, err := p.Changes.AnonymizeFailedCheckins(ctx, tx, failed, time.Time{}, now, by)
		if err != nil {
			return 0, err
		}
		m, err := p.anonymizeCheckins(ctx, tx, checkins, time.Time{}, now, by)
		if err != nil {
			return 0, err
		}
		if err := p.deleteKeys(ctx, tx, false, failed); err != nil {
			return 0, err
		}
		if err := p.deleteKeys(ctx, tx, true, checkins); err != nil {
			return 0, err
		}
		if err := p.forgetIncidents(ctx, tx, widened, failed, now); err != nil { // privacy_alerts.go
			return 0, err
		}
		if len(who.entries) > 0 {
			if err := p.removeEntries(ctx, tx, dir, who.entries, now); err != nil {
				return 0, err
			}
		}
		return n + m, nil
	})
}

// deleteKeys deletes the stored idempotency answers that gave one of ids
// (check-ins when accepted, refusals otherwise).
func (p Privacy) deleteKeys(ctx context.Context, tx Tx, accepted bool, ids []int64) error {
	for chunk := range slices.Chunk(ids, changeChunk) {
		a := &args{d: p.Changes.Dialect}
		q := `DELETE FROM idempotency_keys WHERE accepted = ` + a.add(accepted) + ` AND record_id IN (` + list(a, chunk) + `)`
		if _, err := tx.Exec(ctx, q, a.vals...); err != nil {
			return fmt.Errorf("delete the idempotency answers: %w", err)
		}
	}
	return nil
}

// removeEntries stores dir without the coworkers of ids, as a new
// version, so that every server's cache rereads it.
func (p Privacy) removeEntries(ctx context.Context, tx Tx, dir *fc.Directory, ids map[int64]bool, now time.Time) error {
	rest := &fc.Directory{Businesses: dir.Businesses, Tariffs: dir.Tariffs}
	for _, c := range dir.Coworkers {
		if !ids[c.ID] {
			rest.Coworkers = append(rest.Coworkers, c)
		}
	}
	doc, err := fc.MarshalDirectory(rest)
	if err != nil {
		return fmt.Errorf("encode the directory: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE directory SET version = version + 1, document = $1, updated_on = $2 WHERE id = 1`,
		string(doc), p.Changes.Dialect.Records.Value(now))
	if err != nil {
		return fmt.Errorf("store the directory: %w", err)
	}
	return nil
}

// retentionTables are the table and time column of each kind of record.
var retentionTables = map[fc.RecordKind][2]string{
	fc.KindFailedCheckins: {"failed_checkins", "checkin_attempt_time"},
	fc.KindCheckins:       {"checkins", "from_time"},
}

// RetainBatch is fc.PrivacyStore.RetainBatch. The records are picked in
// a read transaction (a walk of the Ids above b.After that may read far,
// but never holds the writer); the write transaction then changes only
// those of them that still qualify, through Changes and anonymize, so the
// batch's size alone bounds how long it holds the writer.
func (p Privacy) RetainBatch(ctx context.Context, b fc.RetentionBatch) (fc.RetentionProgress, error) {
	t, ok := retentionTables[b.Kind]
	if !ok || b.Limit < 1 || b.Before.IsZero() {
		return fc.RetentionProgress{}, fc.Errorf(fc.ErrInvalid, "retention batch: bad kind, limit or time")
	}
	d := p.Changes.Dialect
	table, timeCol := t[0], t[1]
	// Whole seconds, so that Go's test of a record's time and SQL's agree
	// whatever precision the store keeps.
	b.Before = b.Before.UTC().Truncate(time.Second)
	notAnonymous := failedNotAnonymous
	if b.Kind == fc.KindCheckins {
		notAnonymous = checkinNotAnonymous
	}
	var ids []int64
	err := p.Read(ctx, func(tx Tx) error {
		a := &args{d: d}
		q := `SELECT id FROM ` + table + ` WHERE id > ` + a.add(b.After) + ` AND ` + timeCol + ` < ` + a.add(d.Records.Value(b.Before))
		if !b.Delete {
			q += ` AND ` + notAnonymous
		}
		q += ` ORDER BY id LIMIT ` + a.add(b.Limit)
		rows, err := tx.Query(ctx, q, a.vals...)
		if err != nil {
			return fmt.Errorf("find old records: %w", err)
		}
		ids, err = ScanRows(rows, "find old records", func(r Rows) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		return err
	})
	if err != nil {
		return fc.RetentionProgress{}, err
	}
	progress := fc.RetentionProgress{Last: b.After, Done: len(ids) < b.Limit}
	if len(ids) == 0 {
		return progress, nil
	}
	progress.Last = ids[len(ids)-1]
	start := time.Now()
	progress.Changed, err = p.Change(ctx, func(tx Tx, now time.Time) (int, error) {
		switch {
		case b.Kind == fc.KindCheckins && !b.Delete:
			return p.anonymizeCheckins(ctx, tx, ids, b.Before, now, b.By)
		case !b.Delete:
			return p.Changes.AnonymizeFailedCheckins(ctx, tx, ids, b.Before, now, b.By)
		}
		// A delete takes the Ids that are still old (a change since the
		// read may have moved one).
		a := &args{d: d}
		rows, err := tx.Query(ctx, `SELECT id FROM `+table+` WHERE `+inIDs(a, "id", ids)+` AND `+timeCol+` < `+
			a.add(d.Records.Value(b.Before)), a.vals...)
		if err != nil {
			return 0, fmt.Errorf("find old records: %w", err)
		}
		old, err := ScanRows(rows, "find old records", func(r Rows) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil {
			return 0, err
		}
		if len(old) == 0 {
			return 0, nil
		}
		if b.Kind == fc.KindCheckins {
			return p.Changes.DeleteCheckins(ctx, tx, old)
		}
		return p.Changes.DeleteFailedCheckins(ctx, tx, old)
	})
	progress.Held = time.Since(start)
	if err != nil {
		return fc.RetentionProgress{}, err
	}
	return progress, nil
}
