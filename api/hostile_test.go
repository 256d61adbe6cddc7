package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/console"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/signin"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// The hostile-input suite (issue 18): generated inputs for every endpoint
// and parameter, sent through the whole server (real sign-in, real store,
// the group-commit queue, the console) on the store FAILEDCHECKINS_TEST_DB
// selects, so CI runs it on SQLite and on PostgreSQL. Each input must get
// no 5xx; an API error must be JSON naming the parameter that was varied;
// and nothing may change in the database for an input that was refused.

// hostileStrings are text values every text input is tried with: control
// characters, broken UTF-8, overlong text, SQL and LIKE metacharacters,
// characters that fold to several, and plain values.
func hostileStrings() []string {
	return []string{
		"\x00", "a\x00b", "\x01", "\t", "a\nb", "\r", "\x1b[31m", "\x7f", "\u0085", "\u009f",
		"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		strings.Repeat("x", 3000), strings.Repeat("ΐ", 700), strings.Repeat("é", 201),
		"%", "_", `\`, "'", `"`, "' OR 1=1 --", "null", "NULL", "[]", "[", ",", " ", "😀", "\u202egnp.exe", "ﬃ", "İ",
	}
}

// hostileNumbers are values for integer, list and id inputs.
func hostileNumbers() []string {
	huge := make([]string, 1001)
	for i := range huge {
		huge[i] = strconv.Itoa(i + 1)
	}
	return []string{
		"0", "-1", "1", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
		"1e3", "1.5", "0x10", "NaN", "Infinity", "+1", "1,2,", "[1,2", "1,,2", "null,null",
		strings.Join(huge, ","), "[" + strings.Join(huge[:1000], ",") + "]", strings.Repeat("9", 500),
	}
}

// hostileTimes are values for date-time inputs: odd offsets and calendars.
func hostileTimes() []string {
	return []string{
		"2026-01-15T10:30+24:00", "2026-01-15T10:30:00-24:00", "2026-01-15T10:30:00+14:60", "2026-01-15+23:59",
		"2026-02-30", "2026-13-01", "2026-01-15T24:00", "2026-01-15T23:59:60", "0000-01-01", "0001-01-01T00:00:00-23:59",
		"9999-12-31T23:59:59.999999999+23:59", "2026-01-15T10:30:00.1234567891Z", "2026-1-5", "15/01/2026", "2026-01-15T10:30:00z",
	}
}

