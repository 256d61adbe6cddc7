package console

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// chart is one SVG chart of the selection, with the numbers it draws as a
// table for screen readers and for anyone who wants the exact figures.
type chart struct {
	ID, Title string
	// Note says what the chart leaves out ("Top 10 of 7,702 coworkers"),
	// or is empty when it shows everything.
	Note string
	SVG  template.HTML
	Rows []chartRow
}

type chartRow struct {
	Label string
	Count int64
}

// palette is the Okabe-Ito set, distinguishable with colour blindness.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"}

// topN is how many bars a ranking chart shows.
const topN = 10

// chartDays is how many days the per-day chart shows at most: the latest
// ones of the selection. More would not be readable in its width, and
// days times reasons must stay within what one statistic may answer.
const chartDays = 366

// charts computes the four charts of the selection q with the store's
// exact statistics (the same scope and conditions as the table). Each
// asks the store only for what it draws (the top groups by count, the
// latest days), so no selection is too large to chart: a statistic of
// every group is refused beyond fc.MaxStatsGroups, which made the page a
// 500 for a selection of more than 10,000 coworkers (issue 18).
// A coworker's label is their name, which caller may see masked.
func (c *Console) charts(r *http.Request, q fc.Query, caller *fc.Caller) ([]chart, error) {
	stats := func(conds []fc.Condition, order fc.StatsOrder, limit int, g ...fc.StatsGroupBy) (*fc.StatsResult, error) {
		return c.cfg.Store.CountFailedCheckins(r.Context(),
			fc.StatsQuery{Scope: q.Scope, Conditions: conds, GroupBy: g, Order: order, Limit: limit})
	}
	days, err := stats(q.Conditions, fc.StatsByKeyDesc, chartDays, fc.GroupByDay)
	if err != nil {
		return nil, err
	}
	conds := q.Conditions
	if n := len(days.Groups); n > 0 && days.GroupCount > int64(n) {
		// Only the days shown: from the oldest of them on (local time).
		first, err := time.Parse(time.DateOnly, days.Groups[n-1].Keys[0].Text)
		if err != nil {
			return nil, fmt.Errorf("console: day key %q: %w", days.Groups[n-1].Keys[0].Text, err)
		}
		conds = append(slices.Clip(conds), fc.Condition{Field: fc.FieldCheckinAttemptTimeLocal, Match: fc.MatchTimeRange, From: first})
	}
	byReason, err := stats(conds, fc.StatsByKeyDesc, fc.MaxStatsGroups, fc.GroupByDay, fc.GroupByReason)
	if err != nil {
		return nil, err
	}
	out := []chart{dayChart(days, byReason)}
	for _, spec := range []struct {
		id, title, noun string
		g               fc.StatsGroupBy
	}{
		{"locations", "Top locations", "locations", fc.GroupByBusiness},
		{"reasons", "Reasons", "reasons", fc.GroupByReason},
		{"coworkers", "Top coworkers", "coworkers", fc.GroupByCoworker},
	} {
		res, err := stats(q.Conditions, fc.StatsByCount, topN, spec.g)
		if err != nil {
			return nil, err
		}
		if spec.g == fc.GroupByCoworker {
			for _, g := range res.Groups {
				g.Labels[0] = caller.MaskName(g.Labels[0])
			}
		}
		out = append(out, rankChart(spec.id, spec.title, spec.noun, res))
	}
	return out, nil
}

// keyLabel names a group's key for people.
func keyLabel(g fc.StatsGroupBy, k fc.StatsKey, label string) string {
	switch {
	case g == fc.GroupByReason && k.Null:
		return "(no reason)"
	case g == fc.GroupByCoworker && k.Null:
		return "(unknown coworker)"
	case g == fc.GroupByBusiness || g == fc.GroupByCoworker:
		return label + " (" + strconv.FormatInt(k.Int, 10) + ")"
	case g == fc.GroupBySource:
		return fc.Source(k.Int).String()
	case k.Text != "":
		return k.Text
	}
	return strconv.FormatInt(k.Int, 10)
}

