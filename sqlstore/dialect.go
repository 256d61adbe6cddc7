package sqlstore

import (
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Dialect is what differs between the SQL of two databases. Both stores
// use the same table and column names; only these details change.
type Dialect struct {
	// Numbered writes placeholders as $1, $2, ... (PostgreSQL) instead of
	// ? (SQLite).
	Numbered bool
	// LikeContains tests substrings with LIKE and an escaped pattern, which
	// a trigram index can serve (PostgreSQL); otherwise with instr(), which
	// has no wildcards at all (SQLite).
	LikeContains bool
	// ExplicitNulls writes NULLS FIRST / NULLS LAST on nullable sort
	// columns. SQLite already sorts NULL first ascending and last
	// descending; PostgreSQL does the opposite by default.
	ExplicitNulls bool
	// Time converts whole Unix seconds to the argument a time column
	// compares with: an int64 for SQLite's INTEGER columns, a time.Time for
	// PostgreSQL's timestamp columns.
	Time func(unixSeconds int64) any
	// LocalDay and LocalHour read the local date (text YYYY-MM-DD) and
	// hour (a whole number) of checkin_attempt_time_local, for stats.
	LocalDay, LocalHour string
	// ByteCollate follows a text column whose MAX must compare byte-wise:
	// SQLite compares bytes already; PostgreSQL needs COLLATE "C" whatever
	// the database's default collation.
	ByteCollate string
	// EmptyText is the literal of an empty text value, typed where the
	// database would otherwise have to guess.
	EmptyText string
	// Trigrams says the database has the trigram tables of the
	// dictionaries (trigramTables: sqlite migration 0007), so a substring
	// search in a large dictionary reads only the values that hold one of
	// the needle's trigrams (PostgreSQL has pg_trgm instead).
	Trigrams bool

	// Records is how records' times are stored (failed_checkins,
	// checkins, idempotency_keys, directory), Accounts how users',
	// tokens', sessions' and sign-in counters' are (timecoding.go).
	Records, Accounts TimeCoding
	// LockRecords is the statement, with no arguments, that serialises
	// the writers of records for the rest of the transaction, so that
	// the monthly limit and "one past the largest Id" hold across
	// servers; empty when the database has one writer anyway (SQLite's
	// single writer connection).
	LockRecords string
	// LockRecordsUnlessImport is LockRecords for a check-in batch,
	// unless an import holds ImportLock: then it returns no row at once
	// and takes no lock (RecordAttempts answers ErrUnavailable, a 503),
	// rather than queueing the check-ins behind the import for its whole
	// length (a minute and then a 500, in issue 18). Empty with
	// LockRecords.
	LockRecordsUnlessImport string
	// ImportLock is the statement, with no arguments, that an import runs
	// first (before LockRecords): it waits for the check-in batches under
	// way and turns the next ones away until the import ends.
	ImportLock string
	// RollupTrigger says the database's triggers keep the rollups
	// (PostgreSQL's, migrations 0006 to 0024) of the writes that do not
	// count in Go: the changes, erasures and retention (Changes.CountInGo
	// false), and any insert outside the service. The store's own inserts,
	// the check-in batches and imports, count in Go on both databases
	// (RollupCounts, after CountTriggersOff). Without triggers (SQLite)
	// every writer counts in Go, and the SQLiteOnly rollups exist.
	RollupTrigger bool
	// CountTriggersOff is the statement, with no arguments, after which
	// the database's insert count triggers stand aside for the rest of
	// the transaction (PostgreSQL's failedcheckins.bulk_counts, tested by
	// the insert triggers' WHEN of migration 0024): a writer that counts
	// what it inserts in Go (RollupCounts) runs it first. Its updates and
	// deletes are still counted by the triggers. Empty when there are no
	// triggers.
	CountTriggersOff string

	// Lists is how a list is stored in one column (users' roles and
	// location ids) and matched in SQL: JSON text on SQLite, arrays on
	// PostgreSQL (lists.go).
	Lists ListCodec
	// LockUsers is the statement, with no arguments, that serialises the
	// writers of users for the rest of the transaction, so that "is this
	// email free" and the write that takes it hold across servers; empty
	// when the database has one writer anyway (SQLite). The unique index
	// on the folded email stays the last word on both.
	LockUsers string
	// LockDirectory is the statement, with no arguments, that serialises
	// the writers of the directory document (imports, erasures) for the
	// rest of the transaction: two read-change-write cycles at once would
	// lose one. Empty when the database has one writer anyway (SQLite).
	LockDirectory string
	// BoundedArms writes each arm of a merged page (BuildMergedPage) as
	// its own ordered subquery limited to offset + size rows: PostgreSQL
	// only carries an outer ORDER BY into UNION ALL members that are bare
	// tables, so without it each location is gathered and sorted; with it
	// a Merge Append pulls from each arm's index scan only as far as the
	// page needs. SQLite merges the plain arms of a compound SELECT in
	// order, and would sort each such subquery again.
	BoundedArms bool
	// PlainWalk is how many index entries a page of a few locations may
	// walk in a whole-table index of its order (filtering out the other
	// locations' records) and still be read by the plain statement
	// rather than merged (BuildMergedPage, mergeWorthIt); 0 always
	// merges. PostgreSQL plans every search statement for its values
	// (custom plans), and the merged statement, three references to the
	// table, costs about 0.15-0.2 ms more to plan than the plain one,
	// which walks failed_checkins_created at 0.16-0.3 us an entry:
	// below 1,000-2,000 entries (pages 1-10 of 25 records, for
	// locations that hold a quarter of all) the plain statement is
	// cheaper, beyond it the merge (docs/benchmarks.md, "The plain statement for shallow
	// pages"). SQLite plans a cached prepared statement once and sorted
	// the locations' records for the plain one: the merge is always
	// cheaper there.
	PlainWalk int64
	// GatherFew writes the page of a search whose exact count says its
	// matches are few for the walk its order would take (gatherWorthIt)
	// so that the database gathers the matches and sorts them
	// (Table.gatheredPage). PostgreSQL estimates a condition's share
	// from a sample and assumes it spread evenly over the order: it
	// walked failed_checkins_created past 930,000 records for the 286 of
	// a manager's one day (issue 17's random shapes), where the count
	// already knew there were 286. SQLite is told which index to walk
	// instead (SortIndexHints).
	GatherFew bool
	// RowLocks says SELECT can lock the rows it reads (FOR UPDATE, SKIP
	// LOCKED: PostgreSQL), which writers on several servers need; SQLite's
	// single writer connection serialises its writers anyway.
	RowLocks bool
	// SortIndexHints: the database plans without statistics (SQLite, which
	// takes any index an equality or range can use as selective), so the
	// indexes made for sorting alone (column.sortIndex, migration 0014)
	// are kept out of filters, which plan as they did before those
	// indexes existed, and a page is told to walk its order's sortIndex
	// (INDEXED BY) when the exact counts say the walk reads fewer entries
	// than gathering and sorting the matches (orderWalk).
	// PostgreSQL's statistics make that choice themselves.
	SortIndexHints bool
	// IDArrays binds the Ids of a batch's change (inIDs) as one bigint
	// array (PostgreSQL) rather than one placeholder each: the
	// statement's text is then the same whatever the batch's size, so a
	// retention run prepares each kind once on its connection instead of
	// once per size, which would also churn pgx's statement cache. SQLite
	// does not prepare its changes (sqlite/change.go). A check-in batch's
	// counts are bound as arrays too, one statement per rollup
	// (Rollup.UpsertArrays), and a deep page reads its records by the
	// ids its subquery chose as = ANY(ARRAY(subquery)) (idsOf).
	IDArrays bool
	// DictionaryArrays seeks a substring of the MAC addresses on
	// failed_checkins through their dictionary (macArrayTerm): the folded
	// list is one of an array of the dictionary's lists that hold the
	// needle, found through the dictionary's trigram index of the lists
	// without colons (macPieces; postgres migration 0025), which the
	// field's index then finds by equality. PostgreSQL's planner takes
	// that seek or another plan by its statistics; SQLite drives such a
	// search through the dictionary already (selective.go:
	// seed.listShort, its fc_mac_gram and fc_mac_list).
	DictionaryArrays bool
	// IntScanner reads the NOT NULL integer columns of records through a
	// sql.Scanner (intDest, scan.go) rather than into an *int64:
	// database/sql assigns a driver's int64 to an *int64 by reflection
	// (convertAssignRows has no plain case for it), three columns a row
	// of every page (SQLite); pgx decodes into an *int64 directly, and
	// through a Scanner only by way of a boxed driver value (PostgreSQL).
	IntScanner bool

	// picked is, per substring condition, the trigram chosen to narrow
	// its dictionary (pickTrigrams); unset, dictionaries are scanned.
	picked map[trigramKey][]byte
	// resolved is, per substring condition on a dictionary with a lists
	// table, the ids of the values holding the needle (resolveLists).
	resolved map[trigramKey][]int64
}

// SQLite returns the dialect of the sqlite store: INTEGER Unix-second
// times.
func SQLite() Dialect {
	return Dialect{
		Time:     func(s int64) any { return s },
		Trigrams: true,
		// Local times are Unix seconds of the wall clock, read as UTC.
		LocalDay:  "strftime('%Y-%m-%d', checkin_attempt_time_local, 'unixepoch')",
		LocalHour: "CAST(strftime('%H', checkin_attempt_time_local, 'unixepoch') AS INTEGER)",
		EmptyText: "''",
		Records:   UnixSeconds, Accounts: UnixMillis,
		Lists:          sqliteLists,
		SortIndexHints: true,
		IntScanner:     true,
	}
}

// sqliteLists is the one list codec of every SQLite dialect, so that its
// cache of decoded lists is shared.
var sqliteLists = newJSONLists()

// PostgreSQL returns the dialect of the postgres store: timestamp columns.
func PostgreSQL() Dialect {
	return Dialect{
		Numbered: true, LikeContains: true, ExplicitNulls: true,
		Time: func(s int64) any { return time.Unix(s, 0).UTC() },
		// Local times are timestamps without time zone: the wall clock.
		LocalDay:    "to_char(checkin_attempt_time_local, 'YYYY-MM-DD')",
		LocalHour:   "extract(hour FROM checkin_attempt_time_local)::bigint",
		ByteCollate: ` COLLATE "C"`,
		EmptyText:   "''::text",
		Records:     Timestamp, Accounts: TimestampMillis,
		LockRecords: "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(RecordsLock, 10) + ")",
		// A batch holds ImportLock shared, which never waits (try), so
		// it cannot deadlock with an import waiting for it.
		LockRecordsUnlessImport: "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(RecordsLock, 10) +
			") WHERE pg_try_advisory_xact_lock_shared(" + strconv.FormatInt(ImportLockKey, 10) + ")",
		ImportLock:       "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(ImportLockKey, 10) + ")",
		RollupTrigger:    true,
		CountTriggersOff: "SELECT set_config('failedcheckins.bulk_counts', 'on', true)",
		Lists:            arrayLists{},
		LockUsers:        "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(UsersLock, 10) + ")",
		LockDirectory:    "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(DirectoryLock, 10) + ")",
		BoundedArms:      true,
		PlainWalk:        1000,
		GatherFew:        true,
		RowLocks:         true,
		IDArrays:         true,
		DictionaryArrays: true,
	}
}