// hostileEnv is a whole server on one store, with an administrator's token.
type hostileEnv struct {
	t       *testing.T
	h       http.Handler
	admin   string // bearer token of a full administrator
	door    string // bearer token of a device account (Checkin-Create)
	session *http.Cookie
	tried   int
	failed  int   // answers with a 5xx status (each is also a test error)
	written int64 // records that accepted attempts added
	addr    int   // varies the client address, so address throttling does not hide inputs
}

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	ctx := context.Background()
	db := newStore(t)
	full, ok := db.(interface {
		teststore.Store
		fc.CheckinStore
		fc.DirectoryStore
		fc.AttemptStore
		fc.FailedCheckinReportStore
		fc.ConsoleSessionStore
	})
	if !ok {
		t.Fatalf("%T lacks a store interface the suite needs", db)
	}
	storetest.ImportTestDirectory(t, full)
	for _, u := range []struct {
		email string
		admin bool
		roles []string
	}{{"admin@example.com", true, nil}, {"door@example.com", false, []string{fc.RoleCheckinCreate}}, {"victim@example.com", false, []string{fc.RoleFailedCheckinList}}} {
		businesses := []int64{1, 2} // the test directory's locations
		hash, err := fc.HashPassword("pw-" + u.email)
		if err != nil {
			t.Fatal(err)
		}
		if err := full.CreateUser(ctx, &fc.User{Email: u.email, PasswordHash: hash, Admin: u.admin, Roles: u.roles, Businesses: businesses, Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	svc := signin.New(signin.Config{Users: full, Tokens: full, Failures: full, RateLimit: -1})
	auth := NewAuth(svc, nil)
	q := groupcommit.New(full, groupcommit.Options{})
	t.Cleanup(q.Close)
	con, err := console.New(console.Config{Store: full, SignIn: svc, InsecureCookie: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Store: full, Authenticator: auth, Token: http.HandlerFunc(auth.ServeToken), Console: con,
		Checkins: &CheckinConfig{Store: full, Directory: full, Attempts: q}})
	e := &hostileEnv{t: t, h: srv.Handler()}
	e.admin = e.token("admin@example.com")
	e.door = e.token("door@example.com")
	e.session = e.consoleSession("admin@example.com")
	return e
}

// token signs in through the token endpoint.
func (e *hostileEnv) token(email string) string {
	form := url.Values{"grant_type": {"password"}, "username": {email}, "password": {"pw-" + email}}
	r := httptest.NewRequest("POST", TokenPath, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	var tok tokenJSON
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		e.t.Fatalf("sign in %s: %d %s", email, w.Code, w.Body)
	}
	return tok.AccessToken
}

// consoleSession signs in to the console and returns the session cookie.
func (e *hostileEnv) consoleSession(email string) *http.Cookie {
	w := e.consoleSignIn(email, "pw-"+email)
	for _, c := range w.Result().Cookies() {
		if c.Name == "fc_console" && c.Value != "" {
			return c
		}
	}
	e.t.Fatalf("console sign-in: %d, no session cookie", w.Code)
	return nil
}

func (e *hostileEnv) consoleSignIn(email, password string) *httptest.ResponseRecorder {
	form := url.Values{"email": {email}, "password": {password}, "csrf": {"x"}, "next": {"/console/failedcheckins"}}
	r := httptest.NewRequest("POST", "/console/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: "fc_console_signin", Value: "x"})
	return e.serve(r)
}

// serve sends r from a client address of its own and counts the input.
func (e *hostileEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	e.addr++
	e.tried++
	r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:4321", e.addr>>16&255, e.addr>>8&255, e.addr&255)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code >= 500 {
		e.failed++
	}
	return w
}

// pick reports whether the i-th input of a grid is tried: every one, or
// under the race detector (several times slower) every fourth, and of the
// statistics and export filters, which parse with the search's table, a
// third (nine-tenths less under race). A different part for each
// parameter, so every value is still tried somewhere.
func (e *hostileEnv) pick(i int, sampled bool) bool {
	n := 1
	if sampled {
		n = 3
	}
	if raceDetector {
		n *= 4
	}
	return i%n == 0
}

// request builds a request with a raw (already encoded) target.
func request(method, path, rawQuery string, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.URL.RawQuery = rawQuery
	r.RequestURI = ""
	return r
}

// apiError checks an API answer: never a 5xx, and an error (other than
// 401/403/404/405/413/414/429, which are about the request as a whole) is
// the JSON error body with an entry naming param (case-insensitively),
// when param is not "".
func (e *hostileEnv) apiError(w *httptest.ResponseRecorder, what, param string) {
	e.t.Helper()
	if w.Code >= 500 {
		e.t.Errorf("%s: %d %.300s", what, w.Code, w.Body)
		return
	}
	if w.Code < 400 {
		return
	}
	var body errorJSON
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Status != w.Code {
		e.t.Errorf("%s: %d with a body that is not the JSON error: %.300s", what, w.Code, w.Body)
		return
	}
	if w.Code != http.StatusBadRequest || param == "" {
		return
	}
	for _, fe := range body.Errors {
		if strings.EqualFold(fe.PropertyName, param) || strings.HasPrefix(strings.ToLower(fe.PropertyName), strings.ToLower(param)) {
			return
		}
	}
	e.t.Errorf("%s: 400 does not name %s: %.300s", what, param, w.Body)
}

// snapshot is what must not change: the fixture records, the directory,
// and the number of records of each kind.
type snapshot struct {
	fixtures, directory string
	failed, checkins    int64
}

func (e *hostileEnv) snapshot() snapshot {
	e.t.Helper()
	get := func(path, query string) *httptest.ResponseRecorder {
		r := request("GET", path, query, "")
		r.Header.Set("Authorization", "Bearer "+e.admin)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != 200 {
			e.t.Fatalf("GET %s?%s: %d %s", path, query, w.Code, w.Body)
		}
		return w
	}
	total := func(path string) int64 {
		var page struct{ TotalItems int64 }
		if err := json.Unmarshal(get(path, "size=1").Body.Bytes(), &page); err != nil {
			e.t.Fatal(err)
		}
		return page.TotalItems
	}
	return snapshot{
		fixtures:  get("/api/spaces/failedcheckins", "to_FailedCheckin_Id=6&size=100&orderBy=Id").Body.String(),
		directory: get("/api/directory", "").Body.String(),
		failed:    total("/api/spaces/failedcheckins"), checkins: total("/api/spaces/checkins"),
	}
}

// directory is the current directory document.
func (e *hostileEnv) directory() string {
	r := request("GET", "/api/directory", "", "")
	r.Header.Set("Authorization", "Bearer "+e.admin)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w.Body.String()
}

// TestHostileInput sends every generated input; it reports how many.
func TestHostileInput(t *testing.T) {
	start := time.Now()
	e := newHostileEnv(t)
	before := e.snapshot()

	texts, numbers, times := hostileStrings(), hostileNumbers(), hostileTimes()
	values := append(append(append([]string{}, texts...), numbers...), times...)

	// Search, statistics and export: every parameter of both tables with
	// every value, alone and repeated with another value.
	searches := []struct {
		path  string
		table *searchparams.Table
		extra []string
	}{
		{"/api/spaces/failedcheckins", searchparams.FailedCheckins, nil},
		{"/api/spaces/failedcheckins/stats", searchparams.FailedCheckins, []string{"groupBy"}},
		{"/api/spaces/failedcheckins/export", searchparams.FailedCheckins, []string{"format"}},
		{"/api/spaces/checkins", searchparams.Checkins, nil},
	}
	for _, s := range searches {
		names := append(s.table.Names(), s.extra...)
		for _, name := range names {
			fixed := ""
			if s.path == "/api/spaces/failedcheckins/stats" && name != "groupBy" {
				fixed = "groupBy=Reason&"
			}
			for i, v := range values {
				// Statistics and export parse with the same table as the
				// search: each of their parameters gets a third of the
				// values (a different third for the next parameter), which
				// keeps the suite within its time on PostgreSQL.
				if !e.pick(i+len(name), s.extra != nil && name != s.extra[0]) {
					continue
				}
				q := fixed + url.QueryEscape(name) + "=" + url.QueryEscape(v)
				r := request("GET", s.path, q, "")
				r.Header.Set("Authorization", "Bearer "+e.admin)
				e.apiError(e.serve(r), fmt.Sprintf("GET %s %s=%.40q", s.path, name, v), name)
			}
			q := fixed + url.QueryEscape(name) + "=1&" + url.QueryEscape(strings.ToUpper(name)) + "=2"
			r := request("GET", s.path, q, "")
			r.Header.Set("Authorization", "Bearer "+e.admin)
			w := e.serve(r)
			e.apiError(w, fmt.Sprintf("GET %s repeated %s", s.path, name), strings.ToUpper(name))
			if w.Code != http.StatusBadRequest {
				t.Errorf("GET %s with %s given twice: %d, want 400", s.path, name, w.Code)
			}
		}
		// Raw bytes no URL encoder would write, and an over-long query.
		for _, raw := range []string{"FailedCheckin_Description=%00", "Checkin_SystemId=%ff", "%zz=1", "size=%", "a=%C0%AF",
			"FailedCheckin_Reason=" + strings.Repeat("PlanExpired,", 6000)} {
			r := request("GET", s.path, raw, "")
			r.Header.Set("Authorization", "Bearer "+e.admin)
			e.apiError(e.serve(r), "GET "+s.path+"?"+raw[:min(len(raw), 40)], "")
		}
	}

	// Get one: hostile ids in the path.
	for _, path := range []string{"/api/spaces/failedcheckins/", "/api/spaces/checkins/"} {
		for _, v := range append(append([]string{}, numbers...), texts...) {
			r := request("GET", path+url.PathEscape(v), "", "")
			r.Header.Set("Authorization", "Bearer "+e.admin)
			e.apiError(e.serve(r), fmt.Sprintf("GET %s%.40q", path, v), "id")
		}
	}

	// ?explain on get-one, and the reasons catalogue with hostile queries.
	for _, v := range append(append([]string{}, numbers...), texts...) {
		r := request("GET", "/api/spaces/failedcheckins/1?explain="+url.QueryEscape(v), "", "")
		r.Header.Set("Authorization", "Bearer "+e.admin)
		e.apiError(e.serve(r), fmt.Sprintf("GET explain=%.40q", v), "explain")
		r = request("GET", "/api/spaces/failedcheckins/reasons?x="+url.QueryEscape(v), "", "")
		r.Header.Set("Authorization", "Bearer "+e.admin)
		e.apiError(e.serve(r), fmt.Sprintf("GET reasons x=%.40q", v), "")
	}

	// Check-in attempts: every field with every value (as a JSON string,
	// and as a raw JSON value for numbers), and the Idempotency-Key header.
	attempt := func(body string, header ...string) {
		t.Helper()
		r := request("POST", "/api/spaces/checkins", "", body)
		r.Header.Set("Authorization", "Bearer "+e.door)
		r.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := e.serve(r)
		param := ""
		if len(header) > 0 {
			param = header[0]
		}
		e.apiError(w, fmt.Sprintf("POST checkins %.80q %q", body, header), param)
		if w.Code == http.StatusOK {
			e.written++
		}
		if len(header) > 0 {
			return
		}
		// The dry run reads the same body and writes nothing.
		r = request("POST", EvaluatePath, "", body)
		r.Header.Set("Authorization", "Bearer "+e.admin)
		r.Header.Set("Content-Type", "application/json")
		e.apiError(e.serve(r), fmt.Sprintf("POST evaluate %.80q", body), "")
	}
	for _, field := range []string{"BusinessId", "Source", "CoworkerId", "MacAddresses", "AccessCardId", "FromTime"} {
		for i, v := range values {
			if !e.pick(i+len(field), false) {
				continue
			}
			for _, raw := range []string{jsonQuote(v), v} {
				if raw == v && !json.Valid([]byte(raw)) && !strings.Contains(v, "\x00") && !strings.Contains(v, "\xff") {
					continue // not a JSON value: the quoted form covers it
				}
				body := map[string]string{"BusinessId": "1", "Source": "2", "CoworkerId": "10"}
				if identity(field) {
					delete(body, "CoworkerId") // exactly one identity
				}
				body[field] = raw
				attempt(jsonObject(body))
			}
		}
	}
	for _, key := range append(append([]string{}, texts...), "\xff\xfe", "k\x00", strings.Repeat("k", 256), "") {
		attempt(`{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`, IdempotencyHeader, key)
	}
	for _, body := range []string{"", "{", "[]", "null", `{"BusinessId": 1}{}`, `{"BusinessId": 1, "businessid": 2, "Source": 2, "CoworkerId": 10}`,
		`{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "x": "\u0000"}`, strings.Repeat("[", 100000), "\xff\xfe{}",
		`{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2026-03-29T00:30:00+24:00"}`} {
		attempt(body)
	}

	// The directory: every text field of a document with every text.
	e.hostileDirectories(texts)

	// The token endpoint: every field with every text, repeated fields,
	// the client_id header, and other media types.
	e.hostileTokens(texts)

	// Basic auth with hostile user names.
	for _, v := range texts {
		r := request("GET", "/api/spaces/failedcheckins", "", "")
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(v+":pw")))
		e.apiError(e.serve(r), fmt.Sprintf("Basic %.40q", v), "Authorization")
	}

	// Wrong methods and media types on every API path.
	for _, path := range []string{"/api/spaces/failedcheckins", "/api/spaces/failedcheckins/1", "/api/spaces/failedcheckins/export",
		"/api/spaces/failedcheckins/stats", "/api/spaces/checkins", "/api/spaces/checkins/1", "/api/directory", TokenPath,
		EvaluatePath, "/api/spaces/failedcheckins/reasons", "/healthz", "/readyz", "/openapi.json", "/api/nothing"} {
		for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"} {
			for _, ct := range []string{"", "text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x"} {
				r := request(method, path, "", `{"x": 1}`)
				r.Header.Set("Authorization", "Bearer "+e.admin)
				if ct != "" {
					r.Header.Set("Content-Type", ct)
				}
				w := e.serve(r)
				if method == "PUT" && path == "/api/directory" && w.Code == http.StatusOK {
					t.Errorf("PUT /api/directory with an unknown field: 200")
				}
				// A 405 lists what the path does serve, and not the method
				// refused (the dry run's path answered OPTIONS and TRACE
				// with the {id} pattern's GET, HEAD).
				if allow := w.Header().Get("Allow"); w.Code == http.StatusMethodNotAllowed &&
					(allow == "" || strings.Contains(", "+allow+", ", ", "+method+", ") || path == EvaluatePath && allow != "POST") {
					t.Errorf("%s %s: 405 with Allow %q", method, path, allow)
				}
				if path != "/healthz" && path != "/readyz" && path != "/openapi.json" && path != TokenPath && method != "HEAD" {
					e.apiError(w, method+" "+path+" "+ct, "")
				} else if w.Code >= 500 {
					t.Errorf("%s %s: %d", method, path, w.Code)
				}
				if path == "/api/spaces/checkins" && method == "POST" && w.Code == http.StatusOK {
					e.written++
				}
			}
		}
	}

	// The console: sign-in with hostile emails, the list and export with
	// hostile filters.
	for _, v := range texts {
		if w := e.consoleSignIn(v, "pw"); w.Code >= 500 {
			t.Errorf("console sign-in %.40q: %d", v, w.Code)
		}
	}
	for _, path := range []string{"/console/failedcheckins", "/console/failedcheckins/export"} {
		for _, name := range []string{"FailedCheckin_Coworker_FullName", "FailedCheckin_Description", "FailedCheckin_SystemId",
			"FailedCheckin_Reason", "FailedCheckin_Business", "from_FailedCheckin_CheckinAttemptTime", "from", "to", "zone", "page", "size"} {
			for i, v := range values {
				if !e.pick(i+len(name), false) {
					continue
				}
				r := request("GET", path, url.QueryEscape(name)+"="+url.QueryEscape(v), "")
				r.AddCookie(e.session)
				if w := e.serve(r); w.Code >= 500 {
					t.Errorf("GET %s %s=%.40q: %d", path, name, v, w.Code)
				}
			}
		}
	}

	after := e.snapshot()
	if after.fixtures != before.fixtures {
		t.Error("the fixture records changed")
	}
	if after.directory != before.directory {
		t.Errorf("the directory changed:\nbefore %s\nafter  %s", before.directory, after.directory)
	}
	if got := after.failed + after.checkins - before.failed - before.checkins; got != e.written {
		t.Errorf("%d records were written, want %d (one per accepted attempt)", got, e.written)
	}
	if e.failed > 0 {
		t.Errorf("%d of the inputs were answered with a 5xx", e.failed)
	}
	t.Logf("%d hostile inputs tried in %v (%s), %d answered 5xx", e.tried, time.Since(start).Round(time.Millisecond), storeName(), e.failed)
}

