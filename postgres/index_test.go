package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
)

// failedCheckinIndexes are the indexes of failed_checkins after every
// migration, each with what it serves (docs/benchmarks.md, "Index
// audit", has the measurements). An erasure's UPDATE changes coworker_id,
// so it is never a HOT update and writes one entry into every index for
// each anonymized record: about 0.1 s per B-tree index for a person of
// 5,000 records at 1M on a quiet machine. An index added here must be
// worth that.
var failedCheckinIndexes = []string{
	"failed_checkins_business",                // (business_id, id): sort by BusinessId; a location's walk in Id or IsNew order
	"failed_checkins_business_created",        // a location's walk in CreatedOn order (the manager's default search)
	"failed_checkins_business_name",           // a location's walk in name order; the erasure moves its key
	"failed_checkins_business_name_order",     // sort by BusinessName
	"failed_checkins_business_time",           // q1, q3, q4: a location over a time range
	"failed_checkins_coworker",                // CoworkerId filter and sort, the erasure's lookup
	"failed_checkins_coworker_business_time",  // the resolution of a refusal by an accepted check-in
	"failed_checkins_coworker_full_name_trgm", // name substrings
	"failed_checkins_created",                 // the API's default order
	"failed_checkins_description",             // sort by Description, its exact values
	"failed_checkins_local_time",              // CheckinAttemptTimeLocal ranges, sort and zero answers
	"failed_checkins_mac_addresses",           // sort by MacAddresses, the erasure's MAC lookup
	"failed_checkins_name",                    // exact names
	"failed_checkins_no_coworker",             // no coworker with a location, Source, tariff or MAC (0027; partial)
	"failed_checkins_pkey",                    // Id
	"failed_checkins_reason",                  // Reason values and sort
	"failed_checkins_resolved_by",             // sort by ResolvedByCheckinId, its null tests
	"failed_checkins_resolved_on",             // sort by ResolvedOn, its ranges
	"failed_checkins_source",                  // sort by Source
	"failed_checkins_system_id",               // SystemId values (zero answers) and sort
	"failed_checkins_tariff",                  // sort by TariffAtTheTimeOfCheckin
	"failed_checkins_teams",                   // sort by TeamsAtTheTimeOfCheckin
	"failed_checkins_time",                    // CheckinAttemptTime order and ranges, retention
	"failed_checkins_unique_id_key",           // UniqueId is unique: get-one by UniqueId, imports
	"failed_checkins_updated",                 // UpdatedOn order and ranges
	"failed_checkins_updated_by",              // UpdatedBy values and sort
}

// TestFailedCheckinIndexes pins the indexes of failed_checkins: migration
// 0019 drops the description trigram index, which no search needed (the
// audit of issue 16), and any index added later is a decision with a cost
// on every erasure and insert, to be measured, not a side effect.
func TestFailedCheckinIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.pool.Query(ctx, `SELECT indexname FROM pg_indexes WHERE tablename = 'failed_checkins' ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(failedCheckinIndexes))
	if !slices.Equal(got, want) {
		t.Errorf("indexes of failed_checkins = %q; want %q", got, want)
	}
}
