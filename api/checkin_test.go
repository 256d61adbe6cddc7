package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/sqlite"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// checkinAuth: "admin" is a full administrator, "door" a device account
// with Checkin-Create at every location, "door1" one bound to location 1,
// "viewer" may list and read check-ins at location 1,
// "lister" holds only the FailedCheckin roles.
type checkinAuth struct{}

func (checkinAuth) Authenticate(r *http.Request) (*fc.Caller, error) {
	switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
	case "":
		return nil, nil
	case "admin":
		return &fc.Caller{UserID: 1, Admin: true, Scope: fc.AllBusinesses()}, nil
	case "door":
		return &fc.Caller{UserID: 2, Roles: []string{"checkin-create"}, Scope: fc.AllBusinesses()}, nil
	case "door1":
		return &fc.Caller{UserID: 5, Roles: []string{fc.RoleCheckinCreate}, Scope: fc.BusinessScope(1)}, nil
	case "viewer":
		return &fc.Caller{UserID: 3, Roles: []string{fc.RoleCheckinList, fc.RoleCheckinRead}, Scope: fc.BusinessScope(1)}, nil
	case "lister":
		return &fc.Caller{UserID: 4, Roles: []string{fc.RoleFailedCheckinList}, Scope: fc.AllBusinesses()}, nil
	}
	return nil, fc.Errorf(fc.ErrUnauthorized, "unknown token")
}

var checkinNow = time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)

// newCheckinServer returns a Server over a SQLite store holding
// storetest.CheckinDirectory, with a real group-commit queue.
func newCheckinServer(t *testing.T) (http.Handler, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, db)
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	s := New(Config{Store: db, Authenticator: checkinAuth{}, Checkins: &CheckinConfig{
		Store: db, Directory: db, Attempts: q, Now: func() time.Time { return checkinNow },
	}})
	return s.Handler(), db
}

func send(t *testing.T, h http.Handler, method, target, token, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return serveChecked(t, h, r) // validated against api/openapi.json
}

