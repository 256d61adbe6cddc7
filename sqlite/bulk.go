package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// uniqueIDIndex is the index that keeps UniqueIds unique (migration 0006).
const uniqueIDIndex = "failed_checkins_unique_id"

// Batches of prepared rows travel from the goroutine that reads and
// prepares the records to the one that inserts them: batchRows rows at a
// time, at most batchesAhead batches ahead of the inserts.
const (
	batchRows    = 256
	batchesAhead = 8
)

// bulkFlushEvery is flushEvery for a first import into the empty table:
// the rollup counts of a million records take tens of MiB in memory, and
// flushing them ten times less often saves most of the upserts of the keys
// that recur from one chunk to the next (a coworker at a location).
var bulkFlushEvery = 4_000_000

// rowBatch is a run of consecutive records, ready for the insert.
type rowBatch struct {
	first int     // position of rows[0] in the sequence, 1-based
	rows  [][]any // sqlstore.InsertFailedSQL's arguments, one slice per record
	// upserts add counts to the rollups (after the rows): the counts of
	// records up to here, built by the reading goroutine too.
	upserts []rollupUpsert
	// err, when set, is the error of the record after the last row: the
	// sequence's, or a validation failure. It ends the import.
	err error
}

// rollupUpsert is one execution of a rollup's upsert statement.
type rollupUpsert struct {
	rollup int // index in sqlstore.Rollups
	args   []any
}

// insertRecords inserts every record of the sequence in tx and keeps the
// rollup counts; it returns the number inserted, or the error of the
// first record that fails (in sequence order, as if one record were read,
// checked and inserted after the other).
//
// Two goroutines share the work: this one runs the inserts (SQLite is
// single-threaded per connection) while another reads the sequence (for
// an import, parses the CSV), validates, folds and counts, a few batches
// ahead. On a 2-core machine that takes the Go share of an import off the
// insert path.
//
// A first import into the empty table drops the secondary indexes and
// builds them after the last row (bulk.go, dropIndexesIfEmpty), the
// UniqueId index included: duplicate UniqueIds are then found when it is
// built, and reported as the insert would have, naming the first record
// whose UniqueId an earlier one already had.
func insertRecords(ctx context.Context, tx *sql.Tx, now time.Time, records iter.Seq2[*fc.FailedCheckin, error]) (int, error) {
	stmt, err := tx.PrepareContext(ctx, sqlstore.InsertFailedSQL)
	if err != nil {
		return 0, fmt.Errorf("prepare insert: %w", err)
	}
	defer stmt.Close()
	indexes, err := dropIndexesIfEmpty(ctx, tx) // a first import builds them at the end
	if err != nil {
		return 0, err
	}
	bulk := newBulkLoad(indexes)
	multi, err := prepareMultiInsert(ctx, tx)
	if err != nil {
		return 0, err
	}
	defer multi.stmt.Close()
	var largest int64 // the largest Id ever given, then the largest so far in this import
	if err := tx.QueryRowContext(ctx, sqlstore.LargestIDSQL("failed_checkins")).Scan(&largest); err != nil {
		return 0, fmt.Errorf("read the largest id: %w", err)
	}
	limit := flushEvery
	if bulk.first {
		limit = bulkFlushEvery
	}

	upserts, err := prepareUpserts(ctx, tx)
	if err != nil {
		return 0, err
	}
	defer upserts.close()

	batches := make(chan *rowBatch, batchesAhead)
	free := make(chan *rowBatch, batchesAhead+2)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { prepareRecords(records, now, limit, largest, batches, free, stop) })
	defer func() {
		close(stop)
		for range batches { // let the reader finish its last send
		}
		wg.Wait()
	}()

	// The driver starts a goroutine per statement to interrupt it when a
	// cancellable context ends; per row that cost a third of an import.
	// Cancellation is checked here once per batch instead.
	rowCtx := context.WithoutCancel(ctx)
	n := 0
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		for i := 0; i < len(b.rows); {
			pos, args := b.first+i, b.rows[i]
			if i+insertRows <= len(b.rows) {
				done, err := multi.insert(rowCtx, b.rows[i:i+insertRows], &largest, bulk)
				if err != nil {
					return 0, bulk.failed(rowCtx, tx, pos, sqlstore.RecordError(pos, err))
				}
				if done {
					i += insertRows
					n += insertRows
					continue
				}
			}
			if args[0], err = nextID(args[0], &largest); err != nil {
				return 0, bulk.failed(rowCtx, tx, pos, sqlstore.RecordError(pos, err))
			}
			if err := bulk.beforeInsert(rowCtx, tx, args[0]); err != nil {
				return 0, err
			}
			if _, err := stmt.ExecContext(rowCtx, args...); err != nil {
				return 0, bulk.failed(rowCtx, tx, pos, insertError(pos, args, err))
			}
			i++
			n++
		}
		if err := upserts.exec(rowCtx, b.upserts); err != nil {
			return 0, err
		}
		if b.err != nil {
			return 0, bulk.failed(rowCtx, tx, b.first+len(b.rows), b.err)
		}
		b.rows, b.upserts = b.rows[:0], b.upserts[:0]
		select {
		case free <- b:
		default:
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return n, bulk.finish(ctx, tx)
}

