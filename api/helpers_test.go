package api

import (
	"context"
	"errors"
	"flag"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// update rewrites the golden files under testdata/ from the current output.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fakeAuth maps bearer tokens to callers, so tests name a caller by token:
// "admin" is a full administrator; "lister" may list and read location 1001;
// "reader" may only read, at 1001 and 1002; "nobody" holds both roles but no
// location; "norole" has no role; "bad" is rejected credentials; "broken"
// makes the authenticator fail as if its database were down; "masked" is
// a full administrator who sees personal data masked (docs/api.md#masked-users).
type fakeAuth struct{}

func (fakeAuth) Authenticate(r *http.Request) (*fc.Caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	both := []string{"failedcheckin-list", "FAILEDCHECKIN-READ"} // roles match case-insensitively
	switch strings.TrimPrefix(h, "Bearer ") {
	case "admin":
		return &fc.Caller{UserID: 1, Admin: true, Scope: fc.AllBusinesses()}, nil
	case "lister":
		return &fc.Caller{UserID: 2, Roles: both, Scope: fc.BusinessScope(1001)}, nil
	case "reader":
		return &fc.Caller{UserID: 3, Roles: []string{fc.RoleFailedCheckinRead}, Scope: fc.BusinessScope(1001, 1002)}, nil
	case "nobody":
		return &fc.Caller{UserID: 4, Roles: both, Scope: fc.BusinessScope()}, nil
	case "norole":
		return &fc.Caller{UserID: 5, Scope: fc.AllBusinesses()}, nil
	case "masked":
		return &fc.Caller{UserID: 6, Admin: true, Scope: fc.AllBusinesses(), MaskPersonalData: true}, nil
	case "broken":
		return nil, errors.New("user store: disk I/O error at /var/secret/db")
	}
	return nil, fc.Errorf(fc.ErrUnauthorized, "unknown token")
}

func ptr[T any](v T) *T { return &v }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// wall reads a wall-clock time the way the domain holds it: in a UTC time.Time.
func wall(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC)
	if err != nil {
		panic(err)
	}
	return t
}

// fixtures are the records every HTTP test sees. Default order (CreatedOn
// descending) is 6, 4, 3, 2, 1, 5. Only record 3 has %, _ and \ in its
// description, a non-null UpdatedBy and the SystemId "EXT-1" (record 5 has
// "ext-1"); record 4 alone has UpdatedOn after CreatedOn.
func fixtures() []*fc.FailedCheckin {
	rec := func(id int64, uid string, coworker *int64, name string, business int64, bname, at, local string, src fc.Source) *fc.FailedCheckin {
		return &fc.FailedCheckin{ID: id, UniqueID: uid, CoworkerID: coworker, CoworkerFullName: name, BusinessID: business,
			BusinessName: bname, CheckinAttemptTime: utc(at), Source: src, CheckinAttemptTimeLocal: wall(local),
			CreatedOn: utc(at), UpdatedOn: utc(at)}
	}
	london, zurich, paris := "Location 001 – London", "Location 002 – Zürich", "Location 003 – Paris"
	r1 := rec(1, "3f2504e0-4f89-41d3-9a0c-0305e82c3301", ptr(int64(100001)), "Ana Silva", 1001, london, "2026-01-15T10:30:00Z", "2026-01-15T10:30:00", fc.SourceDoorAccess)
	r1.MacAddresses, r1.Teams, r1.Tariff, r1.Description, r1.Reason = "A4:5E:60:C2:19:0B", "Atlas Labs, Orbit", "Hot Desk Monthly", "Plan expired on 2026-01-01", ptr("PlanExpired")
	r2 := rec(2, "7027fe43-2106-43e4-9a6e-9fd39905ec49", nil, "", 1001, london, "2026-01-15T10:30:59Z", "2026-01-15T10:30:59", fc.SourceNetworkActivity)
	r2.MacAddresses, r2.Description, r2.Reason = "aa-bb-cc-dd-ee-ff", "Unrecognised device", ptr("UnrecognisedDevice")
	r3 := rec(3, "a1fc918c-ee79-424f-8537-8d9312820cfe", ptr(int64(100002)), "Zoë Straße", 1002, zurich, "2026-01-15T10:31:00Z", "2026-01-15T11:31:00", fc.SourceTile)
	r3.Teams, r3.Tariff, r3.Description = "Orbit", "Dedicated Desk", `100% over_limit \ "quoted" <b>&`
	r3.UpdatedBy, r3.SystemID = ptr("ops@example.com"), ptr("EXT-1")
	r4 := rec(4, "b2c3d4e5-0000-4000-8000-000000000004", ptr(int64(100003)), "Bob Smith", 1003, paris, "2026-01-16T00:00:00Z", "2026-01-16T01:00:00", fc.SourceManual)
	r4.Description, r4.Reason, r4.UpdatedOn = "Account suspended", ptr("AccountSuspended"), utc("2026-03-01T00:00:00Z")
	r5 := rec(5, "c3d4e5f6-0000-4000-8000-000000000005", ptr(int64(100001)), "Ana Silva", 1002, zurich, "2026-01-14T23:59:59Z", "2026-01-15T00:59:59", fc.SourceNone)
	r5.Tariff, r5.Description, r5.Reason, r5.SystemID = "Hot Desk Part-Time", "Plan expired on 2026-01-10", ptr("PlanExpired"), ptr("ext-1")
	r6 := rec(6, "d4e5f6a7-0000-4000-8000-000000000006", ptr(int64(100004)), "Carla Jones", 1001, london, "2026-02-01T08:00:00Z", "2026-02-01T08:00:00", fc.SourceSensor)
	r6.Description, r6.Reason = "Outside allowed hours (Mon-Fri 08:00-19:00)", ptr("OutsideAllowedHours")
	return []*fc.FailedCheckin{r1, r2, r3, r4, r5, r6}
}

func seq(rs []*fc.FailedCheckin) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// newStore opens a migrated store (SQLite, or PostgreSQL when
// FAILEDCHECKINS_TEST_DB holds a postgres:// URL: package teststore),
// seeded with fixtures.
func newStore(t testing.TB) teststore.Store {
	t.Helper()
	ctx := context.Background()
	db := teststore.Open(t)
	if n, err := db.CreateFailedCheckins(ctx, seq(fixtures())); err != nil || n != len(fixtures()) {
		t.Fatalf("CreateFailedCheckins = %d, %v; want %d, nil", n, err, len(fixtures()))
	}
	return db
}

// newTestServer returns a Server over a seeded SQLite store, logging to log
// when it is not nil.
func newTestServer(t *testing.T, log io.Writer) *Server {
	t.Helper()
	cfg := Config{Store: newStore(t), Authenticator: fakeAuth{}}
	if log != nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(log, nil))
	}
	return New(cfg)
}

// do sends one request with the given bearer token ("" for none).
func do(t *testing.T, h http.Handler, method, target, token string) *httptest.ResponseRecorder {
	t.Helper()
	return doTB(t, h, method, target, token)
}

func doTB(t testing.TB, h http.Handler, method, target, token string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return serveChecked(t, h, r) // validated against api/openapi.json
}

// authRequest is a bare request carrying the given fake bearer token.
func authRequest(token string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}
