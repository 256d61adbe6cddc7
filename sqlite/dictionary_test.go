package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// trickyNames are names whose folded copies differ from them in length or
// share one between two raw names, hold multi-byte characters, or are too
// short to have a trigram.
var trickyNames = []string{
	"Emma Smith", "EMMA SMITH", "Noah Smithson", "Zoë Müller", "ZOË MÜLLER", "Straße Weiß", "ǅemal Đurić",
	"日本 花子", "Smile 😀 Face", "O'Neil", "Ab", "X", "Smi", "Keith Griffith",
}

// trickyRecords returns n generated records whose names cycle through
// trickyNames.
func trickyRecords(n int) []*fc.FailedCheckin {
	var rs []*fc.FailedCheckin
	for r := range generated(n) {
		r.CoworkerFullName = trickyNames[len(rs)%len(trickyNames)]
		rs = append(rs, r)
	}
	return rs
}

// checkNameTrigrams compares fc_name_trigram with the three-byte pieces of
// every folded name of fc_count_name, computed here.
func checkNameTrigrams(t *testing.T, db *DB) {
	t.Helper()
	var want []string
	for _, row := range readPairs(t, db, "SELECT coworker_full_name, coworker_full_name_fold FROM fc_count_name") {
		seen := map[string]bool{}
		for i := 0; i+3 <= len(row[1]); i++ {
			if tri := row[1][i : i+3]; !seen[tri] {
				seen[tri] = true
				want = append(want, fmt.Sprintf("%x %s", tri, row[0]))
			}
		}
	}
	var got []string
	for _, row := range readPairs(t, db, "SELECT hex(trigram), coworker_full_name FROM fc_name_trigram") {
		got = append(got, strings.ToLower(row[0])+" "+row[1])
	}
	sameRows(t, "fc_name_trigram", got, "the names", want)
}

// checkMacGrams compares fc_mac_list with the lists of fc_count_mac and
// fc_mac_gram with the four-byte pieces of every folded list, computed
// here (migration 0024).
func checkMacGrams(t testing.TB, db *DB) {
	t.Helper()
	var want, got []string
	for _, row := range readPairs(t, db, "SELECT mac_addresses, mac_addresses_fold FROM fc_count_mac") {
		want = append(want, row[0]+" "+row[1])
	}
	for _, row := range readPairs(t, db, "SELECT mac_addresses, mac_addresses_fold FROM fc_mac_list") {
		got = append(got, row[0]+" "+row[1])
	}
	sameRows(t, "fc_mac_list", got, "fc_count_mac", want)
	want, got = nil, nil
	for _, row := range readPairs(t, db, "SELECT mac_addresses, mac_addresses_fold FROM fc_mac_list") {
		seen := map[string]bool{}
		for i := 0; i+4 <= len(row[1]); i++ {
			if g := row[1][i : i+4]; !seen[g] {
				seen[g] = true
				want = append(want, fmt.Sprintf("%x %s", g, row[0]))
			}
		}
	}
	for _, row := range readPairs(t, db, "SELECT hex(g.gram), l.mac_addresses FROM fc_mac_gram AS g LEFT JOIN fc_mac_list AS l USING (id)") {
		got = append(got, strings.ToLower(row[0])+" "+row[1])
	}
	sameRows(t, "fc_mac_gram", got, "the lists", want)
}

// sameRows reports an error unless got (the rows of table) and want (the
// rows computed from source) hold the same rows in any order.
func sameRows(t testing.TB, table string, got []string, source string, want []string) {
	t.Helper()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s holds %d rows %.300v; %s give %d rows %.300v", table, len(got), got, source, len(want), want)
	}
}

func readPairs(t testing.TB, db *DB, query string) [][2]string {
	t.Helper()
	rows, err := db.writer.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{a, b})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNameTrigramsAfterWrites: imports in several transactions and a
// rolled-back one leave fc_name_trigram equal to the trigrams of the
// names, and the description rollup equal to the records.
func TestNameTrigramsAfterWrites(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rs := trickyRecords(600)
	if _, err := db.CreateFailedCheckins(ctx, storetestRecords(rs[:5])); err != nil {
		t.Fatal(err)
	}
	checkNameTrigrams(t, db)
	bad := append(slices.Clone(rs[300:]), rs[0]) // a duplicate Id: the whole import rolls back
	bad[0].CoworkerFullName = "Rolled Back"
	if _, err := db.CreateFailedCheckins(ctx, storetestRecords(bad)); fc.ErrorCode(err) != fc.ErrConflict {
		t.Fatalf("duplicate import error = %v; want ErrConflict", err)
	}
	checkNameTrigrams(t, db)
	bad[0].CoworkerFullName = trickyNames[0]
	for _, part := range [][]*fc.FailedCheckin{rs[5:300], rs[300:]} {
		if _, err := db.CreateFailedCheckins(ctx, storetestRecords(part)); err != nil {
			t.Fatal(err)
		}
	}
	checkNameTrigrams(t, db)
	checkRollups(t, db)
}

// TestSubstringSearchesExact compares the total and the page of every
// substring of every name (and some descriptions), in upper and lower
// case, alone, within a scope and with other filters, with the reference
// search: the trigram and dictionary plans must find exactly the same
// records.
func TestSubstringSearchesExact(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rs := trickyRecords(700)
	if _, err := db.CreateFailedCheckins(ctx, storetestRecords(rs)); err != nil {
		t.Fatal(err)
	}
	needles := map[string]bool{"": true, "zzz": true, "smith": true, "SMITH": true, "ss": true, "sse": true, "strasse": true}
	for _, name := range append(slices.Clone(trickyNames), "Plan expired", "No plan", "Door controller offline") {
		r := []rune(name)
		for i := range r {
			for j := i + 1; j <= len(r) && j <= i+6; j++ {
				needles[string(r[i:j])] = true
				needles[strings.ToUpper(string(r[i:j]))] = true
			}
		}
	}
	at := fc.FieldCheckinAttemptTime
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for needle := range needles {
		for i, q := range []fc.Query{
			{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, needle)}},
			{Scope: fc.BusinessScope(1001, 1002), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, needle)}},
			{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldDescription, needle)}},
			{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 1001), fc.In(fc.FieldSource, 1, 2),
				fc.Contains(fc.FieldDescription, needle), fc.TimeRange(at, from, time.Time{})}},
			{Scope: fc.BusinessScope(1001), Conditions: []fc.Condition{fc.In(fc.FieldSource, 2, 3),
				fc.Contains(fc.FieldDescription, needle), fc.TimeRange(at, from.Add(5*time.Hour), from.AddDate(0, 2, 0))}},
		} {
			q.OrderBy, q.Descending, q.Size, q.Page = at, true, 10, 1+int64(i%2)
			got, err := db.FindFailedCheckins(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := pageIDs(got), pageIDs(storetest.Search(rs, q)); g != w {
				t.Fatalf("needle %q, query %d: %s; want %s", needle, i, g, w)
			}
			n++
		}
	}
	t.Logf("%d searches", n)
}
