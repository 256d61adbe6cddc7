package csvrecord

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"

	fc "github.com/failedcheckins/failedcheckins"
)

// Write writes a header naming every field of the record, then one row per
// record, in a form NewReader reads back unchanged. An empty optional text
// and a null one are both written as an empty cell (CSV has no null), so
// they read back as null.
func Write(w io.Writer, records iter.Seq[*fc.FailedCheckin]) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columnNames()); err != nil {
		return fmt.Errorf("writing CSV header: %w", err)
	}
	row := make([]string, len(columns))
	for rec := range records {
		for i, c := range columns {
			row[i] = c.format(rec)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("writing CSV record %d: %w", rec.ID, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}
