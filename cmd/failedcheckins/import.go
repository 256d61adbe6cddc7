package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
	"github.com/failedcheckins/failedcheckins/sqlite"
)

// importConfig is the configuration of `failedcheckins import`.
type importConfig struct {
	dbConfig
	Files []string
}

func (c importConfig) Validate() error {
	if len(c.Files) == 0 {
		return errors.New("import needs at least one CSV file (failedcheckins import [--db DB] FILE.csv ...)")
	}
	// The flag package stops at the first file, so a flag after it would
	// be read as a file name after the earlier files went into the
	// default database: refuse before importing anything.
	for _, f := range c.Files {
		if strings.HasPrefix(f, "-") {
			return fmt.Errorf("%s after a file: flags must come before the files (failedcheckins import --db DB FILE.csv ...)", f)
		}
	}
	return c.dbConfig.Validate()
}

// runImport loads each file in its own transaction: a bad file is reported
// and left out entirely, and the other files are still imported.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := importConfig{dbConfig: defaultDBConfig()}
	fs := newFlagSet("import", "import [--db DB] FILE.csv...", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	cfg.Files = fs.Args()
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()} // a wrong setting: exit status 2
	}
	db, aside, err := openImportTarget(ctx, cfg.dbConfig, stderr)
	if err != nil {
		return err
	}
	defer func() {
		if db != nil {
			closeWith(db, &err)
		}
	}()
	failed := 0
	for _, path := range cfg.Files {
		if db == nil { // the first file went into a database built aside
			if db, err = openMigrated(ctx, cfg.dbConfig); err != nil {
				return err
			}
		}
		start := time.Now()
		n, err := importFile(ctx, db, path, newProgress(stderr, path))
		if aside != nil {
			// Published with its rows, or not at all: after a failed
			// first file the database is created as before, migrated and
			// empty (in milliseconds, so even after an interrupt).
			if err == nil {
				var warn error
				warn, err = publishAside(aside)
				if warn != nil { // published: the file counts as imported
					fmt.Fprintf(stderr, "warning: %s\n", warn)
				}
				if err != nil { // which file to import again
					err = fmt.Errorf("%s: %w", path, err)
				}
			} else {
				err = errors.Join(err, aside.Close())
			}
			aside, db = nil, nil
			if err != nil {
				var oerr error
				if db, oerr = openMigrated(context.WithoutCancel(ctx), cfg.dbConfig); oerr != nil {
					fmt.Fprintf(stderr, "%s; nothing of this file was imported\n", err)
					return oerr
				}
			}
		}
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "%s; nothing of this file was imported\n", err)
			if ctx.Err() != nil {
				return errors.New("interrupted: the files before this one were imported, the rest were not")
			}
			continue
		}
		elapsed := time.Since(start)
		fmt.Fprintf(stdout, "%s: %s rows imported in %.1f s (%s rows/s)\n",
			path, thousands(int64(n)), elapsed.Seconds(), thousands(int64(float64(n)/max(elapsed.Seconds(), 1e-3))))
	}
	return importSummary(failed, len(cfg.Files))
}

// openImportTarget opens the database of an import, migrated. A SQLite
// file that does not exist yet is built aside instead (sqlite.OpenAside,
// returned as aside too): a new file without a write-ahead log, which the
// first file's rows and index builds fill with less CPU, and which becomes
// the database only once that file's import has committed. Before an
// existing file it removes the temporary names an interrupted first import
// left linked to it (sqlite.RemoveLinkedAsides), saying so on stderr.
func openImportTarget(ctx context.Context, c dbConfig, stderr io.Writer) (db store, aside *sqlite.DB, err error) {
	if isPostgresURL(c.DB) {
		db, err = openMigrated(ctx, c)
		return db, nil, err
	}
	for _, p := range []string{c.DB, c.DB + "-wal"} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			removed, err := sqlite.RemoveLinkedAsides(c.DB)
			for _, name := range removed {
				fmt.Fprintf(stderr, "removed %s, a second name of %s left by an interrupted import\n", name, c.DB)
			}
			if err != nil {
				fmt.Fprintf(stderr, "warning: %s\n", err)
			}
			db, err = openMigrated(ctx, c)
			return db, nil, err
		}
	}
	aside, err = openAside(ctx, c.DB)
	if err != nil {
		return nil, nil, err
	}
	if err := aside.Migrate(ctx); err != nil {
		return nil, nil, errors.Join(fmt.Errorf("%s: %w", displayDB(c.DB), err), aside.Close())
	}
	if err := aside.CheckSchema(ctx); err != nil {
		return nil, nil, errors.Join(fmt.Errorf("%s: %w", displayDB(c.DB), err), aside.Close())
	}
	return aside, aside, nil
}

