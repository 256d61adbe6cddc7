package console

import (
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestDayChartStacksAddUp: every day's stacked bar adds up to the day's
// exact total, with a reason literally called "Other" among the top ones
// (it was counted twice, once as itself and once as the rest) and with
// records the day-by-reason statistic left unsplit (drawn as Other).
func TestDayChartStacksAddUp(t *testing.T) {
	day := func(d string, n int64) fc.StatsGroup {
		return fc.StatsGroup{Keys: []fc.StatsKey{{Text: d}}, Labels: []string{""}, Count: n}
	}
	split := func(d, reason string, n int64) fc.StatsGroup {
		return fc.StatsGroup{Keys: []fc.StatsKey{{Text: d}, {Text: reason}}, Labels: []string{"", ""}, Count: n}
	}
	days := &fc.StatsResult{Groups: []fc.StatsGroup{day("2026-03-02", 414), day("2026-03-01", 61)}, GroupCount: 5}
	byReason := &fc.StatsResult{}
	for i, r := range []string{"Other", "A", "B", "C", "D", "E", "F", "G", "H"} {
		byReason.Groups = append(byReason.Groups, split("2026-03-02", r, int64(50-i)))
	}
	byReason.Groups = append(byReason.Groups, split("2026-03-01", "Other", 10), split("2026-03-01", "H", 1)) // 50 unsplit
	c := dayChart(days, byReason)
	perDay := map[string]map[string]int64{}
	for _, g := range byReason.Groups {
		if perDay[g.Keys[0].Text] == nil {
			perDay[g.Keys[0].Text] = map[string]int64{}
		}
		perDay[g.Keys[0].Text][g.Keys[1].Text] += g.Count
	}
	perDay["2026-03-01"][unsplit] = 50
	totals := map[string]int64{}
	for _, g := range byReason.Groups {
		totals[g.Keys[1].Text] += g.Count
	}
	legend := topReasons(totals, len(palette)-1, true)
	for _, row := range c.Rows {
		var sum int64
		for _, r := range legend {
			sum += countFor(perDay[row.Label], r, legend)
		}
		if sum != row.Count {
			t.Errorf("day %s: the stack adds up to %d; want its total %d (legend %q)", row.Label, sum, row.Count, legend)
		}
	}
	if len(c.Rows) != 2 || c.Rows[0].Label != "2026-03-01" || c.Note != "The latest 2 of 5 days with failures" {
		t.Errorf("dayChart rows %v note %q; want the two days oldest first and a note of 2 of 5", c.Rows, c.Note)
	}
}
