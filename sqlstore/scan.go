package sqlstore

import (
	"database/sql"
	"fmt"

	fc "github.com/failedcheckins/failedcheckins"
)

// The scanners below read the rows of a result into records with
// destinations made once per result, not once per row. A search page of
// 1000 records read each row into a fresh []any of 20 destinations and five
// time decoders, and database/sql filled the nullable fields (**int64,
// **string) by reflection: together about a fifth of the server's CPU
// for such a page (issue 17, docs/benchmarks.md). The records, and the
// values their optional fields point to, are carved out of slabs (one
// allocation for many records rather than one each), and on SQLite the
// integers are read through intDest rather than by reflection
// (Dialect.IntScanner): at 1000 records a page these were a tenth of the
// server's CPU again, with the garbage collection of the small objects.

// FailedCheckinScanner reads rows of SelectColumns, times as its dialect
// says. It is not safe for concurrent use; make one per result.
type FailedCheckinScanner struct {
	row     fc.FailedCheckin
	source  int64
	dest    []any
	records slab[fc.FailedCheckin]
	values  optionalValues
}

// NewFailedCheckinScanner returns a scanner for rows of SelectColumns.
func NewFailedCheckinScanner(d Dialect) *FailedCheckinScanner {
	s := &FailedCheckinScanner{}
	r, t, v := &s.row, d.Records, &s.values
	s.dest = []any{d.intDest(&r.ID), &r.UniqueID, optionalInt{&r.CoworkerID, v}, &r.CoworkerFullName, d.intDest(&r.BusinessID), &r.BusinessName,
		t.Dest(&r.CheckinAttemptTime), d.intDest(&s.source), &r.MacAddresses, &r.Teams, &r.Tariff, &r.Description,
		t.Dest(&r.CheckinAttemptTimeLocal), t.Dest(&r.CreatedOn), t.Dest(&r.UpdatedOn), optionalString{&r.UpdatedBy, v},
		optionalString{&r.SystemID, v}, optionalString{&r.Reason, v}, optionalInt{&r.ResolvedByCheckinID, v}, t.OptionalDest(&r.ResolvedOn)}
	return s
}

// Scan reads one row through scan (the Scan method of either driver's
// rows) into a new record. The record shares nothing with the scanner:
// every pointer field is set afresh (or to nil) by each row.
func (s *FailedCheckinScanner) Scan(scan func(dest ...any) error) (*fc.FailedCheckin, error) {
	if err := scan(s.dest...); err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	r := s.records.take()
	*r = s.row
	r.Source = fc.Source(s.source)
	return r, nil
}

// CheckinScanner reads rows of CheckinColumns, as FailedCheckinScanner.
type CheckinScanner struct {
	row     fc.Checkin
	source  int64
	dest    []any
	records slab[fc.Checkin]
	values  optionalValues
}

// NewCheckinScanner returns a scanner for rows of CheckinColumns.
func NewCheckinScanner(d Dialect) *CheckinScanner {
	s := &CheckinScanner{}
	c, t, v := &s.row, d.Records, &s.values
	s.dest = []any{d.intDest(&c.ID), &c.UniqueID, d.intDest(&c.CoworkerID), &c.CoworkerFullName, d.intDest(&c.BusinessID), &c.BusinessName,
		d.intDest(&s.source), t.Dest(&c.FromTime), t.OptionalDest(&c.ToTime), t.Dest(&c.FromTimeLocal), t.OptionalDest(&c.ToTimeLocal),
		&c.MacAddresses, &c.Teams, &c.Tariff, t.Dest(&c.CreatedOn), t.Dest(&c.UpdatedOn),
		optionalString{&c.UpdatedBy, v}, optionalString{&c.SystemID, v}}
	return s
}

// Scan reads one row through scan into a new check-in, as
// FailedCheckinScanner.Scan.
func (s *CheckinScanner) Scan(scan func(dest ...any) error) (*fc.Checkin, error) {
	if err := scan(s.dest...); err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	c := s.records.take()
	*c = s.row
	c.Source = fc.Source(s.source)
	return c, nil
}

// slab hands out pointers to fresh zero values of T, allocated many at a
// time: the first slab holds firstSlab values, each next one twice the
// last up to maxSlab, so that a read of one record (a get-one, a webhook's
// body) allocates one (a first slab of 16 made it 5x the bytes: wt-E's
// review), a page of 25 records five blocks, and one of 1000 a few large
// blocks. A block stays in
// memory while any value carved from it is referenced, at most maxSlab
// values' worth beyond what is in use.
type slab[T any] struct {
	free []T
	next int // the size of the next block
}

const firstSlab, maxSlab = 1, 256

// take returns a pointer to a zero T that no other take returns.
func (s *slab[T]) take() *T {
	if len(s.free) == 0 {
		n := max(s.next, firstSlab)
		s.free = make([]T, n)
		s.next = min(2*n, maxSlab)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}

// optionalValues holds the slabs of the values that records' optional
// fields point to.
type optionalValues struct {
	ints    slab[int64]
	strings slab[string]
}

// intDest is the destination of a NOT NULL integer column: a sql.Scanner
// when the dialect says so (Dialect.IntScanner), else to itself.
func (d Dialect) intDest(to *int64) any {
	if d.IntScanner {
		return intDest{to}
	}
	return to
}

// intDest is a sql.Scanner that reads a NOT NULL integer into *to: what
// an *int64 destination does, without database/sql's reflection.
type intDest struct{ to *int64 }

var _ sql.Scanner = intDest{}

func (d intDest) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("sqlstore: cannot read %T as an integer", src)
	}
	*d.to = v
	return nil
}

// optionalInt is a sql.Scanner (database/sql and pgx both call it) that
// reads a nullable integer into a new *int64 (from values), nil for NULL:
// what a **int64 destination does, without database/sql's reflection.
type optionalInt struct {
	to     **int64
	values *optionalValues
}

var _ sql.Scanner = optionalInt{}

func (d optionalInt) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.to = nil
	case int64:
		p := d.values.ints.take()
		*p = v
		*d.to = p
	default:
		return fmt.Errorf("sqlstore: cannot read %T as an integer", src)
	}
	return nil
}

// optionalString reads a nullable text into a new *string, nil for NULL,
// as optionalInt.
type optionalString struct {
	to     **string
	values *optionalValues
}

var _ sql.Scanner = optionalString{}

func (d optionalString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.to = nil
	case string:
		p := d.values.strings.take()
		*p = v
		*d.to = p
	case []byte:
		p := d.values.strings.take()
		*p = string(v)
		*d.to = p
	default:
		return fmt.Errorf("sqlstore: cannot read %T as text", src)
	}
	return nil
}