// ImportLockKey is the PostgreSQL advisory lock key of ImportLock.
const ImportLockKey = 0x6663696d70 // "fcimp"

// RecordsLock is the PostgreSQL advisory lock key of LockRecords, which
// imports take too.
const RecordsLock = 0x6663726563 // "fcrec"

// DirectoryLock is the PostgreSQL advisory lock key of LockDirectory.
const DirectoryLock = 0x6664697265 // "fdire"

// RetentionLock is the PostgreSQL advisory lock key (session-level) held
// by the one server that applies the retention windows at a time.
const RetentionLock = 0x6663726574 // "fcret"

// UsersLock is the PostgreSQL advisory lock key of LockUsers.
const UsersLock = 0x6663757372 // "fcusr"

// args collects the arguments of one statement and writes their
// placeholders in the dialect's style.
type args struct {
	d    Dialect
	t    *Table // whose whitelist maps fields to columns
	vals []any
	// order is the search's sort field: a condition on it may use the
	// field's sortIndex, which the walk in that order starts from.
	order fc.Field
}

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	if a.d.Numbered {
		return "$" + strconv.Itoa(len(a.vals))
	}
	return "?"
}

// list appends every value and returns their comma-separated placeholders.
func list[T any](a *args, vs []T) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = a.add(v)
	}
	return strings.Join(ph, ", ")
}