// rankChart draws the largest groups as horizontal bars; res holds the
// top groups by count, and its GroupCount says how many there are in all.
func rankChart(id, title, noun string, res *fc.StatsResult) chart {
	rows := make([]chartRow, 0, len(res.Groups))
	for _, g := range res.Groups {
		rows = append(rows, chartRow{Label: keyLabel(res.GroupBy[0], g.Keys[0], g.Labels[0]), Count: g.Count})
	}
	slices.SortStableFunc(rows, func(a, b chartRow) int { return cmp.Compare(b.Count, a.Count) })
	rows = rows[:min(len(rows), topN)]
	var note string
	if res.GroupCount > int64(len(rows)) {
		note = fmt.Sprintf("Top %d of %s %s", len(rows), thousands(res.GroupCount), noun)
	}
	const width, labelW, barH = 640, 230, 22
	height := max(len(rows), 1)*barH + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-title" class="chart">`, width, height, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, id, esc(title))
	if len(rows) == 0 {
		b.WriteString(`<text x="0" y="18" class="empty">No records</text>`)
	}
	top := int64(1)
	if len(rows) > 0 {
		top = max(rows[0].Count, 1)
	}
	for i, row := range rows {
		y := 4 + i*barH
		w := int(float64(width-labelW-60) * float64(row.Count) / float64(top))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" class="label">%s</text>`, labelW-6, y+15, esc(truncate(row.Label, 32)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %d</title></rect>`,
			labelW, y+2, max(w, 1), barH-6, palette[0], esc(row.Label), row.Count)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="value">%d</text>`, labelW+max(w, 1)+4, y+15, row.Count)
	}
	b.WriteString(`</svg>`)
	return chart{ID: id, Title: title, Note: note, SVG: template.HTML(b.String()), Rows: rows}
}

// unsplit is the per-day entry of the records whose reason the day-by-
// reason statistic left out (it keeps the latest fc.MaxStatsGroups
// day-reason groups, so only a selection of very many distinct reasons
// loses any): they are drawn as "Other", never dropped. It cannot clash
// with a reason, whose labels never hold a NUL.
const unsplit = "\x00unsplit"

// otherReasons is the legend entry of the reasons without a colour of
// their own, shown as "Other". It is a key no reason can have, so a
// reason literally called "Other" keeps its own entry and is not counted
// twice.
const otherReasons = "\x00other"

// legendLabel is how a legend entry reads.
func legendLabel(reason string) string {
	if reason == otherReasons {
		return "Other"
	}
	return reason
}

// dayChart draws failures per local day, stacked by reason: the seven
// most frequent reasons get their own colour, the rest share "Other".
// days holds the latest days (newest first) with their exact totals,
// byReason the same days split by reason.
func dayChart(days, byReason *fc.StatsResult) chart {
	dayList := make([]string, 0, len(days.Groups))
	dayTotal := map[string]int64{}
	for _, g := range slices.Backward(days.Groups) {
		dayList = append(dayList, g.Keys[0].Text)
		dayTotal[g.Keys[0].Text] = g.Count
	}
	perDay := map[string]map[string]int64{}
	totals := map[string]int64{}
	for _, g := range byReason.Groups {
		day, reason := g.Keys[0].Text, keyLabel(fc.GroupByReason, g.Keys[1], "")
		if _, shown := dayTotal[day]; !shown {
			continue
		}
		if perDay[day] == nil {
			perDay[day] = map[string]int64{}
		}
		perDay[day][reason] += g.Count
		totals[reason] += g.Count
	}
	rest := false
	rows := make([]chartRow, 0, len(dayList))
	var dayMax int64 = 1
	for _, d := range dayList {
		var split int64
		for _, c := range perDay[d] {
			split += c
		}
		if n := dayTotal[d] - split; n > 0 {
			if perDay[d] == nil {
				perDay[d] = map[string]int64{}
			}
			perDay[d][unsplit], rest = n, true
		}
		rows = append(rows, chartRow{Label: d, Count: dayTotal[d]})
		dayMax = max(dayMax, dayTotal[d])
	}
	reasons := topReasons(totals, len(palette)-1, rest)
	var note string
	if days.GroupCount > int64(len(dayList)) {
		note = fmt.Sprintf("The latest %d of %s days with failures", len(dayList), thousands(days.GroupCount))
	}
	return chart{ID: "days", Title: "Failures per day (location time), by reason", Note: note,
		SVG: template.HTML(drawStacked(dayList, perDay, reasons, dayMax)), Rows: rows}
}

// topReasons returns the n most frequent reasons (ties by name), and
// "Other" when there are more or when some records have no reason split
// out (rest).
func topReasons(totals map[string]int64, n int, rest bool) []string {
	var rs []string
	for r := range totals {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b string) int { return cmp.Or(cmp.Compare(totals[b], totals[a]), strings.Compare(a, b)) })
	if len(rs) > n || rest {
		rs = append(rs[:min(len(rs), n)], otherReasons)
	}
	return rs
}

// drawStacked writes the SVG of the per-day chart with a legend.
func drawStacked(days []string, perDay map[string]map[string]int64, reasons []string, dayMax int64) string {
	const width, height, left, bottom, top = 720, 260, 44, 40, 10
	plotW, plotH := float64(width-left-8), float64(height-top-bottom)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="days-title" class="chart">`, width, height+20*((len(reasons)+3)/4))
	b.WriteString(`<title id="days-title">Failures per day (location time), by reason</title>`)
	for i := 0; i <= 4; i++ { // gridlines and their values
		y := float64(top) + plotH*float64(4-i)/4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>`, left, width-8, y, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" class="axis">%d</text>`, left-4, y+4, dayMax*int64(i)/4)
	}
	if len(days) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="empty">No records</text>`, left+8, top+20)
	}
	slot := plotW / float64(max(len(days), 1))
	every := max(1, (len(days)+7)/8)
	for i, d := range days {
		x, y := float64(left)+slot*float64(i), float64(top)+plotH
		for j, reason := range reasons {
			n := countFor(perDay[d], reason, reasons)
			if n == 0 {
				continue
			}
			h := plotH * float64(n) / float64(dayMax)
			y -= h
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s: %d</title></rect>`,
				x+slot*0.1, y, slot*0.8, h, palette[j%len(palette)], esc(d), esc(legendLabel(reason)), n)
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" class="axis">%s</text>`, x+slot/2, height-bottom+16, esc(d))
		}
	}
	for j, reason := range reasons { // the legend, four to a row
		x, y := left+(j%4)*170, height+(j/4)*20
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" class="label">%s</text>`,
			x, y-10, palette[j%len(palette)], x+16, y, esc(truncate(legendLabel(reason), 22)))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// countFor is the day's count for a legend entry; otherReasons sums the
// reasons without an entry of their own (and the unsplit rest).
func countFor(day map[string]int64, reason string, legend []string) int64 {
	if reason != otherReasons {
		return day[reason]
	}
	var n int64
	for r, c := range day {
		if !slices.Contains(legend, r) {
			n += c
		}
	}
	return n
}

func esc(s string) string { return html.EscapeString(s) }

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
