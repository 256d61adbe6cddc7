package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// AuditTable is the table of the audit trail (migration 0013), searched
// with the rules of every search (docs/api.md#the-audit-trail): the same
// conditions, sort with the id tie-break, count and page as records.
// user_email, path and query are empty when equal to their fold
// (folded): conditions and sorts read only the folds.
var AuditTable = &Table{name: "audit_entries", selectColumns: AuditColumns, columns: map[fc.Field]column{
	fc.FieldID:             {name: "id", kind: kindInt},
	fc.FieldAuditOn:        {name: "occurred_on", kind: kindTime},
	fc.FieldAuditUserEmail: {name: "user_email", fold: "user_email_fold", kind: kindText},
	// Go writes addresses in lower case: the column is its own fold.
	fc.FieldAuditClientAddress: {name: "client_address", fold: "client_address", kind: kindText},
	// Channels are stored by their canonical names (fc.AuditChannels),
	// which are their own sort key; filters match them exactly.
	fc.FieldAuditChannel: {name: "channel", fold: "channel", kind: kindText},
	// A method is an ASCII token, which lower() folds as fc.Fold does.
	fc.FieldAuditMethod:      {name: "method", fold: "lower(method)", kind: kindText},
	fc.FieldAuditPath:        {name: "path", fold: "path_fold", kind: kindText},
	fc.FieldAuditQuery:       {name: "query", fold: "query_fold", kind: kindText},
	fc.FieldAuditStatus:      {name: "status", kind: kindInt},
	fc.FieldAuditResultCount: {name: "result_count", kind: kindInt},
	fc.FieldAuditTotalItems:  {name: "total_items", kind: kindNullInt},
}}

// AuditColumns are the columns of an audit entry in the order scan
// reads them. The folded copies are read beside user_email, path and
// query, which are stored empty when equal to their fold (auditArgs).
const AuditColumns = `id, occurred_on, user_email, user_email_fold, client_address, channel, method, path, path_fold, query,
	query_fold, status, result_count, total_items`

// auditInsertColumns are the columns an entry is written to, auditArgs
// their arguments.
const auditInsertColumns = 13

// auditChunks are the numbers of rows one INSERT writes: a batch is
// written 64 rows a statement, the rest 8 and then 1 at a time. Three
// fixed texts, each prepared once on SQLite; one statement for many rows
// saves most of the per-statement work (database/sql's, the driver's and
// SQLite's), which was most of the cost of a row written alone.
var auditChunks = []int{64, 8, 1}

// auditInsertSQL holds the INSERT of each chunk size.
var auditInsertSQL = func() map[int]string {
	m := map[int]string{}
	for _, n := range auditChunks {
		var b strings.Builder
		b.WriteString(`INSERT INTO audit_entries (occurred_on, user_email, user_email_fold, client_address, channel, method,
	path, path_fold, query, query_fold, status, result_count, total_items) VALUES `)
		for row := range n {
			if row > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for col := range auditInsertColumns {
				if col > 0 {
					b.WriteString(", ")
				}
				b.WriteString("$" + strconv.Itoa(row*auditInsertColumns+col+1))
			}
			b.WriteByte(')')
		}
		m[n] = b.String()
	}
	return m
}()

// auditArgs builds the arguments of a batch's rows. Putting a string or
// an int64 into an `any` allocates, and a batch's entries mostly repeat
// the previous one's user, address, channel, method, second, and often
// its path and query: a value equal to the previous row's reuses its
// argument (and its fold, computed once), so a batch costs few
// allocations beyond the rows' own (docs/benchmarks.md, "Audit").
type auditArgs struct {
	d                 Dialect
	on                int64 // Unix seconds of onArg
	onArg             any
	addr, channel     reused[string]
	meth              reused[string]
	user, path, query folded
	status            reused[int64]
}

// reused is the argument of the last value given to arg: a row equal to
// the one before shares its boxed arguments instead of allocating them.
type reused[T comparable] struct {
	x T
	v any
}

