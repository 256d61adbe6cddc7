package storetest

import (
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// base is the attempt time of the first fixture; the others follow it.
var base = time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// fixtures returns a small hand-made data set whose values exercise the
// search rules: null and "" side by side, ties on every sort field,
// Unicode that only full case folding matches, and the characters that
// LIKE would treat as wildcards. Each call returns fresh records.
func fixtures() []*fc.FailedCheckin {
	type row struct {
		coworker    *int64
		name        string
		business    int64
		bname       string
		offset      time.Duration
		source      fc.Source
		mac, teams  string
		tariff      string
		description string
		updatedBy   *string
		systemID    *string
		reason      *string
	}
	rows := []row{
		{ptr[int64](7), "Anna Müller", 10, "ZÜRICH Centre", 0, fc.SourceDoorAccess, "aa:bb", "Red,Blue", "Hot Desk", "Plan expired", nil, nil, ptr("PLAN_EXPIRED")},
		{nil, "", 10, "Zürich centre", time.Hour, fc.SourceDoorAccess, "", "", "", "Unknown card", ptr(""), ptr(""), nil},
		{ptr[int64](7), "anna müller", 20, "Hauptstraße 5", time.Hour, fc.SourceManual, "", "Blue", "Day Pass", "50% off plan_b", ptr("ops@example.com"), ptr("ext-1"), ptr("")},
		{ptr[int64](3), "Zoë Ωmega", 20, "STRASSE 7", 2 * time.Hour, fc.SourceTile, "cc:dd,ee:ff", "Green", "Hot Desk", `path C:\doors\1`, ptr("Ops@Example.com"), nil, ptr("NO_PLAN")},
		{nil, "Bob", 30, "Paris", 3 * time.Hour, fc.SourceNone, "", "", "Day Pass", "100 percent plan", nil, ptr("EXT-1"), ptr("no_plan")},
		{ptr[int64](12), "bob", 30, "paris", 3 * time.Hour, fc.SourceSensor, "11:22", "Red", "Hot Desk", "plan%_x", ptr("a@b.c"), nil, ptr("PLAN_EXPIRED")},
		{ptr[int64](3), "Émile", 10, "Zurich", 4 * time.Hour, fc.SourceNetworkActivity, "", "Red", "", "Pass limit reached", nil, ptr(""), nil},
		{ptr[int64](100), "ÉMILE", 20, "Straße", -time.Hour, fc.SourceDoorAccess, "AA:BB", "", "Dedicated", "planXx", ptr(""), nil, ptr("BOOKING_REQUIRED")},
	}
	records := make([]*fc.FailedCheckin, len(rows))
	for i, r := range rows {
		at := base.Add(r.offset)
		records[i] = &fc.FailedCheckin{
			ID: int64(i + 1), UniqueID: uniqueIDs[i], CoworkerID: r.coworker, CoworkerFullName: r.name,
			BusinessID: r.business, BusinessName: r.bname, CheckinAttemptTime: at, Source: r.source,
			MacAddresses: r.mac, Teams: r.teams, Tariff: r.tariff, Description: r.description,
			// A wall clock one hour ahead of UTC, as at a European location.
			CheckinAttemptTimeLocal: at.Add(time.Hour),
			CreatedOn:               at.Add(time.Duration(i%3) * time.Second),
			UpdatedOn:               at.Add(time.Duration(i%3) * time.Second),
			UpdatedBy:               r.updatedBy, SystemID: r.systemID, Reason: r.reason,
		}
	}
	return records
}

var uniqueIDs = []string{
	"0b6d1a5e-6f0e-4c1a-9d3b-6a1f0e2d3c41", "1c7e2b6f-7a1f-4d2b-8e4c-7b2a1f3e4d52",
	"2d8f3c7a-8b2a-4e3c-9f5d-8c3b2a4f5e63", "3e9a4d8b-9c3b-4f4d-8a6e-9d4c3b5a6f74",
	"4fab5e9c-ad4c-4a5e-9b7f-ae5d4c6b7a85", "5abc6fad-be5d-4b6f-8c8a-bf6e5d7c8b96",
	"6bcd7abe-cf6e-4c7a-9d9b-ca7f6e8d9ca7", "7cde8bcf-da7f-4d8b-8eac-db8a7f9eadb8",
}
