package sqlite

import (
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// kind is what a column holds, which decides the conditions it accepts.
type kind int

const (
	kindInt      kind = iota // INTEGER NOT NULL
	kindNullInt              // INTEGER, NULL allowed
	kindText                 // TEXT NOT NULL with a folded copy
	kindNullText             // TEXT, NULL allowed, with a folded copy ('' for NULL)
	kindTime                 // INTEGER Unix seconds
	kindFalse                // no column: IsNew is always false
)

// column is where a field lives in failed_checkins.
type column struct {
	name string // raw column (or constant expression for kindFalse)
	fold string // folded copy, for text kinds
	kind kind
}

// columns is THE whitelist: the only way a Field reaches SQL. A field that
// is not here is an error, never interpolated.
var columns = map[fc.Field]column{
	fc.FieldID:                      {name: "id", kind: kindInt},
	fc.FieldUniqueID:                {name: "unique_id", fold: "unique_id", kind: kindText},
	fc.FieldCoworkerID:              {name: "coworker_id", kind: kindNullInt},
	fc.FieldCoworkerFullName:        {name: "coworker_full_name", fold: "coworker_full_name_fold", kind: kindText},
	fc.FieldBusinessID:              {name: "business_id", kind: kindInt},
	fc.FieldBusinessName:            {name: "business_name", fold: "business_name_fold", kind: kindText},
	fc.FieldCheckinAttemptTime:      {name: "checkin_attempt_time", kind: kindTime},
	fc.FieldSource:                  {name: "source", kind: kindInt},
	fc.FieldMacAddresses:            {name: "mac_addresses", fold: "mac_addresses_fold", kind: kindText},
	fc.FieldTeams:                   {name: "teams", fold: "teams_fold", kind: kindText},
	fc.FieldTariff:                  {name: "tariff", fold: "tariff_fold", kind: kindText},
	fc.FieldDescription:             {name: "description", fold: "description_fold", kind: kindText},
	fc.FieldCheckinAttemptTimeLocal: {name: "checkin_attempt_time_local", kind: kindTime},
	fc.FieldCreatedOn:               {name: "created_on", kind: kindTime},
	fc.FieldUpdatedOn:               {name: "updated_on", kind: kindTime},
	fc.FieldUpdatedBy:               {name: "updated_by", fold: "updated_by_fold", kind: kindNullText},
	fc.FieldIsNew:                   {name: "0", kind: kindFalse},
	fc.FieldSystemID:                {name: "system_id", fold: "system_id_fold", kind: kindNullText},
	fc.FieldReason:                  {name: "reason", fold: "reason_fold", kind: kindNullText},
}

// selectColumns are read by scanRecord, in this order.
const selectColumns = `id, unique_id, coworker_id, coworker_full_name, business_id, business_name,
	checkin_attempt_time, source, mac_addresses, teams, tariff, description,
	checkin_attempt_time_local, created_on, updated_on, updated_by, system_id, reason`

// findSQL is a search as SQL: the count and the page share the WHERE
// clause and its arguments; the page adds LIMIT and OFFSET.
type findSQL struct {
	count string
	page  string
	args  []any
}

// buildFind turns q into SQL. The scope is applied here, inside the query;
// the caller handles the empty scope (which must not query at all).
func buildFind(q fc.Query) (findSQL, error) {
	where, args, err := buildWhere(q)
	if err != nil {
		return findSQL{}, err
	}
	order, err := buildOrder(q.OrderBy, q.Descending)
	if err != nil {
		return findSQL{}, err
	}
	return findSQL{
		count: "SELECT count(*) FROM failed_checkins" + where,
		page:  "SELECT " + selectColumns + " FROM failed_checkins" + where + order + " LIMIT ? OFFSET ?",
		args:  args,
	}, nil
}

// buildWhere returns " WHERE ..." (or "") and its arguments.
func buildWhere(q fc.Query) (string, []any, error) {
	var terms []string
	var args []any
	if !q.Scope.All() {
		ids := q.Scope.Businesses()
		terms = append(terms, "business_id IN ("+placeholders(len(ids))+")")
		for _, id := range ids {
			args = append(args, id)
		}
	}
	for _, c := range q.Conditions {
		term, cargs, err := buildCondition(c)
		if err != nil {
			return "", nil, err
		}
		terms = append(terms, term)
		args = append(args, cargs...)
	}
	if len(terms) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(terms, " AND "), args, nil
}

// buildOrder sorts by the field (its folded copy for text), then by id in
// the same direction. SQLite puts NULL first in ascending order and last
// in descending order, which is the rule for CoworkerId.
func buildOrder(f fc.Field, desc bool) (string, error) {
	col, ok := columns[f]
	if !ok {
		return "", unknownField(f)
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	switch col.kind {
	case kindFalse: // a constant: only the tie-break is left
		return " ORDER BY id" + dir, nil
	case kindText, kindNullText:
		return " ORDER BY " + col.fold + dir + ", id" + dir, nil
	}
	if col.name == "id" {
		return " ORDER BY id" + dir, nil
	}
	return " ORDER BY " + col.name + dir + ", id" + dir, nil
}

func unknownField(f fc.Field) error {
	return fc.Errorf(fc.ErrInvalid, "unknown field %q", f)
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// ceilUnix returns t in whole Unix seconds, rounded up: records hold whole
// seconds, so "r >= From" is "r >= ceil(From)" and "r < Until" is
// "r < ceil(Until)".
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func mismatch(c fc.Condition) error {
	return fc.Errorf(fc.ErrInvalid, "field %q does not support this kind of filter", c.Field)
}
