package storetest

import (
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// RareCombinations returns 10,000 records in which each value is
// common but some pairs are rare or absent: Source Wifi (2) on the even
// ones and Kiosk (3) on the odd, the tariff "Hot Desk" on the even ones
// and on 10 odd ones (i%1000 == 1), "Private Office" on the other odd
// ones, and no coworker on the 1,000 with i%10 == 3 (all Kiosk, all
// "Private Office"): the plans of issue 17's conjunctions of fields
// each common but rare together (sqlstore's source and tariff seed, the
// stores' failed_checkins_no_coworker) are pinned on them on both stores.
func RareCombinations() []*fc.FailedCheckin {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var out []*fc.FailedCheckin
	for i := range 10000 {
		at := start.Add(time.Duration(i) * 7 * time.Minute)
		cw := int64(1000 + i%50)
		r := &fc.FailedCheckin{
			UniqueID:   fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			CoworkerID: &cw, CoworkerFullName: fmt.Sprintf("Member %02d", i%50),
			BusinessID: int64(1 + i%20), BusinessName: fmt.Sprintf("Location %02d", 1+i%20),
			CheckinAttemptTime: at, Source: fc.Source(2 + i%2), MacAddresses: fmt.Sprintf("aa:bb:%02x", i%256),
			Teams: "Team " + string(rune('A'+i%5)), Tariff: "Hot Desk", Description: "Plan expired",
			CheckinAttemptTimeLocal: at.Add(2 * time.Hour), CreatedOn: at, UpdatedOn: at,
		}
		if i%2 == 1 && i%1000 != 1 {
			r.Tariff = "Private Office"
		}
		if i%10 == 3 {
			r.CoworkerID, r.CoworkerFullName = nil, ""
		}
		out = append(out, r)
	}
	return out
}