// openAside and publishAside are sqlite.OpenAside and Publish; tests
// wrap them to see that a first import goes aside, and to make Publish fail.
var (
	openAside    = sqlite.OpenAside
	publishAside = (*sqlite.DB).Publish
)

// importSummary is the final error of an import with failed files out of
// total, or nil when every file was imported.
func importSummary(failed, total int) error {
	switch {
	case failed == 0:
		return nil
	case total == 1:
		return errors.New("the import failed; nothing was imported")
	case failed == total:
		return fmt.Errorf("all %d files failed; nothing was imported", total)
	}
	return fmt.Errorf("%d of %d files failed; the other %d were imported", failed, total, total-failed)
}

// importFile streams one file into one CreateFailedCheckins call, so the
// store keeps either all of its rows or none. The error names the file and,
// when a row is to blame, its line.
func importFile(ctx context.Context, store fc.FailedCheckinStore, path string, p progress) (n int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err // *PathError: "open FILE: no such file or directory"
	}
	defer closeWith(f, &err)
	if st, err := f.Stat(); err == nil {
		p.start(st.Size())
	}
	defer p.finish()
	rd, err := csvrecord.NewReader(io.TeeReader(f, p))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	// The store reads ahead of its inserts, and finds a duplicate UniqueId
	// of a first import only at the end, so the line of the record it
	// refuses ("record N: ...") comes from lines, not from the last read.
	var lines recordLines
	records := func(yield func(*fc.FailedCheckin, error) bool) {
		for rec, err := range rd.All() {
			lines.add(rd.Line())
			if !yield(rec, err) {
				return
			}
		}
	}
	n, err = store.CreateFailedCheckins(ctx, records)
	if err != nil {
		return 0, describeImportError(ctx, path, err, &lines)
	}
	return n, nil
}

// recordLines maps the position of each record read (1, 2, ...) to the
// line it starts on, in a few bytes per file: record N is on line N + 1
// (after the header) until a field spanning lines or a blank line shifts
// the rest, and only the shifts are kept.
type recordLines struct {
	n      int      // records read
	last   int      // the line of record n
	shifts [][2]int // {first record, its line - its position} from there on
}

func (l *recordLines) add(line int) {
	l.n++
	l.last = line
	if len(l.shifts) == 0 || l.shifts[len(l.shifts)-1][1] != line-l.n {
		l.shifts = append(l.shifts, [2]int{l.n, line - l.n})
	}
}

// line returns the line of record pos, or 0 when pos was not read.
func (l *recordLines) line(pos int) int {
	if pos < 1 || pos > l.n {
		return 0
	}
	i, _ := slices.BinarySearchFunc(l.shifts, pos, func(s [2]int, pos int) int { return cmp.Compare(s[0], pos) })
	if i == len(l.shifts) || l.shifts[i][0] > pos {
		i--
	}
	return pos + l.shifts[i][1]
}

// recordPosition returns N of a store message "record N: ...", the form
// of the errors that blame one record (sqlstore.RecordError, IDConflict,
// UniqueIDConflict).
func recordPosition(msg string) (int, bool) {
	rest, ok := strings.CutPrefix(msg, "record ")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	return n, ok && err == nil
}

// describeImportError words err for the operator: which file, which line,
// and what is wrong. The store's client-safe message is enough here; the
// driver's detail would only repeat it.
func describeImportError(ctx context.Context, path string, err error, lines *recordLines) error {
	var rowErr *csvrecord.RowError
	switch {
	case errors.As(err, &rowErr):
		return fmt.Errorf("%s: %w", path, rowErr)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: interrupted after line %d: %w", path, lines.last, ctx.Err())
	case fc.ErrorCode(err) == fc.ErrConflict || fc.ErrorCode(err) == fc.ErrInvalid:
		line := lines.last
		if pos, ok := recordPosition(fc.ErrorMessage(err)); ok && lines.line(pos) > 0 {
			line = lines.line(pos)
		}
		return fmt.Errorf("%s: line %d: %s", path, line, fc.ErrorMessage(err))
	}
	return fmt.Errorf("%s: %w", path, err)
}

// thousands formats n with comma separators (1,000,000), for counts a
// person reads at a glance.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
