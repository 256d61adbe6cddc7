package api

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/postgres"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/sqlite"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// evalAuth: "admin" is a full administrator, "eval" holds Checkin-Evaluate
// everywhere, "eval1" at location 1 only, "door" only Checkin-Create,
// "lister" and "reader" one FailedCheckin role each, "norole" nothing.
type evalAuth struct{}

func (evalAuth) Authenticate(r *http.Request) (*fc.Caller, error) {
	switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
	case "":
		return nil, nil
	case "admin":
		return &fc.Caller{UserID: 1, Admin: true, Scope: fc.AllBusinesses()}, nil
	case "eval":
		return &fc.Caller{UserID: 2, Roles: []string{"checkin-evaluate"}, Scope: fc.AllBusinesses()}, nil
	case "eval1":
		return &fc.Caller{UserID: 3, Roles: []string{fc.RoleCheckinEvaluate}, Scope: fc.BusinessScope(1)}, nil
	case "door":
		return &fc.Caller{UserID: 4, Roles: []string{fc.RoleCheckinCreate}, Scope: fc.AllBusinesses()}, nil
	case "lister":
		return &fc.Caller{UserID: 5, Roles: []string{fc.RoleFailedCheckinList}, Scope: fc.BusinessScope(1001)}, nil
	case "reader":
		return &fc.Caller{UserID: 6, Roles: []string{fc.RoleFailedCheckinRead}, Scope: fc.BusinessScope(1001)}, nil
	case "norole":
		return &fc.Caller{UserID: 7, Scope: fc.AllBusinesses()}, nil
	}
	return nil, fc.Errorf(fc.ErrUnauthorized, "unknown token")
}

// evalStore is what the evaluate tests need of a backend.
type evalStore interface {
	teststore.Store
	fc.CheckinStore
	fc.DirectoryStore
	fc.AttemptStore
}