// insertRows is the number of rows multiInsert writes per statement (29
// arguments each, far below SQLite's limit of 32,766).
const insertRows = 32

// multiInsert inserts insertRows rows with one statement.
type multiInsert struct {
	stmt *sql.Stmt
	args []any // the arguments of one execution, reused
}

func prepareMultiInsert(ctx context.Context, tx *sql.Tx) (*multiInsert, error) {
	stmt, err := tx.PrepareContext(ctx, sqlstore.InsertFailedRowsSQL(insertRows))
	if err != nil {
		return nil, fmt.Errorf("prepare insert: %w", err)
	}
	return &multiInsert{stmt: stmt, args: make([]any, 0, insertRows*len(sqlstore.FailedColumns))}, nil
}

// insert inserts rows (insertRows of them) with one statement and reports
// whether it did. It does only when that is what inserting them one by
// one would do: each row gets its Id (nextID), the rowids keep growing
// while the UniqueId index waits (bulkLoad.beforeInsert), and the
// statement succeeds. Otherwise nothing is inserted, largest and bulk are
// as before, and the caller inserts the first row alone (which reports a
// failing row as before) and tries the statement again from the next. An
// Id a row was given stays in its arguments: nextID gives the same row
// the same Id again. Only a constraint error is retried that way: SQLite
// undoes the failed statement alone (every constraint of failed_checkins
// aborts the statement) and the transaction goes on; other errors (I/O,
// an interrupt) may have ended the transaction, and the import with them.
func (m *multiInsert) insert(ctx context.Context, rows [][]any, largest *int64, bulk *bulkLoad) (bool, error) {
	largest0, maxID0 := *largest, bulk.maxID
	undo := func() (bool, error) {
		*largest, bulk.maxID = largest0, maxID0
		return false, nil
	}
	m.args = m.args[:0]
	for _, args := range rows {
		id, err := nextID(args[0], largest)
		if err != nil {
			return undo()
		}
		if bulk.uniqueLater {
			if id <= bulk.maxID {
				return undo()
			}
			bulk.maxID = id
		}
		args[0] = id
		m.args = append(m.args, args...)
	}
	if _, err := m.stmt.ExecContext(ctx, m.args...); err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && se.Code == sqlite3.ErrConstraint {
			return undo()
		}
		return false, fmt.Errorf("insert: %w", err)
	}
	return true, nil
}

// upsertRows is the number of keys rollupUpserts writes per statement.
const upsertRows = 64

// rollupUpserts are the upsert statements of every rollup (same index as
// sqlstore.Rollups), for one key and for upsertRows keys.
type rollupUpserts struct {
	one, many []*sql.Stmt
	args      []any // the arguments of one execution of many, reused
}

func prepareUpserts(ctx context.Context, tx *sql.Tx) (*rollupUpserts, error) {
	u := &rollupUpserts{}
	for _, ru := range sqlstore.Rollups {
		one, err := tx.PrepareContext(ctx, ru.Upsert(sqlstore.SQLite()))
		if err != nil {
			u.close()
			return nil, fmt.Errorf("prepare %s: %w", ru.Name, err)
		}
		u.one = append(u.one, one)
		many, err := tx.PrepareContext(ctx, ru.UpsertRows(sqlstore.SQLite(), upsertRows))
		if err != nil {
			u.close()
			return nil, fmt.Errorf("prepare %s: %w", ru.Name, err)
		}
		u.many = append(u.many, many)
	}
	return u, nil
}

// close closes the statements; like the insert's, they are only read
// from, so a failed Close loses nothing.
func (u *rollupUpserts) close() {
	for _, st := range append(u.one, u.many...) {
		st.Close()
	}
}

