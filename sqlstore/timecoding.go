package sqlstore

import (
	"database/sql"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TimeCoding is how a database stores an instant, said explicitly per
// table group so that no code guesses from the value it reads: SQLite
// keeps records' times as INTEGER Unix seconds and accounts' (users,
// tokens, sessions, sign-in counters) as INTEGER Unix milliseconds;
// PostgreSQL keeps both as timestamp columns, accounts' truncated to the
// millisecond so both stores compare and return the same instants.
type TimeCoding int

const (
	UnixSeconds     TimeCoding = iota + 1 // INTEGER seconds
	UnixMillis                            // INTEGER milliseconds
	Timestamp                             // timestamp(tz), as given (PostgreSQL keeps microseconds)
	TimestampMillis                       // timestamp(tz), truncated to the millisecond
)

// Value is the argument that stores t.
func (c TimeCoding) Value(t time.Time) any {
	switch c {
	case UnixSeconds:
		return t.Unix()
	case UnixMillis:
		return t.UnixMilli()
	case Timestamp:
		return t.UTC()
	case TimestampMillis:
		return t.UTC().Truncate(time.Millisecond)
	}
	panic(fmt.Sprintf("sqlstore: time coding %d", c))
}

// Optional is Value of *t, or NULL for nil.
func (c TimeCoding) Optional(t *time.Time) any {
	if t == nil {
		return nil
	}
	return c.Value(*t)
}

// Wall is the argument that stores the wall clock of t (a local time,
// which has no zone of its own) as if it were UTC.
func (c TimeCoding) Wall(t time.Time) any { return c.Value(fc.WallClock(t)) }

// OptionalWall is Wall of *t, or NULL for nil.
func (c TimeCoding) OptionalWall(t *time.Time) any {
	if t == nil {
		return nil
	}
	return c.Wall(*t)
}

// Dest is the scan destination that reads a NOT NULL time of this coding
// into *t, in UTC.
func (c TimeCoding) Dest(t *time.Time) any { return &timeDest{c: c, t: t} }

// OptionalDest reads a nullable time into *t (nil for NULL).
func (c TimeCoding) OptionalDest(t **time.Time) any { return &timeDest{c: c, opt: t} }

// timeDest is a sql.Scanner (database/sql and pgx both call it) that
// accepts exactly the type its coding stores.
type timeDest struct {
	c   TimeCoding
	t   *time.Time
	opt **time.Time
}

var _ sql.Scanner = (*timeDest)(nil)

func (d *timeDest) Scan(src any) error {
	if src == nil {
		if d.opt == nil {
			return fmt.Errorf("sqlstore: NULL time in a NOT NULL column")
		}
		*d.opt = nil
		return nil
	}
	var t time.Time
	switch v := src.(type) {
	case int64:
		switch d.c {
		case UnixSeconds:
			t = time.Unix(v, 0).UTC()
		case UnixMillis:
			t = time.UnixMilli(v).UTC()
		default:
			return fmt.Errorf("sqlstore: an integer time in a timestamp column")
		}
	case time.Time:
		if d.c != Timestamp && d.c != TimestampMillis {
			return fmt.Errorf("sqlstore: a timestamp in an integer time column")
		}
		t = v.UTC()
	default:
		return fmt.Errorf("sqlstore: cannot read %T as a time", src)
	}
	// A new *time.Time for the optional field only: with &t, t escaped
	// and every time read, four NOT NULL columns of every record too, was
	// an allocation.
	if d.opt != nil {
		p := new(time.Time)
		*p = t
		*d.opt = p
	} else {
		*d.t = t
	}
	return nil
}
