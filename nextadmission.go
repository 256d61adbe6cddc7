package failedcheckins

import (
	"slices"
	"time"
)

// NextAdmissionHorizon is how far after the judged FromTime NextAdmission
// looks (docs/checkins.md#would-they-get-in).
const NextAdmissionHorizon = 31 * 24 * time.Hour

// timeless are the rules whose outcome does not depend on when the attempt
// happens: when one of them fails, waiting never helps.
var timeless = map[string]bool{
	ReasonUnrecognisedDevice: true, ReasonUnknownCoworker: true, ReasonAccountInactive: true,
	ReasonAccountSuspended: true, ReasonNoActivePlan: true, ReasonLocationNotAllowed: true, ReasonUnpaidInvoices: true,
}

// nextAdmission finds the first instant t, FromTime <= t <= FromTime +
// NextAdmissionHorizon, at which the rules (judge, the very ones the
// pipeline applies) admit the same identity at the same location, with
// the directory and the stored check-ins as they are; nil when there is
// none.
//
// The rules read an instant only through its local wall clock at the
// location, to the minute: the local date (plan start and end), the
// weekday and minute of the day (access hours) and the local month (the
// monthly count). So whether an instant is admitted can change from
// "no" to "yes" only
//   - where the wall clock jumps (a daylight-saving transition, found
//     exactly with Time.ZoneBounds), or
//   - where, between jumps, the wall clock reaches a window's From or
//     local midnight (a new date, weekday or month; the second half of a
//     window that spans midnight).
//
// Judging FromTime and every such instant in order, and stopping at the
// first admitted, is therefore exact, in gaps (a From that does not exist
// that day is reached at the jump after it) and overlaps (a wall-clock
// time that happens twice is tried twice) alike. TestNextAdmissionBruteForce
// checks it against judging every minute.
func nextAdmission(j *judgement, outs *[len(rules)]outcome) (*time.Time, error) {
	if j.v.Accepted() {
		t := j.a.FromTime
		return &t, nil
	}
	for i, code := range rules {
		if outs[i] != passed && timeless[code] {
			return nil, nil
		}
	}
	minutes := []int{0}
	for _, w := range j.v.Tariff.AccessHours {
		minutes = append(minutes, w.From)
	}
	slices.Sort(minutes)
	minutes = slices.Compact(minutes)

	loc := j.v.Business.Location()
	limit := j.a.FromTime.Add(NextAdmissionHorizon)
	try := func(t time.Time) (bool, error) {
		a := *j.a
		a.FromTime = t
		var k judgement
		err := judge(&k, j.d, &a, j.count, nil)
		return err == nil && k.v.Accepted(), err
	}
	for start := j.a.FromTime; !start.After(limit); {
		if ok, err := try(start); ok || err != nil {
			return &start, err
		}
		local := start.In(loc)
		_, end := local.ZoneBounds()
		if end.IsZero() || end.After(limit) {
			end = limit.Add(time.Second) // the segment runs past the horizon
		}
		_, offset := local.Zone()
		shift := time.Duration(offset) * time.Second
		from, until := WallClock(local), end.Add(shift).UTC() // the segment's wall clock, [from, until)
		for day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC); day.Before(until); day = day.AddDate(0, 0, 1) {
			for _, m := range minutes {
				w := day.Add(time.Duration(m) * time.Minute)
				if !w.After(from) || !w.Before(until) {
					continue
				}
				t := w.Add(-shift)
				if t.After(limit) {
					return nil, nil
				}
				if ok, err := try(t); ok || err != nil {
					return &t, err
				}
			}
		}
		start = end
	}
	return nil, nil
}