// openEvalStore opens a migrated store of the backend teststore selects
// (SQLite, or PostgreSQL with FAILEDCHECKINS_TEST_DB) and returns with it
// a function counting the rows of every table, read on a connection of
// its own.
func openEvalStore(t *testing.T) (evalStore, func() map[string]int64) {
	t.Helper()
	ctx := context.Background()
	sel := os.Getenv(teststore.EnvVar)
	if sel == "" || sel == "sqlite" {
		path := filepath.Join(t.TempDir(), "eval.db")
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db, func() map[string]int64 {
			raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			return countRows(t, func(q string) ([]string, error) { return queryStrings(raw.QueryContext(ctx, q)) },
				func(q string, n *int64) error { return raw.QueryRowContext(ctx, q).Scan(n) },
				`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
		}
	}
	dsn := pgtest.NewDatabaseAt(t, sel)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, func() map[string]int64 {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		return countRows(t, func(q string) ([]string, error) {
			rows, err := conn.Query(ctx, q)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowTo[string])
		}, func(q string, n *int64) error { return conn.QueryRow(ctx, q).Scan(n) },
			`SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`)
	}
}

func queryStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func countRows(t *testing.T, list func(string) ([]string, error), one func(string, *int64) error, tablesSQL string) map[string]int64 {
	t.Helper()
	tables, err := list(tablesSQL)
	if err != nil || len(tables) < 5 {
		t.Fatalf("list the tables = %v, %v", tables, err)
	}
	counts := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := one(`SELECT count(*) FROM "`+table+`"`, &n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// newEvalServer serves the API over a store holding the directory doc,
// with a real group-commit queue; the clock is now.
func newEvalServer(t *testing.T, doc string, now time.Time) (http.Handler, evalStore, func() map[string]int64) {
	t.Helper()
	db, rows := openEvalStore(t)
	d, err := fc.ParseDirectory(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportDirectory(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	s := New(Config{Store: db, Authenticator: evalAuth{}, Checkins: &CheckinConfig{
		Store: db, Directory: db, Attempts: q, Now: func() time.Time { return now },
	}})
	return s.Handler(), db, rows
}

func decodeEvaluation(t *testing.T, body []byte) evaluationJSON {
	t.Helper()
	var e evaluationJSON
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return e
}

// TestEvaluateEndpoint: roles, scope, bad input naming the field, and an
// answer with every check.
func TestEvaluateEndpoint(t *testing.T) {
	h, _, _ := newEvalServer(t, storetest.CheckinDirectory, checkinNow)
	tests := []struct {
		name, token, body string
		wantStatus        int
		want              string // a substring of the answer
	}{
		{"admitted", "eval", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`, 200,
			`"Admitted":true,"Reason":null,"Description":null`},
		{"refused with its checks", "eval", `{"BusinessId": 2, "Source": "DoorAccess", "AccessCardId": "04a2b3c4"}`, 200,
			`{"Rule":"LocationNotAllowed","Passed":false,"Detail":"Plan London only does not include Paris"}`},
		{"unknown coworker: no next admission", "eval1", `{"BusinessId": 1, "Source": 2, "CoworkerId": 99}`, 200,
			`"Reason":"UnknownCoworker"`},
		{"a year ahead is allowed", "eval", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2027-06-30T10:00:00Z"}`, 200,
			`"NextAdmission":"2027-06-30T10:00:00Z"`},
		{"367 days ahead", "eval", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2027-07-03T10:00:00Z"}`, 400,
			`"PropertyName":"FromTime","Message":"must not be more than 366 days in the future"`},
		{"no identity", "eval", `{"BusinessId": 1, "Source": 2}`, 400, `"PropertyName":"CoworkerId"`},
		{"bad source", "eval", `{"BusinessId": 1, "Source": "Teleport", "CoworkerId": 10}`, 400, `"PropertyName":"Source"`},
		{"bad mac", "eval", `{"BusinessId": 1, "Source": 2, "MacAddresses": "nope"}`, 400, `"PropertyName":"MacAddresses"`},
		{"not JSON", "eval", `BusinessId=1`, 400, `"PropertyName":"body"`},
		{"unknown business", "eval", `{"BusinessId": 9, "Source": 2, "CoworkerId": 10}`, 400, `"PropertyName":"BusinessId"`},
		{"other location answered as unknown", "eval1", `{"BusinessId": 2, "Source": 2, "CoworkerId": 10}`, 400,
			`"PropertyName":"BusinessId","Message":"names no business in the directory","AttemptedValue":"2"`},
		{"no credentials", "", `{}`, 401, ``},
		{"device role is not enough", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`, 403, `Checkin-Evaluate`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, h, "POST", EvaluatePath, tt.token, tt.body)
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("POST %s = %d %s; want %d containing %s", tt.body, w.Code, w.Body, tt.wantStatus, tt.want)
			}
			if w.Code == 200 {
				if e := decodeEvaluation(t, w.Body.Bytes()); len(e.Checks) != 11 {
					t.Errorf("%d checks; want 11", len(e.Checks))
				}
			}
		})
	}
	// Every other method, the ones without a pattern of their own too
	// (OPTIONS, TRACE, an unknown one): the {id} pattern's fallback used
	// to answer them with its own Allow: GET, HEAD (issue 18).
	for _, m := range []string{"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"} {
		// Not through serveChecked: the document's router takes GET
		// .../evaluate for GET .../{id}, whose answers it lists, while
		// the server answers this path's 405.
		r := httptest.NewRequest(m, EvaluatePath, nil)
		r.Header.Set("Authorization", "Bearer eval")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 405 || w.Header().Get("Allow") != "POST" {
			t.Errorf("%s %s = %d, Allow %q; want 405, POST", m, EvaluatePath, w.Code, w.Header().Get("Allow"))
		}
	}
}

// TestEvaluateMonthlyLimit: the dry run counts the check-ins stored this
// local month, at every location, and finds the reset at the next local
// month (London, BST: 2026-07-31T23:00Z).
func TestEvaluateMonthlyLimit(t *testing.T) {
	h, _, _ := newEvalServer(t, storetest.CheckinDirectory, checkinNow)
	body := `{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2026-07-01T09:00:00Z"}`
	for i := range 3 { // the limit of tariff 1 is 3; one of them at Paris
		b := strings.Replace(body, `"BusinessId": 1`, fmt.Sprintf(`"BusinessId": %d`, 1+i%2), 1)
		if w := send(t, h, "POST", "/api/spaces/checkins", "door", b); !strings.Contains(w.Body.String(), `"WasSuccessful":true`) {
			t.Fatalf("check-in %d = %s", i, w.Body)
		}
	}
	w := send(t, h, "POST", EvaluatePath, "eval1", body)
	e := decodeEvaluation(t, w.Body.Bytes())
	if e.Reason == nil || *e.Reason != fc.ReasonCheckinLimitReached || e.NextAdmission == nil || *e.NextAdmission != "2026-07-31T23:00:00Z" {
		t.Fatalf("evaluate = %s; want CheckinLimitReached, next admission 2026-07-31T23:00:00Z", w.Body)
	}
	if c := e.Checks[9]; c.Passed || c.Detail != "3 of 3 check-ins used in July 2026 (the local month, at every location)" {
		t.Errorf("the limit's check = %+v", c)
	}
	if len(e.Fixes) != 2 || !strings.HasPrefix(e.Fixes[0], "Wait until Sat 1 Aug 2026 00:00 local time") {
		t.Errorf("fixes = %q", e.Fixes)
	}
}

// randomDirectory is a directory of three locations in zones with
// daylight saving, random plans and coworkers, for agreement tests.
func randomDirectory(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString(`{"Businesses": [{"Id": 1, "Name": "London", "TimeZone": "Europe/London"},
		{"Id": 2, "Name": "New York", "TimeZone": "America/New_York"}, {"Id": 3, "Name": "Sydney", "TimeZone": "Australia/Sydney"}],
		"Tariffs": [`)
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	for i := 1; i <= 6; i++ {
		var bs, hours []string
		for id := 1; id <= 3; id++ {
			if rng.IntN(3) > 0 {
				bs = append(bs, fmt.Sprint(id))
			}
		}
		for range rng.IntN(3) {
			var ds []string
			for _, d := range days {
				if rng.IntN(2) == 0 {
					ds = append(ds, `"`+d+`"`)
				}
			}
			if len(ds) == 0 {
				ds = []string{`"Mon"`}
			}
			hm := func() string { m := rng.IntN(96) * 15; return fmt.Sprintf("%02d:%02d", m/60, m%60) }
			hours = append(hours, fmt.Sprintf(`{"Days": [%s], "From": %q, "To": %q}`, strings.Join(ds, ","), hm(), hm()))
		}
		if i > 1 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"Id": %d, "Name": "Plan %d", "Businesses": [%s], "AccessHours": [%s], "MonthlyCheckinLimit": %d}`,
			i, i, strings.Join(bs, ","), strings.Join(hours, ","), rng.IntN(4))
	}
	b.WriteString(`], "Coworkers": [`)
	for i := 1; i <= 30; i++ {
		tariff := fmt.Sprint(1 + rng.IntN(6))
		if rng.IntN(15) == 0 {
			tariff = "null"
		}
		date := func(p int) string {
			if rng.IntN(p) != 0 {
				return "null"
			}
			return `"` + time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(60)).Format(time.DateOnly) + `"`
		}
		start, end := date(3), date(3)
		if start != "null" && end != "null" && end < start {
			start, end = end, start
		}
		if i > 1 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"Id": %d, "FullName": "Coworker %d", "Active": %t, "Suspended": %t, "UnpaidInvoices": %t,
			"TariffId": %s, "PlanStart": %s, "PlanEnd": %s, "MacAddresses": ["02:00:00:00:00:%02x"], "AccessCards": ["CARD%d"]}`,
			i, i, rng.IntN(15) > 0, rng.IntN(20) == 0, rng.IntN(15) == 0, tariff, start, end, i, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// TestEvaluateAgreesWithRecording: for random attempts against a random
// directory, the dry run gives the Reason and Description that recording
// the same attempt at the same moment gives, and writes nothing: every
// table has the same rows before and after all the dry runs (both stores:
// FAILEDCHECKINS_TEST_DB selects PostgreSQL).
func TestEvaluateAgreesWithRecording(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	now := time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC)
	h, db, rows := newEvalServer(t, randomDirectory(rng), now)
	n := 1000
	if testing.Short() {
		n = 200
	}
	reasons := map[string]int{}
	for i := range n {
		at := time.Date(2026, 6, 20, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(50*24*60)) * time.Minute)
		identity := fmt.Sprintf(`"CoworkerId": %d`, 1+rng.IntN(32))
		switch rng.IntN(4) {
		case 0:
			identity = fmt.Sprintf(`"MacAddresses": "02-00-00-00-00-%02X"`, 1+rng.IntN(32))
		case 1:
			identity = fmt.Sprintf(`"AccessCardId": "card%d"`, 1+rng.IntN(32))
		}
		body := fmt.Sprintf(`{"BusinessId": %d, "Source": 2, %s, "FromTime": %q}`, 1+rng.IntN(3), identity, at.Format(time.RFC3339))

		// Counting every table is slow: every 50th dry run is checked,
		// with all rules applied as for any other.
		var before map[string]int64
		if i%50 == 0 {
			before = rows()
		}
		w := send(t, h, "POST", EvaluatePath, "eval", body)
		if w.Code != 200 {
			t.Fatalf("evaluate %s = %d %s", body, w.Code, w.Body)
		}
		if before != nil {
			if after := rows(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("evaluate %s wrote: rows before %v, after %v", body, before, after)
			}
		}
		e := decodeEvaluation(t, w.Body.Bytes())
		rec := send(t, h, "POST", "/api/spaces/checkins", "door", body)
		var out commandJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
			t.Fatalf("record %s = %d %s", body, rec.Code, rec.Body)
		}
		gotReason, gotDesc := "", ""
		if e.Reason != nil {
			gotReason, gotDesc = *e.Reason, *e.Description
		}
		wantReason, wantDesc := "", ""
		if !out.WasSuccessful {
			wantReason, wantDesc = out.Value.(map[string]any)["Reason"].(string), out.Message
		}
		if gotReason != wantReason || gotDesc != wantDesc || e.Admitted != out.WasSuccessful {
			t.Fatalf("attempt %d %s: evaluate says %q %q, recording says %q %q", i, body, gotReason, gotDesc, wantReason, wantDesc)
		}
		reasons[wantReason]++
	}
	t.Logf("verdicts of %d random attempts: %v", n, reasons)
	// The random directory must exercise the rules, or the agreement says little.
	if len(reasons) < 9 || reasons[""] == 0 || reasons[fc.ReasonCheckinLimitReached] == 0 {
		t.Errorf("verdicts of the random attempts: %v; want most reasons, acceptances and the monthly limit", reasons)
	}
	page, err := db.FindCheckins(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1})
	if err != nil || page.TotalItems != int64(reasons[""]) {
		t.Errorf("stored check-ins = %v, %v; want %d: only the recorded attempts wrote", page, err, reasons[""])
	}
}

// TestReasonsEndpoint: the catalogue, in rule order, for either
// FailedCheckin role.
func TestReasonsEndpoint(t *testing.T) {
	h, _, _ := newEvalServer(t, storetest.CheckinDirectory, checkinNow)
	for _, token := range []string{"lister", "reader", "admin"} {
		w := send(t, h, "GET", "/api/spaces/failedcheckins/reasons", token, "")
		var got []explanationJSON
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
			t.Fatalf("%s: GET reasons = %d %s", token, w.Code, w.Body)
		}
		want := fc.Reasons()
		if len(got) != len(want) {
			t.Fatalf("%d reasons; want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != *toExplanationJSON(&want[i]) {
				t.Errorf("reason %d = %+v; want %+v", i, got[i], want[i])
			}
		}
	}
	if w := send(t, h, "GET", "/api/spaces/failedcheckins/reasons", "norole", ""); w.Code != 403 ||
		!strings.Contains(w.Body.String(), "FailedCheckin-List or FailedCheckin-Read") {
		t.Errorf("without a role = %d %s; want 403", w.Code, w.Body)
	}
	if w := send(t, h, "GET", "/api/spaces/failedcheckins/reasons", "", ""); w.Code != 401 {
		t.Errorf("without credentials = %d; want 401", w.Code)
	}
}

