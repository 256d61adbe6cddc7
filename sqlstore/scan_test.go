package sqlstore

import (
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// fakeScan returns a Scan function that fills dest from row as
// database/sql's non-reflective cases do (a string into an *string, a
// value into a sql.Scanner) and as pgx does into an *int64; any other
// destination is an error, so that a destination database/sql would fill
// by reflection fails the test that uses it.
func fakeScan(row []any) func(dest ...any) error {
	return func(dest ...any) error {
		if len(dest) != len(row) {
			return fmt.Errorf("%d destinations for %d columns", len(dest), len(row))
		}
		for i, d := range dest {
			switch d := d.(type) {
			case *string:
				v, ok := row[i].(string)
				if !ok {
					return fmt.Errorf("column %d: %T into an *string", i, row[i])
				}
				*d = v
			case sql.Scanner:
				if err := d.Scan(row[i]); err != nil {
					return err
				}
			case *int64: // pgx's native integers
				v, ok := row[i].(int64)
				if !ok {
					return fmt.Errorf("column %d: %T into an *int64", i, row[i])
				}
				*d = v
			default:
				return fmt.Errorf("column %d: destination %T", i, d)
			}
		}
		return nil
	}
}

// failedRow is the row of SelectColumns that stores r, times as c codes
// them, and r as the scanner must read it back (times in UTC).
func failedRow(i int, c TimeCoding) ([]any, *fc.FailedCheckin) {
	at := time.Unix(1_760_000_000+int64(i)*3600, 0).UTC()
	tv := func(t time.Time) any {
		if c == UnixSeconds {
			return t.Unix()
		}
		return t
	}
	r := &fc.FailedCheckin{ID: int64(1000 + i), UniqueID: fmt.Sprintf("u-%d", i), CoworkerFullName: fmt.Sprintf("Name %d", i),
		BusinessID: int64(1001 + i%7), BusinessName: fmt.Sprintf("Location %d", i%7), CheckinAttemptTime: at,
		Source: fc.Source(i % 6), MacAddresses: "", Teams: "T", Tariff: "Hot Desk", Description: fmt.Sprintf("d%d", i),
		CheckinAttemptTimeLocal: at.Add(time.Hour), CreatedOn: at, UpdatedOn: at.Add(time.Minute)}
	row := []any{r.ID, r.UniqueID, nil, r.CoworkerFullName, r.BusinessID, r.BusinessName, tv(at), int64(r.Source),
		r.MacAddresses, r.Teams, r.Tariff, r.Description, tv(r.CheckinAttemptTimeLocal), tv(r.CreatedOn), tv(r.UpdatedOn),
		nil, nil, nil, nil, nil}
	if i%3 != 0 { // every third row leaves the optional fields NULL
		cw, by, sys, reason, res := int64(500+i), fmt.Sprintf("by%d", i), fmt.Sprintf("s%d", i), "NoPlan", int64(9000+i)
		on := at.Add(2 * time.Minute)
		r.CoworkerID, r.UpdatedBy, r.SystemID, r.Reason, r.ResolvedByCheckinID, r.ResolvedOn = &cw, &by, &sys, &reason, &res, &on
		row[2], row[15], row[16], row[17], row[18], row[19] = cw, by, sys, reason, res, tv(on)
	}
	return row, r
}

// TestScanWithoutReflection: on SQLite every destination of a record's
// row is one database/sql fills without reflection (Dialect.IntScanner).
func TestScanWithoutReflection(t *testing.T) {
	d := SQLite()
	dests := map[string][]any{
		"failed check-in": NewFailedCheckinScanner(d).dest,
		"check-in":        NewCheckinScanner(d).dest,
	}
	for name, dest := range dests {
		for i, v := range dest {
			if _, ok := v.(*string); ok {
				continue
			}
			if _, ok := v.(sql.Scanner); !ok {
				t.Errorf("%s column %d: destination %T, which database/sql fills by reflection", name, i, v)
			}
		}
	}
}

// TestScannerRecords reads more rows than one slab holds, on both
// dialects' codings, and checks every record and that no two share a
// record or an optional value (each record is the caller's to change).
func TestScannerRecords(t *testing.T) {
	for _, d := range []Dialect{SQLite(), PostgreSQL()} {
		s := NewFailedCheckinScanner(d)
		var got, want []*fc.FailedCheckin
		for i := range 3 * maxSlab {
			row, r := failedRow(i, d.Records)
			rec, err := s.Scan(fakeScan(row))
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			got, want = append(got, rec), append(want, r)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%v row %d:\n got %+v\nwant %+v", d.Records, i, got[i], want[i])
			}
		}
		// Changing one record's values changes no other's.
		for _, r := range got {
			r.ID = -1
			if r.CoworkerID != nil {
				*r.CoworkerID, *r.UpdatedBy, *r.ResolvedByCheckinID = -1, "changed", -1
			}
		}
		for i := range got {
			if w := want[i]; got[i].ID != -1 || (w.CoworkerID != nil && (*got[i].CoworkerID != -1 || *got[i].UpdatedBy != "changed")) {
				t.Fatalf("row %d: a change of another record shows in it: %+v", i, got[i])
			}
		}
	}
	// A value of another type than the column's is an error, not a zero.
	s := NewFailedCheckinScanner(SQLite())
	row, _ := failedRow(1, UnixSeconds)
	row[0] = "1"
	if _, err := s.Scan(fakeScan(row)); err == nil {
		t.Error("a text Id read without error")
	}
}

// TestScannerAllocations: a page of rows costs the scanner a few
// allocations (slabs of records and of optional values), not one or more
// per record.
func TestScannerAllocations(t *testing.T) {
	const n = 1000
	rows := make([]func(...any) error, n)
	for i := range rows {
		row, _ := failedRow(i, UnixSeconds)
		rows[i] = fakeScan(row)
	}
	allocs := testing.AllocsPerRun(5, func() {
		s := NewFailedCheckinScanner(SQLite())
		for _, scan := range rows {
			if _, err := s.Scan(scan); err != nil {
				t.Fatal(err)
			}
		}
	})
	// 1000 records in slabs of 16, 32, ..., 256: 8 blocks; the optional
	// values (two thirds of the rows hold them) as many again for each
	// of ints and strings, the optional time one per row that has it.
	if limit := float64(n)*2/3 + 100; allocs > limit {
		t.Errorf("%.0f allocations for %d rows; want at most %.0f", allocs, n, limit)
	}
}