func storeName() string {
	if v, _, _ := strings.Cut(os.Getenv(teststore.EnvVar), ":"); v != "" {
		return v
	}
	return "sqlite"
}

// identity reports the attempt fields that name who is checking in
// (exactly one is sent).
func identity(field string) bool {
	return field == "CoworkerId" || field == "MacAddresses" || field == "AccessCardId"
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonObject writes an object of raw values, in a stable order.
func jsonObject(fields map[string]string) string {
	var b strings.Builder
	b.WriteString("{")
	for _, k := range []string{"BusinessId", "Source", "CoworkerId", "MacAddresses", "AccessCardId", "FromTime"} {
		if v, ok := fields[k]; ok {
			if b.Len() > 1 {
				b.WriteString(", ")
			}
			b.WriteString(`"` + k + `": ` + v)
		}
	}
	b.WriteString("}")
	return b.String()
}

// hostileDirectories PUTs directory documents with each text in each text
// field. A refused one must leave the directory as it was (checked by the
// snapshot); an accepted one (a name with % in it) must then serve
// attempts and searches without a 5xx: it is a directory value that
// reached the records.
func (e *hostileEnv) hostileDirectories(texts []string) {
	const doc = `{"Businesses": [{"Id": 1, "Name": %s, "TimeZone": %s}],
 "Tariffs": [{"Id": 1, "Name": %s, "MonthlyCheckinLimit": 3, "AccessHours": [{"Days": [%s], "From": %s, "To": "19:00"}]}],
 "Coworkers": [{"Id": 10, "FullName": %s, "Email": %s, "Active": true, "TariffId": 1, "Teams": [%s], "MacAddresses": [%s], "AccessCards": [%s]}]}`
	good := []string{`"London"`, `"Europe/London"`, `"Three a month"`, `"Mon"`, `"00:00"`, `"Ana Silva"`, `"ana@example.com"`, `"Atlas", "Blue"`, `"A4:5E:60:C2:19:0B"`, `"0BADCAFE"`}
	names := []string{"Businesses[0].Name", "Businesses[0].TimeZone", "Tariffs[0].Name", "Tariffs[0].AccessHours[0].Days", "Tariffs[0].AccessHours[0].From",
		"Coworkers[0].FullName", "Coworkers[0].Email", "Coworkers[0].Teams", "Coworkers[0].MacAddresses", "Coworkers[0].AccessCards"}
	put := func(body, param string) (status int) {
		r := request("PUT", "/api/directory", "", body)
		r.Header.Set("Authorization", "Bearer "+e.admin)
		r.Header.Set("Content-Type", "application/json")
		before := e.directory()
		w := e.serve(r)
		e.apiError(w, fmt.Sprintf("PUT /api/directory %s", param), "")
		if w.Code != http.StatusOK {
			if e.directory() != before {
				e.t.Errorf("PUT /api/directory %s: %d and the directory changed", param, w.Code)
			}
			return w.Code
		}
		// Accepted: the values reach records; attempts and searches must
		// still work, then the test directory is put back.
		for _, body := range []string{`{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`, `{"BusinessId": 1, "Source": 2, "AccessCardId": "0BADCAFE"}`} {
			r := request("POST", "/api/spaces/checkins", "", body)
			r.Header.Set("Authorization", "Bearer "+e.door)
			r.Header.Set("Content-Type", "application/json")
			if w := e.serve(r); w.Code != http.StatusOK {
				e.t.Errorf("after PUT /api/directory %s: an attempt got %d %.200s", param, w.Code, w.Body)
			} else {
				e.written++
			}
		}
		r = request("PUT", "/api/directory", "", storetest.CheckinDirectory)
		r.Header.Set("Authorization", "Bearer "+e.admin)
		r.Header.Set("Content-Type", "application/json")
		if w := e.serve(r); w.Code != http.StatusOK {
			e.t.Fatalf("restore the directory: %d %s", w.Code, w.Body)
		}
		return http.StatusOK
	}
	args := make([]any, len(good))
	for j := range good {
		args[j] = good[j]
	}
	if status := put(fmt.Sprintf(doc, args...), "(the template)"); status != http.StatusOK {
		e.t.Fatalf("the template document itself: %d", status)
	}
	for i := range good {
		for k, v := range texts {
			if !e.pick(i+k, false) {
				continue
			}
			args := make([]any, len(good))
			for j := range good {
				args[j] = good[j]
			}
			args[i] = jsonQuote(v)
			put(fmt.Sprintf(doc, args...), names[i])
		}
	}
	for _, body := range []string{`{"Businesses": [{"Id": 1, "Name": "a", "name": "b", "TimeZone": "UTC"}]}`,
		`{"businesses": [{"Id": 1, "Name": "a", "TimeZone": "UTC"}]}`, `{"Businesses": [], "Businesses": []}`,
		"{\"Businesses\": [{\"Id\": 1, \"Name\": \"\xff\", \"TimeZone\": \"UTC\"}]}", strings.Repeat(`{"Businesses": [`, 5000),
		`{"Businesses": [{"Id": 9223372036854775808, "Name": "a", "TimeZone": "UTC"}]}`, `{"Businesses": [{"Id": -1, "Name": "a", "TimeZone": "UTC"}]}`,
		`{"Tariffs": [{"Id": 1, "Name": "a", "MonthlyCheckinLimit": -5}]}`, `{"Tariffs": [{"Id": 1, "Name": "a", "AccessHours": [{"Days": ["Mon"], "From": "24:00", "To": "25:00"}]}]}`,
		`{"Coworkers": [{"Id": 10, "FullName": "A", "PlanStart": "2026-02-30"}]}`, `[]`, `null`, ``} {
		put(body, fmt.Sprintf("%.60q", body))
	}
}

// hostileTokens tries the token endpoint.
func (e *hostileEnv) hostileTokens(texts []string) {
	post := func(form string, header ...string) {
		r := request("POST", TokenPath, "", form)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		param := ""
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Add(header[i], header[i+1])
			param = header[i]
		}
		w := e.serve(r)
		if w.Code >= 500 {
			e.t.Errorf("POST %s %.80q: %d %s", TokenPath, form, w.Code, w.Body)
			return
		}
		var body oauthErrorJSON
		if w.Code >= 400 && (json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error == "") {
			e.t.Errorf("POST %s %.80q: %d without an OAuth error: %s", TokenPath, form, w.Code, w.Body)
		}
		if param == "" {
			name, _, _ := strings.Cut(form, "=")
			param = name
		}
		if body.Error == "invalid_request" && !strings.Contains(body.Description, param) && body.Description != "The form body cannot be read." {
			e.t.Errorf("POST %s %.80q: invalid_request does not name %s: %s", TokenPath, form, param, body.Description)
		}
	}
	for _, v := range texts {
		q := url.QueryEscape(v)
		post("username=" + q + "&grant_type=password&password=pw")
		post("password=" + q + "&grant_type=password&username=victim@example.com")
		post("client_id=" + q + "&grant_type=password&username=victim@example.com&password=pw-victim@example.com")
		post("grant_type=" + q + "&username=victim@example.com&password=pw")
		post("refresh_token=" + q + "&grant_type=refresh_token")
		if !strings.ContainsAny(v, "\x00\r\n\x01\x1b\x7f") { // a header value the HTTP server would refuse itself
			post("grant_type=password&username=victim@example.com&password=pw-victim@example.com", "client_id", v)
		}
	}
	for _, form := range []string{"grant_type=password&grant_type=password&username=victim@example.com&password=pw-victim@example.com",
		"username=victim@example.com&username=admin@example.com&grant_type=password&password=pw", "grant_type=%zz", "grant_type"} {
		post(form)
	}
	post("grant_type=password&username=victim@example.com&password=pw-victim@example.com", "client_id", "a", "client_id", "b")
}

