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
// for such a page (issue 17, docs/benchmarks.md).

// FailedCheckinScanner reads rows of SelectColumns, times as its dialect
// says. It is not safe for concurrent use; make one per result.
type FailedCheckinScanner struct {
	row    fc.FailedCheckin
	source int64
	dest   []any
}

// NewFailedCheckinScanner returns a scanner for rows of SelectColumns.
func NewFailedCheckinScanner(d Dialect) *FailedCheckinScanner {
	s := &FailedCheckinScanner{}
	r, t := &s.row, d.Records
	s.dest = []any{&r.ID, &r.UniqueID, optionalInt{&r.CoworkerID}, &r.CoworkerFullName, &r.BusinessID, &r.BusinessName,
		t.Dest(&r.CheckinAttemptTime), &s.source, &r.MacAddresses, &r.Teams, &r.Tariff, &r.Description,
		t.Dest(&r.CheckinAttemptTimeLocal), t.Dest(&r.CreatedOn), t.Dest(&r.UpdatedOn), optionalString{&r.UpdatedBy},
		optionalString{&r.SystemID}, optionalString{&r.Reason}, optionalInt{&r.ResolvedByCheckinID}, t.OptionalDest(&r.ResolvedOn)}
	return s
}

// Scan reads one row through scan (the Scan method of either driver's
// rows) into a new record. The record shares nothing with the scanner:
// every pointer field is set afresh (or to nil) by each row.
func (s *FailedCheckinScanner) Scan(scan func(dest ...any) error) (*fc.FailedCheckin, error) {
	if err := scan(s.dest...); err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	r := s.row
	r.Source = fc.Source(s.source)
	return &r, nil
}

// CheckinScanner reads rows of CheckinColumns, as FailedCheckinScanner.
type CheckinScanner struct {
	row    fc.Checkin
	source int64
	dest   []any
}

// NewCheckinScanner returns a scanner for rows of CheckinColumns.
func NewCheckinScanner(d Dialect) *CheckinScanner {
	s := &CheckinScanner{}
	c, t := &s.row, d.Records
	s.dest = []any{&c.ID, &c.UniqueID, &c.CoworkerID, &c.CoworkerFullName, &c.BusinessID, &c.BusinessName,
		&s.source, t.Dest(&c.FromTime), t.OptionalDest(&c.ToTime), t.Dest(&c.FromTimeLocal), t.OptionalDest(&c.ToTimeLocal),
		&c.MacAddresses, &c.Teams, &c.Tariff, t.Dest(&c.CreatedOn), t.Dest(&c.UpdatedOn),
		optionalString{&c.UpdatedBy}, optionalString{&c.SystemID}}
	return s
}

// Scan reads one row through scan into a new check-in, as
// FailedCheckinScanner.Scan.
func (s *CheckinScanner) Scan(scan func(dest ...any) error) (*fc.Checkin, error) {
	if err := scan(s.dest...); err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	c := s.row
	c.Source = fc.Source(s.source)
	return &c, nil
}

// optionalInt is a sql.Scanner (database/sql and pgx both call it) that
// reads a nullable integer into a new *int64, nil for NULL: what a
// **int64 destination does, without database/sql's reflection.
type optionalInt struct{ to **int64 }

var _ sql.Scanner = optionalInt{}

func (d optionalInt) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.to = nil
	case int64:
		*d.to = &v
	default:
		return fmt.Errorf("sqlstore: cannot read %T as an integer", src)
	}
	return nil
}

// optionalString reads a nullable text into a new *string, nil for NULL,
// as optionalInt.
type optionalString struct{ to **string }

var _ sql.Scanner = optionalString{}

func (d optionalString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.to = nil
	case string:
		*d.to = &v
	case []byte:
		s := string(v)
		*d.to = &s
	default:
		return fmt.Errorf("sqlstore: cannot read %T as text", src)
	}
	return nil
}
