package demo

import (
	"reflect"
	"regexp"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

var testNow = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

func collect(t *testing.T, seed uint64, n int, now time.Time) []*fc.FailedCheckin {
	t.Helper()
	var out []*fc.FailedCheckin
	for r, err := range Generate(seed, n, now) {
		if err != nil {
			t.Fatalf("Generate(%d, %d) yielded error %v", seed, n, err)
		}
		out = append(out, r)
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	a := collect(t, 7, 2000, testNow)
	b := collect(t, 7, 2000, testNow)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate(7, 2000) differs between two runs; want identical records")
	}
	c := collect(t, 8, 2000, testNow)
	if reflect.DeepEqual(a, c) {
		t.Fatal("Generate(8, 2000) = Generate(7, 2000); want different records for a different seed")
	}
}

func TestGenerateCount(t *testing.T) {
	for _, n := range []int{0, -1, 1, 37, 1000} {
		got := len(collect(t, 1, n, testNow))
		if want := max(n, 0); got != want {
			t.Errorf("len(Generate(1, %d)) = %d; want %d", n, got, want)
		}
	}
}

func TestGenerateStopsEarly(t *testing.T) {
	seen := 0
	for _, err := range Generate(1, 100, testNow) {
		if err != nil {
			t.Fatal(err)
		}
		seen++
		if seen == 3 {
			break
		}
	}
	if seen != 3 {
		t.Fatalf("breaking out of Generate after 3 records saw %d; want 3", seen)
	}
}

// TestGenerateShape checks the per-record rules of the distribution on the
// full demo size: ids, window, local time, lag, sources, coworkers, MACs.
func TestGenerateShape(t *testing.T) {
	records := collect(t, 1, DefaultSize, testNow)
	offsets := map[int64]time.Duration{}
	for _, b := range newGenerator(1, 100).biz {
		offsets[b.id] = time.Duration(b.offset) * time.Minute
	}
	from := testNow.AddDate(0, -Months, 0).Add(-maxCreatedLag * time.Second)
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	uniq := map[string]bool{}
	for i, r := range records {
		if r.ID != int64(i+1) {
			t.Fatalf("record %d has Id %d; want %d", i, r.ID, i+1)
		}
		if i > 0 && r.CheckinAttemptTime.Before(records[i-1].CheckinAttemptTime) {
			t.Fatalf("Id %d attempt %v is before Id %d's; want Ids to follow time", r.ID, r.CheckinAttemptTime, i)
		}
		if r.CheckinAttemptTime.Before(from) || r.CreatedOn.After(testNow) {
			t.Fatalf("Id %d attempt %v, created %v; want within [%v, %v]", r.ID, r.CheckinAttemptTime, r.CreatedOn, from, testNow)
		}
		off, ok := offsets[r.BusinessID]
		if !ok {
			t.Fatalf("Id %d has BusinessId %d; want one of 1001..1200", r.ID, r.BusinessID)
		}
		if want := r.CheckinAttemptTime.Add(off); !r.CheckinAttemptTimeLocal.Equal(want) {
			t.Fatalf("Id %d local time %v; want UTC %v + %v = %v", r.ID, r.CheckinAttemptTimeLocal, r.CheckinAttemptTime, off, want)
		}
		if lag := r.CreatedOn.Sub(r.CheckinAttemptTime); lag < 0 || lag > maxCreatedLag*time.Second || !r.UpdatedOn.Equal(r.CreatedOn) {
			t.Fatalf("Id %d CreatedOn - attempt = %v, UpdatedOn %v; want 0-5 s and UpdatedOn = CreatedOn", r.ID, lag, r.UpdatedOn)
		}
		if !r.Source.Valid() {
			t.Fatalf("Id %d has Source %d; want 0-5", r.ID, r.Source)
		}
		if (r.MacAddresses != "") != (r.Source == fc.SourceNetworkActivity) {
			t.Fatalf("Id %d Source %v has MacAddresses %q; want MACs exactly on NetworkActivity", r.ID, r.Source, r.MacAddresses)
		}
		if !uuidRE.MatchString(r.UniqueID) || uniq[r.UniqueID] {
			t.Fatalf("Id %d UniqueId %q is not a new lower-case v4 UUID", r.ID, r.UniqueID)
		}
		uniq[r.UniqueID] = true
		checkCoworker(t, r)
	}
}

func checkCoworker(t *testing.T, r *fc.FailedCheckin) {
	t.Helper()
	if r.CoworkerID == nil {
		anon := r.Source == fc.SourceDoorAccess || r.Source == fc.SourceNetworkActivity || r.Source == fc.SourceSensor
		if !anon || r.CoworkerFullName != "" || r.Teams != "" || r.Tariff != "" || r.Description != "Unrecognised device" {
			t.Fatalf("Id %d without coworker = %+v; want an unrecognised device from door, network or sensor", r.ID, r)
		}
		return
	}
	if *r.CoworkerID <= coworkerIDMin || r.CoworkerFullName == "" || r.Description == "Unrecognised device" {
		t.Fatalf("Id %d coworker %d %q, %q; want a named coworker with a reason", r.ID, *r.CoworkerID, r.CoworkerFullName, r.Description)
	}
	if (r.Tariff == "") != (r.Description == "No active plan") {
		t.Fatalf("Id %d tariff %q with %q; want a tariff unless there is no active plan", r.ID, r.Tariff, r.Description)
	}
}

// TestGenerateDistribution checks the shares of the data set that a demo
// user would notice: the largest location, anonymous rows, sources.
func TestGenerateDistribution(t *testing.T) {
	records := collect(t, 1, DefaultSize, testNow)
	perBusiness := map[int64]int{}
	perSource := map[fc.Source]int{}
	anonymous, recent := 0, 0
	for _, r := range records {
		perBusiness[r.BusinessID]++
		perSource[r.Source]++
		if r.CoworkerID == nil {
			anonymous++
		}
		if r.CheckinAttemptTime.After(testNow.AddDate(0, 0, -7)) {
			recent++
		}
	}
	for id, n := range perBusiness {
		if id != 1001 && n >= perBusiness[1001] {
			t.Errorf("business %d has %d records, 1001 has %d; want 1001 the largest", id, n, perBusiness[1001])
		}
	}
	n := float64(len(records))
	share := func(k int) float64 { return float64(k) / n }
	if s := share(perBusiness[1001]); s < 0.15 || s > 0.19 {
		t.Errorf("business 1001 share = %.3f; want about 0.17", s)
	}
	if s := share(anonymous); s < 0.025 || s > 0.035 {
		t.Errorf("share without coworker = %.3f; want about 0.03", s)
	}
	if s := share(perSource[fc.SourceDoorAccess]); s < 0.43 || s > 0.47 {
		t.Errorf("DoorAccess share = %.3f; want about 0.45", s)
	}
	if recent == 0 {
		t.Error("no record in the last 7 days before now; want recent failures for a new user")
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		for _, err := range Generate(1, DefaultSize, testNow) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
