package storetest

import (
	"bytes"
	_ "embed"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
)

// sampleCSV is the 2,000-row sample data set (the first rows of the
// benchmark generator's output), embedded so tests need no files.
//
//go:embed testdata/sample.csv
var sampleCSV []byte

// Sample returns the records of the 2,000-row sample data set, parsed with
// csvrecord; a parse error fails the test.
func Sample(t testing.TB) []*fc.FailedCheckin {
	t.Helper()
	rd, err := csvrecord.NewReader(bytes.NewReader(sampleCSV))
	if err != nil {
		t.Fatalf("sample.csv: %v", err)
	}
	var records []*fc.FailedCheckin
	for r, err := range rd.All() {
		if err != nil {
			t.Fatalf("sample.csv: %v", err)
		}
		records = append(records, r)
	}
	return records
}
