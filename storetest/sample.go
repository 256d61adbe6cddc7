package storetest

import (
	"bytes"
	_ "embed"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
)

// sampleCSV is the 2,000-row sample data set (the first rows of the
// benchmark generator's output), embedded so tests need no files.
//
//go:embed testdata/sample.csv
var sampleCSV []byte

// Sample returns the records of the 2,000-row sample data set, parsed with
// csvrecord, with resolutions added (Resolve); a parse error fails the
// test.
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
	Resolve(records)
	return records
}

// Resolve resolves about a third of the records that have a coworker
// (those whose Id is a multiple of 3), as the attempt pipeline would
// have: ResolvedByCheckinId an Id of its own (1,000,000 + the record's),
// ResolvedOn up to an hour after the attempt, and UpdatedOn = ResolvedOn.
// The sample's CSV predates resolutions; its records keep what it says
// otherwise, so searches, statistics and exports meet both kinds.
func Resolve(records []*fc.FailedCheckin) {
	for _, r := range records {
		if r.CoworkerID == nil || r.ID%3 != 0 {
			continue
		}
		by := 1_000_000 + r.ID
		on := r.CheckinAttemptTime.Add(time.Duration(r.ID%61) * time.Minute)
		r.ResolvedByCheckinID, r.ResolvedOn, r.UpdatedOn = &by, &on, on
	}
}