// inIDs appends ids and returns the condition that column holds one of
// them: column = ANY($n::bigint[]) with Dialect.IDArrays, column IN (?, ...)
// otherwise.
func inIDs(a *args, column string, ids []int64) string {
	if a.d.IDArrays {
		return column + " = ANY(" + a.add(ids) + "::bigint[])"
	}
	return column + " IN (" + list(a, ids) + ")"
}

// likePattern returns a LIKE pattern matching any text that contains s,
// with the wildcards % and _ and the escape character \ made literal.
// (\ is the default LIKE escape of PostgreSQL with
// standard_conforming_strings, which is on since 9.1.)
func likePattern(s string) string {
	var b strings.Builder
	b.WriteByte('%')
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('%')
	return b.String()
}

// forUpdate locks the rows a SELECT of a write transaction reads.
func (d Dialect) forUpdate() string {
	if d.RowLocks {
		return " FOR UPDATE"
	}
	return ""
}

// webhookLock locks the webhook rows a write transaction reads before it
// changes them (an edit, a result's count or disable): FOR NO KEY UPDATE,
// as none of those changes a key column, so that it still excludes a
// delete and another change but not a fan-out's FOR KEY SHARE
// (fanOutLockSQL). With FOR UPDATE, two servers each recording the
// results of one webhook and fanning out records for both deadlocked.
func (d Dialect) webhookLock() string {
	if d.RowLocks {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// skipLocked locks the rows of alias d a claim reads, skipping those
// another transaction holds.
func (d Dialect) skipLocked() string {
	if d.RowLocks {
		return " FOR UPDATE OF d SKIP LOCKED"
	}
	return ""
}