// exec runs the upserts in order, upsertRows keys of one rollup per
// statement where they follow each other (Flush sends each rollup's keys
// together, and each key once).
func (u *rollupUpserts) exec(ctx context.Context, ups []rollupUpsert) error {
	for i := 0; i < len(ups); {
		r, j := ups[i].rollup, i
		for j < len(ups) && j-i < upsertRows && ups[j].rollup == r {
			j++
		}
		var err error
		if j-i == upsertRows {
			u.args = u.args[:0]
			for _, up := range ups[i:j] {
				u.args = append(u.args, up.args...)
			}
			_, err = u.many[r].ExecContext(ctx, u.args...)
		} else {
			_, err = u.one[r].ExecContext(ctx, ups[i].args...)
			j = i + 1
		}
		if err != nil {
			return fmt.Errorf("count into %s: %w", sqlstore.Rollups[r].Name, err)
		}
		i = j
	}
	return nil
}

// prepareRecords reads the sequence, turns each record into its insert
// arguments and counts it, and sends the rows in batches until the
// sequence ends, a record fails or stop is closed; it closes batches when
// it returns. After every limit records, and after the last, the rollup
// upserts of the counts so far follow in batches of their own.
//
// Each record is counted with the Id the writer will give it (nextID from
// largest, the writer's own start, in the same order), which the zone maps
// are keyed by.
func prepareRecords(records iter.Seq2[*fc.FailedCheckin, error], now time.Time, limit int, largest int64,
	batches chan<- *rowBatch, free <-chan *rowBatch, stop <-chan struct{}) {
	defer close(batches)
	counts := newRollupCounter()
	pos := 0
	b := &rowBatch{first: 1}
	send := func() bool {
		select {
		case batches <- b:
		case <-stop:
			return false
		}
		select {
		case b = <-free:
		default:
			b = &rowBatch{rows: make([][]any, 0, batchRows), upserts: make([]rollupUpsert, 0, batchRows)}
		}
		b.first = pos + 1
		return true
	}
	rollup := map[*sqlstore.Rollup]int{}
	for i, ru := range sqlstore.Rollups {
		rollup[ru] = i
	}
	errStop := errors.New("stopped")
	flush := func() bool {
		err := counts.Flush(func(ru *sqlstore.Rollup, args []any) error {
			b.upserts = append(b.upserts, rollupUpsert{rollup[ru], args})
			if len(b.upserts) == batchRows && !send() {
				return errStop
			}
			return nil
		})
		return err == nil
	}
	for r, err := range records {
		pos++
		if err != nil {
			b.err = fmt.Errorf("record %d: %w", pos, err)
			send()
			return
		}
		args, row, err := insertArgs(r, now)
		if err != nil {
			b.err = sqlstore.RecordError(pos, err)
			send()
			return
		}
		b.rows = append(b.rows, args)
		id, err := nextID(r.ID, &largest)
		if err != nil {
			id = 0 // no Id is left: the writer fails the import on this record
		}
		counts.Add(row.Counted(id))
		if len(b.rows) == batchRows && !send() {
			return
		}
		if counts.Added() >= limit && !flush() {
			return
		}
	}
	if flush() {
		send()
	}
}

// bulkLoad is what a first import into the empty table must do besides
// the inserts: build the indexes dropIndexesIfEmpty dropped, and, while
// the UniqueId index is one of them, keep the rowids of the rows growing
// (they are then also their order in the sequence, which the report of a
// duplicate UniqueId needs).
type bulkLoad struct {
	first   bool             // the table was empty: indexes holds what was dropped
	indexes []secondaryIndex // to build after the last row, the UniqueId index first
	// uniqueLater: the UniqueId index is not built yet; maxID is the
	// largest rowid inserted so far (0 before the first).
	uniqueLater bool
	maxID       int64
}

func newBulkLoad(indexes []secondaryIndex) *bulkLoad {
	b := &bulkLoad{first: indexes != nil}
	for _, s := range indexes {
		if s.name == uniqueIDIndex {
			b.uniqueLater = true
			b.indexes = append([]secondaryIndex{s}, b.indexes...)
		} else {
			b.indexes = append(b.indexes, s)
		}
	}
	return b
}

// nextID returns the Id a row is inserted with: its own, or (id 0) one
// past largest, the largest Id ever given (sqlstore.LargestIDSQL) or
// inserted since; largest follows. The rowid SQLite would pick for a NULL
// (its largest + 1) would give the Id of a deleted newest record again.
func nextID(id any, largest *int64) (int64, error) {
	if id := id.(int64); id != 0 {
		*largest = max(*largest, id)
		return id, nil
	}
	if *largest == math.MaxInt64 {
		return 0, fc.Errorf(fc.ErrConflict, "no Id is left after %d", *largest)
	}
	*largest++
	return *largest, nil
}