// TestTokenRepeatedField (issue 18 item 15): RFC 6749 3.2 forbids a
// parameter sent twice; grant_type=password twice was a 200.
func TestTokenRepeatedField(t *testing.T) {
	e := newHostileEnv(t)
	for _, form := range []string{
		"grant_type=password&grant_type=password&username=victim@example.com&password=pw-victim@example.com",
		"grant_type=password&username=victim@example.com&password=pw-victim@example.com&password=pw-victim@example.com",
	} {
		r := request("POST", TokenPath, "", form)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := e.serve(r)
		var body oauthErrorJSON
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusBadRequest || body.Error != "invalid_request" {
			t.Errorf("%s: %d %s, want 400 invalid_request", form, w.Code, w.Body)
		}
	}
}

// TestFromTimeOffsetOutOfRange (issue 18 item 16): time.Parse accepts the
// offsets +24:00 and +14:60, which RFC 3339 does not have.
func TestFromTimeOffsetOutOfRange(t *testing.T) {
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	for _, v := range []string{"2026-07-01T00:30:00+24:00", "2026-07-01T00:30:00-24:00", "2026-07-01T00:30:00+14:60"} {
		_, err := parseAttempt([]byte(`{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "`+v+`"}`), now)
		var e *fc.Error
		if !errors.As(err, &e) || e.Code != fc.ErrInvalid || len(e.Fields) != 1 || e.Fields[0].Property != "FromTime" {
			t.Errorf("FromTime %s: %v, want a 400 naming FromTime", v, err)
		}
	}
	if _, err := parseAttempt([]byte(`{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2026-07-01T00:30:00+23:59"}`), now); err != nil {
		t.Errorf("FromTime +23:59: %v", err)
	}
}

