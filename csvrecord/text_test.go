package csvrecord_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/failedcheckins/failedcheckins/csvrecord"
)

// TestReadRefusesTextAStoreCannotKeep (issue 18 item 8): a NUL, or a
// Description of a megabyte, was imported by SQLite and refused by
// PostgreSQL with a raw SQL error and no line; both refuse it now, here,
// with the line and the column.
func TestReadRefusesTextAStoreCannotKeep(t *testing.T) {
	const header = "Id,BusinessId,CheckinAttemptTime,CheckinAttemptTimeLocal,Source,BusinessName,Description,SystemId\n"
	const good = "1,1001,2026-01-15T10:30:00Z,2026-01-15T10:30:00,2,London,\"two\nlines\tand a tab\",\n"
	for _, c := range []struct {
		row, field string
		line       int
	}{
		{"2,1001,2026-01-15T10:30:00Z,2026-01-15T10:30:00,2,Lon\x00don,x,\n", "BusinessName", 4},
		{"2,1001,2026-01-15T10:30:00Z,2026-01-15T10:30:00,2,London," + strings.Repeat("d", 1<<20) + ",\n", "Description", 4},
		{"2,1001,2026-01-15T10:30:00Z,2026-01-15T10:30:00,2,London,x\x00,\n", "Description", 4},
		{"2,1001,2026-01-15T10:30:00Z,2026-01-15T10:30:00,2,London,x,a\x1bb\n", "SystemId", 4},
		{"2,1001,2026-01-15T10:30:00+24:00,2026-01-15T10:30:00,2,London,x,\n", "CheckinAttemptTime", 4},
	} {
		rd, err := csvrecord.NewReader(strings.NewReader(header + good + c.row))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err = range rd.All() {
			if err != nil {
				break
			}
			n++
		}
		var re *csvrecord.RowError
		if !errors.As(err, &re) || re.Line != c.line || re.Field != c.field || n != 1 {
			t.Errorf("row %.60q: after %d records %v, want line %d, %s", c.row, n, err, c.line, c.field)
		}
	}
}