// beforeInsert is called with the id argument of each row (an int64
// since nextID) before it is inserted. A row that would
// not get a larger rowid than every earlier one (the file's Ids are not
// in increasing order) makes the rows' order unknowable from their
// rowids, so the UniqueId index is built there and then, reporting a
// duplicate among the rows so far, and the remaining rows are checked as
// they are inserted.
func (b *bulkLoad) beforeInsert(ctx context.Context, tx *sql.Tx, id any) error {
	if !b.uniqueLater {
		return nil
	}
	next := id.(int64)
	if next <= b.maxID {
		return b.buildUniqueNow(ctx, tx)
	}
	b.maxID = next
	return nil
}

// buildUniqueNow builds the UniqueId index before the remaining rows.
func (b *bulkLoad) buildUniqueNow(ctx context.Context, tx *sql.Tx) (err error) {
	off := sortThreads(ctx, tx)
	defer func() { err = errors.Join(err, off()) }()
	if err := b.buildUnique(ctx, tx); err != nil {
		return err
	}
	b.indexes = b.indexes[1:]
	return nil
}

// buildUnique creates the UniqueId index (b.indexes[0]); when two rows
// share a UniqueId the error names the later one, as its insert would
// have.
func (b *bulkLoad) buildUnique(ctx context.Context, tx *sql.Tx) error {
	b.uniqueLater = false
	_, err := tx.ExecContext(ctx, b.indexes[0].sql)
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
		if dup, derr := firstDuplicate(ctx, tx, err); dup != nil || derr != nil {
			return errors.Join(dup, derr)
		}
	}
	if err != nil {
		return fmt.Errorf("build index %s: %w", uniqueIDIndex, err)
	}
	return nil
}

// errDuplicateBeforeIndex is the cause, for the log, of a duplicate
// UniqueId found after the rows were loaded without the UniqueId index.
var errDuplicateBeforeIndex = errors.New("duplicate UniqueId found when the index was built after the rows")

// failed returns the error that ends an import at record pos: err, or,
// while the UniqueId index is not built, the duplicate UniqueId of an
// earlier record if there is one (the rows before pos are all inserted).
func (b *bulkLoad) failed(ctx context.Context, tx *sql.Tx, pos int, err error) error {
	if !b.uniqueLater {
		return err
	}
	// The duplicate comes first in the file, so it is the error: it must
	// not wrap err, or errors.As would find a later row's error (the CLI
	// reports a CSV row error it finds before anything else).
	dup, derr := firstDuplicate(ctx, tx, errDuplicateBeforeIndex)
	if derr != nil {
		return errors.Join(err, derr)
	}
	if dup != nil {
		return dup
	}
	return err
}

// finish builds the dropped indexes, the UniqueId index first, and the
// MAC lists' pieces.
func (b *bulkLoad) finish(ctx context.Context, tx *sql.Tx) (err error) {
	if !b.first {
		return nil
	}
	off := sortThreads(ctx, tx)
	defer func() { err = errors.Join(err, off()) }()
	if b.uniqueLater {
		if err := b.buildUnique(ctx, tx); err != nil {
			return err
		}
		b.indexes = b.indexes[1:]
	}
	if err := rebuildIndexes(ctx, tx, b.indexes); err != nil {
		return err
	}
	return rebuildMacGrams(ctx, tx)
}

