package storetest

import (
	"context"
	"iter"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// export reads the whole export of q, failing the test on an error.
func export(t *testing.T, s ReportStore, q fc.Query) []*fc.FailedCheckin {
	t.Helper()
	var out []*fc.FailedCheckin
	for r, err := range s.ExportFailedCheckins(context.Background(), q) {
		if err != nil {
			t.Fatalf("ExportFailedCheckins(%s) error: %v", describeQuery(q), err)
		}
		out = append(out, r)
	}
	return out
}

func testExportEmptyScope(t *testing.T, s ReportStore) {
	seed(t, s, fixtures())
	q := all()
	q.Scope = fc.Scope{}
	if got := export(t, s, q); len(got) != 0 {
		t.Errorf("ExportFailedCheckins(zero scope) = ids %v; want none", ids(got))
	}
}

// testExportStopEarly stops reading after two records: the store must
// release what it holds, so the next read (and a write) still works.
func testExportStopEarly(t *testing.T, s ReportStore) {
	seed(t, s, fixtures())
	n := 0
	for _, err := range s.ExportFailedCheckins(context.Background(), all()) {
		if err != nil {
			t.Fatalf("ExportFailedCheckins error: %v", err)
		}
		if n++; n == 2 {
			break
		}
	}
	seed(t, s, []*fc.FailedCheckin{minimal(1000)})
	if got := len(export(t, s, all())); got != 9 {
		t.Errorf("ExportFailedCheckins after an early stop = %d records; want 9", got)
	}
}

// testExportReference compares random exports over the sample with the
// reference, record by record and in order.
func testExportReference(t *testing.T, s ReportStore) {
	seed(t, s, Sample(t))
	g, seed1 := newGenerator(t, Sample(t))
	for range 60 {
		q := g.query()
		got, want := export(t, s, q), Export(g.records, q)
		if len(got) != len(want) {
			t.Fatalf("ExportFailedCheckins(%s) = %d records; want %d (seed %d)", describeQuery(q), len(got), len(want), seed1)
		}
		for i := range got {
			if describe(got[i]) != describe(want[i]) {
				t.Fatalf("ExportFailedCheckins(%s) record %d = %s; want %s (seed %d)", describeQuery(q), i, describe(got[i]), describe(want[i]), seed1)
			}
		}
	}
}

// testExportSlots holds fc.MaxConcurrentExports exports open: one more is
// refused at once with ErrTooMany, and once one ends a new one runs.
func testExportSlots(t *testing.T, s ReportStore) {
	seed(t, s, fixtures())
	var stops []func()
	for i := range fc.MaxConcurrentExports {
		next, stop := iter.Pull2(s.ExportFailedCheckins(context.Background(), all()))
		stops = append(stops, stop)
		if r, err, ok := next(); !ok || err != nil || r == nil {
			t.Fatalf("export %d of %d: first record = %v, %v, %v; want a record", i+1, fc.MaxConcurrentExports, r, err, ok)
		}
	}
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	for _, err := range s.ExportFailedCheckins(context.Background(), all()) {
		if fc.ErrorCode(err) != fc.ErrTooMany {
			t.Errorf("export beyond the limit yielded %v; want an %s error", err, fc.ErrTooMany)
		}
		break
	}
	stops[0]()
	if got := len(export(t, s, all())); got != len(fixtures()) {
		t.Errorf("export after one ended = %d records; want %d", got, len(fixtures()))
	}
}

// testExportSlotsPerUser: one requester may hold fc.MaxExportsPerUser
// exports; one more of theirs is refused with ErrTooMany while another
// requester's still runs (slots were only global: one manager reading two
// exports slowly blocked everyone's, issue 18 item 14).
func testExportSlotsPerUser(t *testing.T, s ReportStore) {
	seed(t, s, fixtures())
	as := func(user int64) fc.Query { q := all(); q.Requester = user; return q }
	var stops []func()
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	for i := range fc.MaxExportsPerUser {
		next, stop := iter.Pull2(s.ExportFailedCheckins(context.Background(), as(7)))
		stops = append(stops, stop)
		if r, err, ok := next(); !ok || err != nil || r == nil {
			t.Fatalf("export %d of user 7: first record = %v, %v, %v; want a record", i+1, r, err, ok)
		}
	}
	for _, err := range s.ExportFailedCheckins(context.Background(), as(7)) {
		if fc.ErrorCode(err) != fc.ErrTooMany {
			t.Errorf("user 7's export beyond their limit yielded %v; want an %s error", err, fc.ErrTooMany)
		}
		break
	}
	if fc.MaxExportsPerUser < fc.MaxConcurrentExports {
		if got := len(export(t, s, as(8))); got != len(fixtures()) {
			t.Errorf("user 8's export beside user 7's = %d records; want %d", got, len(fixtures()))
		}
	}
	stops[0]()
	if got := len(export(t, s, as(7))); got != len(fixtures()) {
		t.Errorf("user 7's export after theirs ended = %d records; want %d", got, len(fixtures()))
	}
}