// TestCredentialsThatAreNotText (issue 18 item 5): a user name with a NUL
// or invalid UTF-8 (token endpoint, Basic auth, console sign-in) and such
// a client_id (header or form, after a correct password) were 500s on
// PostgreSQL, which cannot compare them. Each is a 400 naming the field,
// on every store; the password of a real account does not change that.
func TestCredentialsThatAreNotText(t *testing.T) {
	e := newHostileEnv(t)
	const user, password = "victim@example.com", "pw-victim@example.com"
	for _, name := range []string{"a\x00b@example.com", "\xff@example.com", "vic\xc3tim@example.com", "victim@example.com\x00"} {
		form := url.Values{"grant_type": {"password"}, "username": {name}, "password": {password}}
		e.wantInvalidRequest(form, "", "username")

		r := request("GET", "/api/spaces/failedcheckins", "", "")
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(name+":"+password)))
		w := e.serve(r)
		var body errorJSON
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusBadRequest ||
			len(body.Errors) != 1 || body.Errors[0].PropertyName != "Authorization" {
			t.Errorf("Basic auth as %q = %d %.300s; want 400 naming Authorization", name, w.Code, w.Body)
		}

		if w := e.consoleSignIn(name, password); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Email: ") {
			t.Errorf("console sign-in as %q = %d; want 400 naming Email", name, w.Code)
		}
	}
	for _, id := range []string{"\xff", "a\xc3", "a\x00b", "\u0085"} {
		form := url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}}
		if !strings.ContainsAny(id, "\x00") { // the HTTP server refuses a NUL in a header itself
			e.wantInvalidRequest(form, id, "client_id")
		}
		form.Set("client_id", id)
		e.wantInvalidRequest(form, "", "client_id")
	}
}

// wantInvalidRequest posts form to the token endpoint (with clientID as
// the client_id header unless "") and wants a 400 invalid_request whose
// description names field.
func (e *hostileEnv) wantInvalidRequest(form url.Values, clientID, field string) {
	e.t.Helper()
	r := request("POST", TokenPath, "", form.Encode())
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		r.Header.Set("client_id", clientID)
	}
	w := e.serve(r)
	var body oauthErrorJSON
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusBadRequest ||
		body.Error != "invalid_request" || !strings.Contains(body.Description, field) {
		e.t.Errorf("token %q client_id header %q = %d %.300s; want 400 invalid_request naming %s", form.Encode(), clientID, w.Code, w.Body, field)
	}
}
