package failedcheckins

import (
	"cmp"
	"context"
	"iter"
	"slices"
	"strings"
	"time"
)

// StatsGroupBy names what a statistic groups FailedCheckin records by.
type StatsGroupBy string

// The groupings of GET /api/spaces/failedcheckins/stats. Day and Hour read
// CheckinAttemptTimeLocal, the wall clock at the location, so a day is the
// location's own day and never a UTC one.
const (
	GroupByReason   StatsGroupBy = "Reason"     // the reason code as stored; null is its own group
	GroupByBusiness StatsGroupBy = "BusinessId" // the location
	GroupBySource   StatsGroupBy = "Source"     // the Source number
	GroupByDay      StatsGroupBy = "Day"        // the local date, "2006-01-02"
	GroupByHour     StatsGroupBy = "Hour"       // the local hour of the day, 0 to 23
	GroupByCoworker StatsGroupBy = "CoworkerId" // the coworker; null is its own group
	GroupByResolved StatsGroupBy = "Resolved"   // 1 when ResolvedByCheckinId is set, 0 otherwise
)

// MaxStatsGroupBy is how many groupings one statistic may combine (two:
// "failures per day by reason" is a Day,Reason statistic).
const MaxStatsGroupBy = 2

// StatsGroupings lists every grouping, in the order of the API docs.
func StatsGroupings() []StatsGroupBy {
	return []StatsGroupBy{GroupByReason, GroupByBusiness, GroupBySource, GroupByDay, GroupByHour, GroupByCoworker, GroupByResolved}
}

// ParseStatsGroupBy finds a grouping by name, case-insensitively.
func ParseStatsGroupBy(s string) (StatsGroupBy, bool) {
	for _, g := range StatsGroupings() {
		if Fold(string(g)) == Fold(s) {
			return g, true
		}
	}
	return "", false
}

// StatsQuery asks for the number of records per group among those that
// Scope and Conditions select (the same selection as a Query's).
type StatsQuery struct {
	// Scope restricts the records to the caller's locations. The zero
	// Scope sees nothing.
	Scope      Scope
	Conditions []Condition
	// GroupBy holds one to MaxStatsGroupBy distinct groupings.
	GroupBy []StatsGroupBy
	// Order is the order of the answer's groups; the zero value is by key.
	Order StatsOrder
	// Limit, when 1 to MaxStatsGroups, keeps only the first Limit groups
	// in Order and is never refused for having too many: "the ten
	// coworkers with the most failures" of a selection with any number of
	// coworkers. The store does the cut (a LIMIT in its statement), so a
	// selection of millions of groups costs one pass, not one group each
	// in memory. 0 means every group, refused beyond MaxStatsGroups.
	Limit int
}

// StatsOrder is the order of a statistic's groups.
type StatsOrder int

// The orders of a statistic's groups. Keys compare as CompareStatsKeys
// says (null first, numbers, then text byte by byte) on every store.
const (
	StatsByKey     StatsOrder = iota // keys ascending (the default)
	StatsByKeyDesc                   // keys descending: the latest days first
	StatsByCount                     // the largest groups first, ties by keys ascending
)

// CompareStatsGroups orders groups as order says.
func CompareStatsGroups(order StatsOrder, a, b StatsGroup) int {
	switch order {
	case StatsByKeyDesc:
		return CompareStatsKeys(b.Keys, a.Keys)
	case StatsByCount:
		return cmp.Or(cmp.Compare(b.Count, a.Count), CompareStatsKeys(a.Keys, b.Keys))
	}
	return CompareStatsKeys(a.Keys, b.Keys)
}

// MaxStatsGroups bounds the groups of one statistic: an answer is held in
// memory whole (and sent as one JSON document), and groupBy=CoworkerId,Day
// over millions of records would otherwise make hundreds of thousands.
// A larger answer is refused (TooManyStatsGroups) rather than truncated,
// so every answer stays exact.
const MaxStatsGroups = 10_000

// TooManyStatsGroups is the ErrInvalid error of a statistic that would
// have more than MaxStatsGroups groups.
func TooManyStatsGroups() error {
	return Errorf(ErrInvalid, "too many groups (more than %d): narrow the filter or group by fewer fields", MaxStatsGroups)
}