func (r *reused[T]) arg(x T) any {
	if r.v == nil || x != r.x {
		r.x, r.v = x, x
	}
	return r.v
}

// folded are the arguments of a text column and its folded copy, for
// the last value given to args. A value that is its own fold (most
// emails, paths, and queries without capitals) is stored as the empty
// text beside its fold, which scan reads back in its place: the copy
// cost the row some 50 bytes a request (an email and a path), written
// to the table's pages and the WAL (issue 16, docs/benchmarks.md). The
// empty text is unambiguous: an original stored empty is its fold, and
// an empty original's fold is empty too. The folds, which filters,
// sorts and the user's index read, are written as before, so entries
// written before read the same and no migration is needed.
type folded struct {
	x          string
	orig, fold any
}

func (r *folded) args(x string) (orig, fold any) {
	if r.fold == nil || x != r.x {
		f := fc.Fold(x)
		r.x, r.orig, r.fold = x, "", f
		if f != x {
			r.orig = x
		}
	}
	return r.orig, r.fold
}

// row appends the arguments of e's row (auditInsertColumns of them).
func (b *auditArgs) row(args []any, e *fc.AuditEntry) []any {
	on := e.On.UTC().Truncate(time.Second)
	if b.onArg == nil || on.Unix() != b.on {
		b.on, b.onArg = on.Unix(), b.d.Records.Value(on)
	}
	user, userFold := b.user.args(e.UserEmail)
	path, pathFold := b.path.args(e.Path)
	query, queryFold := b.query.args(e.Query)
	return append(args, b.onArg, user, userFold, b.addr.arg(e.ClientAddress), b.channel.arg(string(e.Channel)),
		b.meth.arg(e.Method), path, pathFold, query, queryFold, b.status.arg(int64(e.Status)), e.ResultCount,
		totalArg(e.TotalItems))
}

// totalArg is TotalItems as an argument: a nil interface for none, not a
// nil *int64, which database/sql can take only through reflection (its
// default converter), once per row; every entry but a search's has none.
func totalArg(t *int64) any {
	if t == nil {
		return nil
	}
	return *t
}

// auditArgsPool keeps the arrays of batches' arguments (13 a row, some
// 200 KB for a batch of 1,000 entries) for the next batch: allocated per
// batch, each was as much garbage for the GC to mark and sweep as the
// entries themselves (issue 16). An array goes back only once its
// transaction has ended, cleared, so it holds no entry's strings.
var auditArgsPool sync.Pool

// Audit is the audit store (fc.AuditStore) of both databases: each
// store's DB embeds one with its own ways to read and write.
type Audit struct {
	D Dialect
	// Read runs the reads of one search in one snapshot.
	Read ReadFunc
	// Write runs fn in a write transaction, committed when fn returns nil.
	Write func(ctx context.Context, fn func(tx WriteTx, now time.Time) error) error
}

var _ fc.AuditStore = Audit{}

// AppendAuditEntries stores entries in one transaction. Times are kept to
// the second, as records' are, so both stores return the same instants.
func (s Audit) AppendAuditEntries(ctx context.Context, entries []*fc.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if _, ok := fc.ParseAuditChannel(string(e.Channel)); !ok {
			return fc.Errorf(fc.ErrInvalid, "audit entry: unknown channel %q", e.Channel)
		}
	}
	// One array for every chunk's arguments: a store may hold them until
	// Flush (PostgreSQL sends the batch's statements at once), so it goes
	// back to the pool only once the transaction has ended.
	buf := auditArgsBuffer(len(entries) * auditInsertColumns)
	defer func() {
		clear(buf[:cap(buf)])
		auditArgsPool.Put(&buf)
	}()
	return s.Write(ctx, func(tx WriteTx, _ time.Time) error {
		all := buf[:0]
		b := auditArgs{d: s.D}
		rest := entries
		for _, n := range auditChunks {
			for len(rest) >= n {
				start := len(all)
				for _, e := range rest[:n] {
					all = b.row(all, e)
				}
				tx.Queue(auditInsertSQL[n], all[start:len(all):len(all)]...)
				rest = rest[n:]
			}
		}
		if err := tx.Flush(ctx); err != nil {
			return fmt.Errorf("insert audit entries: %w", err)
		}
		return nil
	})
}