// TestGetExplained: ?explain=true adds the record's filled explanation;
// without it the record is unchanged; a bad value is a 400 naming
// explain; scope still applies.
func TestGetExplained(t *testing.T) {
	h := newTestServer(t, nil).Handler()
	w := do(t, h, "GET", "/api/spaces/failedcheckins/1?explain=true", "lister")
	var rec struct {
		ID          int64            `json:"Id"`
		Explanation *explanationJSON `json:"Explanation"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rec); err != nil || w.Code != 200 || rec.Explanation == nil {
		t.Fatalf("GET 1?explain=true = %d %s", w.Code, w.Body)
	}
	if e := rec.Explanation; e.Code != "PlanExpired" || e.MemberMessage != "Your plan ended on 1 January 2026; ask the front desk to renew it." ||
		!strings.Contains(e.Explanation, "Hot Desk Monthly of Ana Silva ended on 1 January 2026") {
		t.Errorf("explanation = %+v", e)
	}
	plain := do(t, h, "GET", "/api/spaces/failedcheckins/1", "lister")
	if strings.Contains(plain.Body.String(), "Explanation") {
		t.Errorf("without explain = %s; want the record alone", plain.Body)
	}
	if w := do(t, h, "GET", "/api/spaces/failedcheckins/1?EXPLAIN=False", "lister"); w.Body.String() != plain.Body.String() {
		t.Errorf("explain=False = %s; want the record alone", w.Body)
	}
	// Record 3 has no Reason (imported history): Explanation is null.
	if w := do(t, h, "GET", "/api/spaces/failedcheckins/3?explain=true", "admin"); !strings.Contains(w.Body.String(), `"Explanation":null`) {
		t.Errorf("a record without reason = %s; want Explanation null", w.Body)
	}
	if w := do(t, h, "GET", "/api/spaces/failedcheckins/1?explain=yes", "lister"); w.Code != 400 || !strings.Contains(w.Body.String(), `"PropertyName":"explain"`) {
		t.Errorf("explain=yes = %d %s; want 400 naming explain", w.Code, w.Body)
	}
	if w := do(t, h, "GET", "/api/spaces/failedcheckins/3?explain=true", "lister"); w.Code != 404 {
		t.Errorf("another location's record = %d; want 404", w.Code)
	}
}