// Validate returns an ErrInvalid error unless GroupBy holds one to
// MaxStatsGroupBy distinct known groupings, Order is known and Limit is 0
// to MaxStatsGroups.
func (q StatsQuery) Validate() error {
	if q.Limit < 0 || q.Limit > MaxStatsGroups {
		return Errorf(ErrInvalid, "limit: must be 0 (every group) to %d", MaxStatsGroups)
	}
	if q.Order < StatsByKey || q.Order > StatsByCount {
		return Errorf(ErrInvalid, "order: unknown order %d", q.Order)
	}
	if len(q.GroupBy) < 1 || len(q.GroupBy) > MaxStatsGroupBy {
		return Errorf(ErrInvalid, "groupBy: give one or %d groupings", MaxStatsGroupBy)
	}
	for i, g := range q.GroupBy {
		if !slices.Contains(StatsGroupings(), g) {
			return Errorf(ErrInvalid, "groupBy: unknown grouping %q", g)
		}
		for _, h := range q.GroupBy[:i] {
			if h == g {
				return Errorf(ErrInvalid, "groupBy: %q is given twice", g)
			}
		}
	}
	return nil
}

// StatsKey is the value of one grouping for a group of records. Which of
// its fields is set depends on the grouping: Text for Reason and Day, Int
// for BusinessId, Source, Hour and CoworkerId, and for Resolved 0 (not
// resolved) or 1 (resolved, shown as false and true); Null for a null
// Reason or CoworkerId.
type StatsKey struct {
	Null bool
	Int  int64
	Text string
}

// CompareStatsKeys orders groups as a StatsResult promises: key by key,
// null first, then by number, then by text byte by byte.
func CompareStatsKeys(a, b []StatsKey) int {
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		if x.Null != y.Null {
			if x.Null {
				return -1
			}
			return 1
		}
		if c := cmp.Or(cmp.Compare(x.Int, y.Int), strings.Compare(x.Text, y.Text)); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// StatsGroup is one group of a statistic: its keys (one per grouping, in
// the query's order), a label per key and the exact number of records.
type StatsGroup struct {
	Keys []StatsKey
	// Labels name the keys for people: the greatest (byte-wise)
	// BusinessName of the group for BusinessId, the greatest
	// CoworkerFullName for CoworkerId, "" for the other groupings.
	Labels []string
	Count  int64
}

// StatsResult is a statistic: its groups in the query's Order (by their
// keys unless asked otherwise: ascending, null first, then by the second
// key), the total of all counts and the number of groups.
type StatsResult struct {
	GroupBy []StatsGroupBy
	Groups  []StatsGroup
	// Total is the number of records selected, of every group: with a
	// Limit it also counts those of the groups left out.
	Total int64
	// GroupCount is the number of groups in all: len(Groups), or more
	// when a Limit left some out ("top 10 of GroupCount").
	GroupCount int64
}

// FailedCheckinReportStore reads FailedCheckin records in bulk, for the
// export and the statistics. Like every read, both apply the caller's
// Scope inside the query; an empty scope yields nothing.
type FailedCheckinReportStore interface {
	// ExportFailedCheckins yields every record q selects, in q's order,
	// ignoring q.Page and q.Size. Records are read as they are yielded,
	// so memory does not grow with their number; the sequence yields an
	// error (and stops) when reading fails.
	ExportFailedCheckins(ctx context.Context, q Query) iter.Seq2[*FailedCheckin, error]

	// CountFailedCheckins returns the exact number of records per group.
	// A query that fails Validate is an ErrInvalid error.
	CountFailedCheckins(ctx context.Context, q StatsQuery) (*StatsResult, error)
}

// Export limits. An export streams from one database snapshot, holding a
// pooled connection (and, on SQLite, one of a few readers that sign-in
// also needs) until the client has read the last record; a slow client
// must not hold it for ever, and a few must not starve everyone else.
const (
	// MaxConcurrentExports is how many exports one store runs at once;
	// one more is refused with TooManyExports.
	MaxConcurrentExports = 2
	// MaxExportsPerUser is how many of them one user (Query.Requester)
	// may run at once; one more is refused with TooManyUserExports, so
	// one person reading two exports slowly does not take every slot.
	MaxExportsPerUser = 1
	// MaxExportDuration ends an export that is still running: at the
	// slowest rate a client may read (one batch a minute) it would
	// otherwise hold its connection indefinitely.
	MaxExportDuration = 30 * time.Minute
)

// TooManyExports is the ErrTooMany error of an export refused because
// MaxConcurrentExports are already running.
func TooManyExports() error {
	return Errorf(ErrTooMany, "%d exports are already running", MaxConcurrentExports)
}

// TooManyUserExports is the ErrTooMany error of an export refused because
// its requester already runs MaxExportsPerUser.
func TooManyUserExports() error {
	return Errorf(ErrTooMany, "you already run %d export at a time, the most one user may; let it finish", MaxExportsPerUser)
}