func TestCreateCheckin(t *testing.T) {
	h, _ := newCheckinServer(t)
	tests := []struct {
		name, token, body string
		wantStatus        int
		wantJSON          string // a substring of the answer
	}{
		{"accepted by MAC", "door", `{"BusinessId": 1, "Source": 3, "MacAddresses": "a4-5e-60-c2-19-0b"}`, 200,
			`{"Status":200,"Message":"Checkin was successfully created.","Value":{"Id":1},"WasSuccessful":true}`},
		{"refused", "door", `{"BusinessId": 2, "Source": "DoorAccess", "AccessCardId": "04a2b3c4", "FromTime": "2026-07-01T09:00:00Z"}`, 200,
			`{"Status":200,"Message":"Plan London only does not include Paris","Value":{"FailedCheckinId":1,"Reason":"LocationNotAllowed"},"WasSuccessful":false}`},
		{"unrecognised", "door", `{"BusinessId": 1, "Source": 2, "AccessCardId": "FFFF"}`, 200, `"Reason":"UnrecognisedDevice"`},
		{"unknown business", "door", `{"BusinessId": 9, "Source": 2, "CoworkerId": 10}`, 400, `"PropertyName":"BusinessId"`},
		{"no identity", "door", `{"BusinessId": 1, "Source": 2}`, 400, `exactly one`},
		{"bad source", "door", `{"BusinessId": 1, "Source": "Teleport", "CoworkerId": 10}`, 400, `"PropertyName":"Source"`},
		{"future", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2026-07-01T10:06:00Z"}`, 400, `"PropertyName":"FromTime"`},
		{"not JSON", "door", `BusinessId=1`, 400, `"PropertyName":"body","Message":"is not valid JSON (at byte 1)`},
		{"wrong type", "door", `{"BusinessId": "one"}`, 400, `"PropertyName":"BusinessId"`},
		// Malformed bodies (docs/checkins.md: a 400, no record written).
		{"zero time", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "0001-01-01T00:00:00Z"}`, 400,
			`"PropertyName":"FromTime","Message":"must be 2000-01-01T00:00:00Z or later`},
		{"zero time with offset", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "0001-01-01T00:00:00+05:00"}`, 400, `"PropertyName":"FromTime"`},
		{"trailing data", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}{"x":1}`, 400,
			`"PropertyName":"body","Message":"must be one JSON object with nothing after it"`},
		{"duplicate key", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "BusinessId": 2}`, 400,
			`"PropertyName":"BusinessId","Message":"appears more than once`},
		{"duplicate key in another case", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "businessid": 2}`, 400, `"PropertyName":"BusinessId"`},
		{"no source", "door", `{"BusinessId": 1, "CoworkerId": 10}`, 400, `"PropertyName":"Source","Message":"is required`},
		{"array body", "door", `[]`, 400, `{"PropertyName":"body","Message":"must be a JSON object such as`},
		{"number as string", "door", `{"BusinessId": "1141", "Source": 2, "CoworkerId": 10}`, 400,
			`{"PropertyName":"BusinessId","Message":"must be a whole number","AttemptedValue":"\"1141\""}`},
		{"no credentials", "", `{}`, 401, ``},
		{"no role", "lister", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`, 403, `Checkin-Create`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, h, "POST", "/api/spaces/checkins", tt.token, tt.body)
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantJSON) {
				t.Errorf("POST %s = %d %s; want %d containing %s", tt.body, w.Code, w.Body, tt.wantStatus, tt.wantJSON)
			}
		})
	}
	if w := send(t, h, "DELETE", "/api/spaces/checkins", "admin", ""); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("DELETE /api/spaces/checkins = %d, Allow %q; want 405, GET, HEAD, POST", w.Code, w.Header().Get("Allow"))
	}
	// The refusal is searchable by its reason code.
	w := send(t, h, "GET", "/api/spaces/failedcheckins?FailedCheckin_Reason=locationnotallowed,UnrecognisedDevice", "admin", "")
	if !strings.Contains(w.Body.String(), `"TotalItems":2`) {
		t.Errorf("search by FailedCheckin_Reason = %s; want 2 records", w.Body)
	}
}

// TestCreateCheckinOutOfScope: a device bound to location 1 posting at
// location 2 gets the answer of an unknown business (so it learns nothing
// about location 2) and nothing is written there.
func TestCreateCheckinOutOfScope(t *testing.T) {
	h, _ := newCheckinServer(t)
	const at = `, "Source": "DoorAccess", "AccessCardId": "04a2b3c4", "FromTime": "2026-07-01T09:00:00Z"}`
	unknown := send(t, h, "POST", "/api/spaces/checkins", "door1", `{"BusinessId": 9`+at)
	other := send(t, h, "POST", "/api/spaces/checkins", "door1", `{"BusinessId": 2`+at)
	want := strings.ReplaceAll(unknown.Body.String(), `"9"`, `"2"`)
	if other.Code != 400 || unknown.Code != 400 || other.Body.String() != want {
		t.Errorf("POST at location 2 by a device of location 1 = %d %s; want 400 %s", other.Code, other.Body, want)
	}
	for _, target := range []string{"/api/spaces/failedcheckins", "/api/spaces/checkins"} {
		if w := send(t, h, "GET", target, "admin", ""); !strings.Contains(w.Body.String(), `"TotalItems":0`) {
			t.Errorf("GET %s after the refused post = %s; want no records", target, w.Body)
		}
	}
	if w := send(t, h, "POST", "/api/spaces/checkins", "door1", `{"BusinessId": 1`+at); w.Code != 200 {
		t.Errorf("POST at its own location = %d %s; want 200", w.Code, w.Body)
	}
}

// TestIdempotencyKey: the same key twice gives the same answer and one
// record; the same key with another body is a 409; another user's key of
// the same name is independent.
func TestIdempotencyKey(t *testing.T) {
	h, db := newCheckinServer(t)
	body := `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`
	first := send(t, h, "POST", "/api/spaces/checkins", "door", body, IdempotencyHeader, "retry-1")
	again := send(t, h, "POST", "/api/spaces/checkins", "door", body, IdempotencyHeader, "retry-1")
	if first.Code != 200 || again.Code != 200 || first.Body.String() != again.Body.String() {
		t.Errorf("retry = %d %s; want the first answer %d %s", again.Code, again.Body, first.Code, first.Body)
	}
	// The retry was answered from the stored outcome, not judged: one verdict.
	wantSeries(t, scrape(t, h), `failedcheckins_checkin_verdicts_total{reason="Accepted"} 1`)
	other := send(t, h, "POST", "/api/spaces/checkins", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 11}`, IdempotencyHeader, "retry-1")
	if other.Code != http.StatusConflict {
		t.Errorf("same key, other body = %d %s; want 409", other.Code, other.Body)
	}
	admin := send(t, h, "POST", "/api/spaces/checkins", "admin", body, IdempotencyHeader, "retry-1")
	if admin.Code != 200 || admin.Body.String() == first.Body.String() {
		t.Errorf("same key, other user = %d %s; want a new check-in", admin.Code, admin.Body)
	}
	page, err := db.FindCheckins(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 10})
	if err != nil || page.TotalItems != 2 {
		t.Errorf("stored check-ins = %v, %v; want 2", page, err)
	}
	if w := send(t, h, "POST", "/api/spaces/checkins", "door", body, IdempotencyHeader, strings.Repeat("k", 256)); w.Code != 400 {
		t.Errorf("a 256-character key = %d; want 400", w.Code)
	}
}

func TestSearchCheckins(t *testing.T) {
	h, _ := newCheckinServer(t)
	for _, b := range []string{
		`{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2026-06-30T08:00:00Z"}`,
		`{"BusinessId": 2, "Source": 2, "CoworkerId": 10, "FromTime": "2026-06-30T09:00:00Z"}`,
		`{"BusinessId": 1, "Source": 2, "CoworkerId": 10, "FromTime": "2026-06-30T10:00:00Z"}`,
	} {
		if w := send(t, h, "POST", "/api/spaces/checkins", "door", b); !strings.Contains(w.Body.String(), `"WasSuccessful":true`) {
			t.Fatalf("POST %s = %s", b, w.Body)
		}
	}
	tests := []struct {
		name, token, target string
		wantStatus          int
		wantIDs             []int64
		wantJSON            string
	}{
		{"default order FromTime desc, scoped", "viewer", "/api/spaces/checkins", 200, []int64{3, 1}, `"CurrentOrderField":"FromTime","CurrentSortDirection":1`},
		{"admin sees all", "admin", "/api/spaces/checkins?dir=asc", 200, []int64{1, 2, 3}, ``},
		{"filter", "admin", "/api/spaces/checkins?Checkin_Business_Name=PAR&checkin_coworker=10", 200, []int64{2}, `"BusinessName":"Paris"`},
		{"range", "admin", "/api/spaces/checkins?from_Checkin_FromTime=2026-06-30T09:00&to_Checkin_FromTime=2026-06-30T09:30", 200, []int64{2}, `"ToTime":null,"FromTimeLocal":"2026-06-30T11:00:00"`},
		{"local minute", "admin", "/api/spaces/checkins?Checkin_FromTimeLocal=2026-06-30T09:00", 200, []int64{1}, ``},
		{"unknown Checkin_ parameter", "admin", "/api/spaces/checkins?Checkin_Description=x", 400, nil, `Checkin_Description`},
		{"FailedCheckin_ parameters are not Checkin filters", "admin", "/api/spaces/checkins?orderBy=Description", 400, nil, `FromTime`},
		{"no role", "lister", "/api/spaces/checkins", 403, nil, ``},
		{"get one", "viewer", "/api/spaces/checkins/3", 200, nil, `"Id":3,`},
		{"get one out of scope", "viewer", "/api/spaces/checkins/2", 404, nil, `Not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, h, "GET", tt.target, tt.token, "")
			var page struct {
				Records []struct {
					ID int64 `json:"Id"`
				}
			}
			_ = json.Unmarshal(w.Body.Bytes(), &page)
			var ids []int64
			for _, r := range page.Records {
				ids = append(ids, r.ID)
			}
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantJSON) || tt.wantIDs != nil && fmtIDs(ids) != fmtIDs(tt.wantIDs) {
				t.Errorf("GET %s = %d %v %s; want %d %v containing %s", tt.target, w.Code, ids, w.Body, tt.wantStatus, tt.wantIDs, tt.wantJSON)
			}
		})
	}
}

func fmtIDs(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

func TestDirectoryEndpoints(t *testing.T) {
	h, _ := newCheckinServer(t)
	if w := send(t, h, "GET", "/api/directory", "door", ""); w.Code != 403 {
		t.Errorf("GET /api/directory as a device = %d; want 403", w.Code)
	}
	// A caller with no Checkin role is told what the directory needs, not
	// a role that would not be enough.
	if w := send(t, h, "GET", "/api/directory", "lister", ""); w.Code != 403 || !strings.Contains(w.Body.String(), "full administrators") {
		t.Errorf("GET /api/directory without admin = %d %s; want 403 naming full administrators", w.Code, w.Body)
	}
	w := send(t, h, "PUT", "/api/directory", "admin", `{"Businesses": [{"Id": 3, "Name": "Berlin", "TimeZone": "Europe/Berlin"}]}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"Berlin"`) || !strings.Contains(w.Body.String(), `"London"`) {
		t.Errorf("PUT /api/directory = %d %s; want the merged directory", w.Code, w.Body)
	}
	w = send(t, h, "PUT", "/api/directory", "admin", `{"Coworkers": [{"Id": 5, "FullName": "x", "TariffId": 77}]}`)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "Coworkers[0] (Id 5).TariffId") {
		t.Errorf("PUT bad directory = %d %s; want 400 naming Coworkers[0] (Id 5).TariffId", w.Code, w.Body)
	}
	// The position is the one in the document sent, not in the merge
	// (where Id 5001 comes after the stored locations 1-3).
	w = send(t, h, "PUT", "/api/directory", "admin", `{"Businesses": [{"Id": 5001, "Name": "Mars", "TimeZone": "Mars/Base"}]}`)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "Businesses[0] (Id 5001).TimeZone") {
		t.Errorf("PUT a bad time zone = %d %s; want 400 naming Businesses[0] (Id 5001).TimeZone", w.Code, w.Body)
	}
	for _, body := range []string{`null`, `[]`} {
		w = send(t, h, "PUT", "/api/directory", "admin", body)
		if w.Code != 400 || !strings.Contains(w.Body.String(), "the directory must be a JSON object") {
			t.Errorf("PUT /api/directory %s = %d %s; want 400, must be a JSON object", body, w.Code, w.Body)
		}
	}
	// The new location takes attempts at once: the cache follows imports.
	w = send(t, h, "POST", "/api/spaces/checkins", "door", `{"BusinessId": 3, "Source": 2, "CoworkerId": 10}`)
	if !strings.Contains(w.Body.String(), `"WasSuccessful":true`) {
		t.Errorf("attempt at the imported location = %s; want accepted", w.Body)
	}
}