// sortThreads lets SQLite sort with helper threads (PRAGMA threads) while
// the indexes are built, and returns the function that turns them off
// again. Nothing else runs on the writer connection meanwhile, and the Go
// side of the import has finished, so the other cores are idle: building
// the (business_id, coworker_full_name_fold) index of 10M rows took 10-12 s
// with 1-3 helpers instead of 18.8 s (2 cores, 128 MiB cache; a larger
// cache makes fewer, larger runs to sort and took 18 s even with helpers).
// A failed reset is an error of the import: the writer connection would
// otherwise keep the helper threads for every later statement.
func sortThreads(ctx context.Context, tx *sql.Tx) (off func() error) {
	ctx = context.WithoutCancel(ctx)
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA threads = %d`, min(runtime.NumCPU(), 8))); err != nil {
		return func() error { return nil } // a build without helpers is only slower
	}
	return func() error {
		if _, err := tx.ExecContext(ctx, `PRAGMA threads = 0`); err != nil {
			return fmt.Errorf("turn the sort helper threads off: %w", err)
		}
		return nil
	}
}

// firstDuplicate returns the ErrConflict error of the first row (in
// rowid order, which is the sequence's order here) whose UniqueId an
// earlier row has, wrapping cause; nil when every UniqueId is distinct.
// It reads the whole table, and runs only when an import fails.
func firstDuplicate(ctx context.Context, tx *sql.Tx, cause error) (error, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, unique_id FROM failed_checkins
		WHERE unique_id IN (SELECT unique_id FROM failed_checkins GROUP BY unique_id HAVING count(*) > 1)
		ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("look for a duplicate UniqueId: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var id int64
	var uid string
	found := false
	for rows.Next() {
		if err := rows.Scan(&id, &uid); err != nil {
			return nil, fmt.Errorf("look for a duplicate UniqueId: %w", err)
		}
		if seen[uid] {
			found = true
			break
		}
		seen[uid] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look for a duplicate UniqueId: %w", err)
	}
	rows.Close()
	if !found {
		return nil, nil
	}
	var pos int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM failed_checkins WHERE id <= ?`, id).Scan(&pos); err != nil {
		return nil, fmt.Errorf("look for a duplicate UniqueId: %w", err)
	}
	return sqlstore.UniqueIDConflict(pos, uid, cause), nil
}

// secondaryIndex is a CREATE INDEX statement of failed_checkins.
type secondaryIndex struct{ name, sql string }

// dropIndexesIfEmpty drops the secondary indexes of failed_checkins when
// the table is empty, inside the import's transaction, and returns them so
// rebuildIndexes can create them again before the commit. Building an
// index once from the loaded rows (a sort) is several times cheaper than
// inserting a million random keys into it one by one; readers keep
// seeing the committed snapshot, indexes included, meanwhile.
func dropIndexesIfEmpty(ctx context.Context, tx *sql.Tx) ([]secondaryIndex, error) {
	var any int
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM failed_checkins)`).Scan(&any)
	if err != nil || any == 1 {
		return nil, wrapBulk(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = 'failed_checkins' AND sql IS NOT NULL`)
	if err != nil {
		return nil, wrapBulk(err)
	}
	idx := []secondaryIndex{} // not nil: the table was empty (newBulkLoad)
	for rows.Next() {
		var s secondaryIndex
		if err := rows.Scan(&s.name, &s.sql); err != nil {
			rows.Close()
			return nil, wrapBulk(err)
		}
		idx = append(idx, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrapBulk(err)
	}
	for _, s := range idx {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+s.name+`"`); err != nil {
			return nil, wrapBulk(err)
		}
	}
	// The MAC lists' pieces too (migration 0024): its trigger on
	// fc_count_mac cut every new list into pieces one statement at a
	// time, 2M rows of fc_mac_gram out of order at 1M records, +50% of
	// a first import's CPU (docs/benchmarks.md, "MAC substrings under
	// four-byte pieces"); finish builds them from the finished rollup in
	// one ordered pass instead.
	if _, err := tx.ExecContext(ctx, `DROP TRIGGER IF EXISTS `+macGramTrigger); err != nil {
		return nil, wrapBulk(err)
	}
	return idx, nil
}

// macGramTrigger is migration 0024's trigger that adds a new MAC list's
// pieces; macGramMigration builds the pieces of every list afresh and
// creates its triggers again.
const (
	macGramTrigger   = "fc_mac_gram_add"
	macGramMigration = "migrations/0024_mac_grams.sql"
)

// rebuildMacGrams runs migration 0024 again after a first import, which
// dropped its trigger (dropIndexesIfEmpty): the migration is written to
// be run on a database that has the lists, and rebuilds fc_mac_list and
// fc_mac_gram from fc_count_mac exactly, in the pieces' order.
func rebuildMacGrams(ctx context.Context, tx *sql.Tx) error {
	m, err := migrationFiles.ReadFile(macGramMigration)
	if err != nil {
		return fmt.Errorf("read %s: %w", macGramMigration, err)
	}
	if _, err := tx.ExecContext(ctx, string(m)); err != nil {
		return fmt.Errorf("build the MAC lists' pieces: %w", err)
	}
	return nil
}

// rebuildIndexes creates the indexes dropIndexesIfEmpty dropped.
func rebuildIndexes(ctx context.Context, tx *sql.Tx, idx []secondaryIndex) error {
	for _, s := range idx {
		if _, err := tx.ExecContext(ctx, s.sql); err != nil {
			return fmt.Errorf("rebuild index %s: %w", s.name, err)
		}
	}
	return nil
}

func wrapBulk(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("bulk import: %w", err)
}
