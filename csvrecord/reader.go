// Package csvrecord reads and writes FailedCheckin records as CSV, the
// format of bulk imports (docs/cli.md#failedcheckins-import) and of the shared sample data:
// a header row naming fields of docs/api.md#the-failedcheckin-record, in any order, then one
// record per row.
package csvrecord

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// RowError says where a file is wrong: the line (1-based, as an editor
// counts), the column and the field's name. For a bad value Column is the
// field's 1-based position in the row; for broken CSV syntax (a stray
// quote) it is the 1-based character position in the line.
type RowError struct {
	Line   int
	Column int
	Field  string
	Err    error
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("line %d, column %d (%s): %v", e.Line, e.Column, e.Field, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// Reader reads FailedCheckin records from CSV.
type Reader struct {
	csv     *csv.Reader
	columns []column // one per header field, in file order
	line    int
}

// NewReader reads and checks the header row: every name must be a field of
// the record (case-insensitively), none may repeat, and the required fields
// (Id, BusinessId, CheckinAttemptTime, CheckinAttemptTimeLocal, Source)
// must be present. A UTF-8 byte-order mark, as spreadsheets write, is skipped.
func NewReader(r io.Reader) (*Reader, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &RowError{Line: 1, Column: 1, Err: errors.New("the file is empty: want a header row naming the fields")}
	}
	if err != nil {
		return nil, csvError(err)
	}
	rd := &Reader{csv: cr, line: 1}
	seen := map[string]bool{}
	for i, name := range header {
		col, ok := columnByName(strings.TrimSpace(name))
		if !ok {
			return nil, &RowError{Line: 1, Column: i + 1, Field: name,
				Err: fmt.Errorf("unknown column %q: the header may name only %s", name, strings.Join(columnNames(), ", "))}
		}
		if seen[col.name] {
			return nil, &RowError{Line: 1, Column: i + 1, Field: name, Err: fmt.Errorf("column %s appears twice", col.name)}
		}
		seen[col.name] = true
		rd.columns = append(rd.columns, col)
	}
	for _, name := range requiredColumns {
		if !seen[name] {
			return nil, &RowError{Line: 1, Column: len(header), Err: fmt.Errorf("the header lacks the required column %s", name)}
		}
	}
	return rd, nil
}

// Line returns the line on which the last record read begins.
func (rd *Reader) Line() int { return rd.line }

// All yields every record of the file in order. It stops after the first
// error, which is a *RowError saying where the file is wrong.
func (rd *Reader) All() iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		for {
			rec, err := rd.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

func (rd *Reader) next() (*fc.FailedCheckin, error) {
	fields, err := rd.csv.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, err
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount) {
			// encoding/csv says only "wrong number of fields".
			return nil, &RowError{Line: pe.StartLine, Column: 1,
				Err: fmt.Errorf("%d fields, want %d (the header's)", len(fields), len(rd.columns))}
		}
		return nil, csvError(err)
	}
	rd.line, _ = rd.csv.FieldPos(0)
	rec := &fc.FailedCheckin{}
	for i, col := range rd.columns {
		if err := col.parse(rec, fields[i]); err != nil {
			line, _ := rd.csv.FieldPos(i)
			return nil, &RowError{Line: line, Column: i + 1, Field: col.name, Err: err}
		}
	}
	return rec, nil
}

// csvError turns encoding/csv's syntax errors into RowErrors.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{Line: pe.Line, Column: pe.Column, Err: pe.Err}
	}
	return fmt.Errorf("reading CSV: %w", err)
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// skipBOM drops a leading UTF-8 byte-order mark.
func skipBOM(r io.Reader) io.Reader {
	head := make([]byte, len(bom))
	n, err := io.ReadFull(r, head)
	if err == nil && bytes.Equal(head, bom) {
		return r
	}
	return io.MultiReader(bytes.NewReader(head[:n]), r)
}