// auditArgsBuffer returns an empty array of arguments of capacity n or
// more, from auditArgsPool when it has one large enough. The caller puts
// it back (its pointer) when nothing uses its arguments any more.
func auditArgsBuffer(n int) []any {
	if p, ok := auditArgsPool.Get().(*[]any); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]any, 0, n)
}

// FindAuditEntries returns the page q selects and the exact total, from
// one snapshot. The audit names no location, so only an unrestricted
// scope sees it (the role Audit-List is the gate); any other sees nothing.
func (s Audit) FindAuditEntries(ctx context.Context, q fc.Query) (*fc.AuditPage, error) {
	page := &fc.AuditPage{Entries: []*fc.AuditEntry{}}
	if !q.Scope.All() {
		return page, nil
	}
	if q.Size < 1 {
		return nil, fc.Errorf(fc.ErrInvalid, "the page size must be at least 1")
	}
	f, err := AuditTable.BuildFind(s.D, q)
	if err != nil {
		return nil, err
	}
	err = s.Read(ctx, func(tx Tx) error {
		if err := tx.QueryRow(ctx, f.Count, f.Args...).Scan(&page.TotalItems); err != nil {
			return fmt.Errorf("count audit entries: %w", err)
		}
		if q.Offset() >= page.TotalItems {
			return nil
		}
		rows, err := tx.Query(ctx, f.Page, append(f.Args[:len(f.Args):len(f.Args)], q.Size, q.Offset())...)
		if err != nil {
			return fmt.Errorf("read audit entries: %w", err)
		}
		page.Entries, err = ScanRows(rows, "read audit entries", func(r Rows) (*fc.AuditEntry, error) { return s.scan(r) })
		return err
	})
	if err != nil {
		return nil, err
	}
	if page.Entries == nil {
		page.Entries = []*fc.AuditEntry{}
	}
	return page, nil
}

// scan reads one row of AuditColumns.
func (s Audit) scan(r Rows) (*fc.AuditEntry, error) {
	var e fc.AuditEntry
	var channel, userFold, pathFold, queryFold string
	var status int64
	err := r.Scan(&e.ID, s.D.Records.Dest(&e.On), &e.UserEmail, &userFold, &e.ClientAddress, &channel, &e.Method,
		&e.Path, &pathFold, &e.Query, &queryFold, &status, &e.ResultCount, &e.TotalItems)
	if err != nil {
		return nil, fmt.Errorf("scan audit entry: %w", err)
	}
	e.Channel, e.Status = fc.AuditChannel(channel), int(status)
	// An original stored empty is its own fold (folded).
	e.UserEmail, e.Path, e.Query = cmp.Or(e.UserEmail, userFold), cmp.Or(e.Path, pathFold), cmp.Or(e.Query, queryFold)
	return &e, nil
}

// DeleteAuditEntriesBefore deletes up to limit entries older than before,
// oldest first (--audit-retention, PRIVACY.md section 3), in one short
// write transaction, and returns how many it deleted.
func (s Audit) DeleteAuditEntriesBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, fc.Errorf(fc.ErrInvalid, "the batch size must be at least 1")
	}
	n := 0
	err := s.Write(ctx, func(tx WriteTx, _ time.Time) error {
		deleted, err := tx.Exec(ctx, `DELETE FROM audit_entries WHERE id IN
	(SELECT id FROM audit_entries WHERE occurred_on < $1 ORDER BY occurred_on, id LIMIT $2)`,
			s.D.Records.Value(before.UTC()), limit)
		n = int(deleted)
		if err != nil {
			return fmt.Errorf("delete audit entries: %w", err)
		}
		return nil
	})
	return n, err
}
