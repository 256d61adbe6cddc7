package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// copyPageSize is how many records one read of the source returns. Reads
// page by Id ranges (Id > the last one copied), so each page is an index
// range scan however far the copy has got.
const copyPageSize = 5000

// copyConfig is the configuration of `failedcheckins copy`.
type copyConfig struct {
	From, To string
}

// Validate checks that both databases are given and differ.
func (c copyConfig) Validate() error {
	switch {
	case strings.TrimSpace(c.From) == "" || strings.TrimSpace(c.To) == "":
		return &usageError{msg: "copy needs --from DB and --to DB"}
	case c.From == c.To:
		return &usageError{msg: "--from and --to name the same database"}
	}
	for _, db := range []string{c.From, c.To} {
		if err := (dbConfig{DB: db}).Validate(); err != nil {
			return err
		}
	}
	return nil
}

// runCopy moves every record and user from one database to another (SQLite
// to PostgreSQL or back), in one transaction per kind, and checks the
// counts. The target must be empty. Records keep every field, Id included;
// users keep their password hashes, roles, locations and two-factor
// secrets but get new ids. Tokens are not copied: clients sign in again.
func runCopy(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	var cfg copyConfig
	fs := newFlagSet("copy", "copy --from DB --to DB", stderr)
	fs.StringVar(&cfg.From, "from", "", "the `DB` to read: a SQLite file or a PostgreSQL URL")
	fs.StringVar(&cfg.To, "to", "", "the `DB` to fill, which must hold no records and no users")
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("copy takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()} // a wrong setting: exit status 2
	}
	from, err := openMigrated(ctx, dbConfig{DB: cfg.From})
	if err != nil {
		return err
	}
	defer closeWith(from, &err)
	to, err := openMigrated(ctx, dbConfig{DB: cfg.To})
	if err != nil {
		return err
	}
	defer closeWith(to, &err)
	start := time.Now()
	records, users, err := copyAll(ctx, from, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %s records and %d users from %s to %s in %.1f s; counts verified\n",
		thousands(records), users, displayDB(cfg.From), displayDB(cfg.To), time.Since(start).Seconds())
	return nil
}

// copyAll copies records, then users, and verifies both counts.
func copyAll(ctx context.Context, from, to store) (records int64, users int, err error) {
	if n, err := countAll(ctx, to); err != nil || n > 0 {
		return 0, 0, errors.Join(err, fmt.Errorf("the target already holds %d records: copy only fills an empty database", n))
	}
	if us, err := to.FindUsers(ctx); err != nil || len(us) > 0 {
		return 0, 0, errors.Join(err, fmt.Errorf("the target already has %d users: copy only fills an empty database", len(us)))
	}
	want, err := countAll(ctx, from)
	if err != nil {
		return 0, 0, err
	}
	n, err := to.CreateFailedCheckins(ctx, allRecords(ctx, from))
	if c := fc.ErrorCode(err); c == fc.ErrInvalid || c == fc.ErrConflict {
		// The store's message names the record ("record N: Field: ...");
		// the text of its error, the bad fields alone, does not.
		return 0, 0, fmt.Errorf("copy records (nothing was copied): %s", fc.ErrorMessage(err))
	} else if err != nil {
		return 0, 0, fmt.Errorf("copy records (nothing was copied): %w", err)
	}
	got, err := countAll(ctx, to)
	if err != nil {
		return 0, 0, err
	}
	if int64(n) != want || got != want {
		return 0, 0, fmt.Errorf("record counts differ: source %d, written %d, target %d", want, n, got)
	}
	users, err = copyUsers(ctx, from, to)
	return got, users, err
}

// copyUsers recreates every user of from in to, in id order, with the same
// password hash and settings.
func copyUsers(ctx context.Context, from, to store) (int, error) {
	us, err := from.FindUsers(ctx)
	if err != nil {
		return 0, err
	}
	for _, u := range us {
		c := *u
		c.ID = 0
		if err := to.CreateUser(ctx, &c); err != nil {
			return 0, fmt.Errorf("copy user %s: %w", u.Email, err)
		}
	}
	got, err := to.FindUsers(ctx)
	if err != nil {
		return 0, err
	}
	if len(got) != len(us) {
		return 0, fmt.Errorf("user counts differ: source %d, target %d", len(us), len(got))
	}
	return len(got), nil
}

// countAll returns the number of records in s.
func countAll(ctx context.Context, s fc.FailedCheckinStore) (int64, error) {
	page, err := s.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1})
	if err != nil {
		return 0, err
	}
	return page.TotalItems, nil
}

// allRecords yields every record of s in Id order, one page of Ids above
// the last one seen at a time, so memory stays flat whatever the size.
func allRecords(ctx context.Context, s fc.FailedCheckinStore) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		after := int64(0)
		for {
			page, err := s.FindFailedCheckins(ctx, fc.Query{
				Scope:      fc.AllBusinesses(),
				Conditions: []fc.Condition{{Field: fc.FieldID, Match: fc.MatchIntRange, Min: after + 1, Max: math.MaxInt64}},
				OrderBy:    fc.FieldID, Page: 1, Size: copyPageSize,
			})
			if err != nil {
				yield(nil, fmt.Errorf("read records after Id %d: %w", after, err))
				return
			}
			for _, r := range page.Records {
				if !yield(r, nil) {
					return
				}
			}
			if len(page.Records) < copyPageSize {
				return
			}
			after = page.Records[len(page.Records)-1].ID
		}
	}
}
