package api

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// sampleServer serves the 2,000-row sample data set from SQLite (or
// PostgreSQL by FAILEDCHECKINS_TEST_DB: package teststore).
func sampleServer(t testing.TB) (*Server, []*fc.FailedCheckin) {
	t.Helper()
	ctx := context.Background()
	records := storetest.Sample(t)
	db := teststore.Open(t)
	if _, err := db.CreateFailedCheckins(ctx, seq(records)); err != nil {
		t.Fatalf("CreateFailedCheckins: %v", err)
	}
	return New(Config{Store: db, Authenticator: fakeAuth{}}), records
}

// TestSearchMatchesReference sends realistic queries through the whole
// stack over the sample data and compares every answer with the reference
// search applied to the query the parameters denote.
func TestSearchMatchesReference(t *testing.T) {
	s, records := sampleServer(t)
	for _, c := range []struct{ token, query string }{
		{"admin", ""},
		{"admin", "orderBy=CheckinAttemptTime&dir=1&page=3&size=50"},
		{"admin", "FailedCheckin_Coworker_FullName=smith&orderBy=CheckinAttemptTime&dir=1"},
		{"admin", "FailedCheckin_Business=1090&FailedCheckin_Source=2&orderBy=Coworker&dir=asc&size=1000"},
		{"admin", "FailedCheckin_Business_Name=z%C3%9CRICH&orderBy=BusinessName"},
		{"admin", "from_FailedCheckin_CheckinAttemptTime=2024-11-15&to_FailedCheckin_CheckinAttemptTime=2024-11-30T12:00&orderBy=Id&dir=asc&size=7&page=2"},
		{"admin", "FailedCheckin_CheckinAttemptTimeLocal=2024-11-02&orderBy=CheckinAttemptTimeLocal"},
		{"admin", "FailedCheckin_Description=PLAN&orderBy=Description&dir=asc&size=13"},
		{"admin", "FailedCheckin_TeamsAtTheTimeOfCheckin=orbit&orderBy=TeamsAtTheTimeOfCheckin&dir=desc"},
		{"admin", "FailedCheckin_Coworker=null&orderBy=MacAddresses"},
		{"admin", "from_FailedCheckin_Id=100&to_FailedCheckin_Id=300&orderBy=TariffAtTheTimeOfCheckin&dir=0&page=4&size=20"},
		{"admin", "FailedCheckin_Source=Tile,Sensor&orderBy=Source&dir=asc&page=2"},
		{"lister", "orderBy=CoworkerFullName&dir=asc"},
		{"lister", "FailedCheckin_Business=1001,1090"},
	} {
		q, err := searchparams.FailedCheckins.Parse(c.query)
		if err != nil {
			t.Fatalf("parse(%q) = %v", c.query, err)
		}
		caller, _ := fakeAuth{}.Authenticate(authRequest(c.token))
		q.Scope = caller.Scope
		want := storetest.Search(records, q)
		if len(want.Records) == 0 {
			t.Errorf("?%s selects no record of the sample; the comparison would prove little", c.query)
		}
		w := do(t, s.Handler(), "GET", searchPath+"?"+c.query, c.token)
		var got struct {
			Records    []struct{ Id int64 }
			TotalItems int64
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
			t.Fatalf("GET ?%s = %d %s", c.query, w.Code, w.Body)
		}
		var gotIDs, wantIDs []int64
		for _, r := range got.Records {
			gotIDs = append(gotIDs, r.Id)
		}
		for _, r := range want.Records {
			wantIDs = append(wantIDs, r.ID)
		}
		if got.TotalItems != want.TotalItems || !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("GET ?%s as %s = %d items %v; want %d items %v", c.query, c.token, got.TotalItems, gotIDs, want.TotalItems, wantIDs)
		}
	}
}

// BenchmarkParseSearch measures parameter parsing alone (bench shape q3).
func BenchmarkParseSearch(b *testing.B) {
	const raw = "FailedCheckin_Business=1001&FailedCheckin_Source=2&FailedCheckin_Description=plan&from_FailedCheckin_CheckinAttemptTime=2026-08-03T00:00&orderBy=CheckinAttemptTime&dir=1&size=25"
	for b.Loop() {
		if _, err := searchparams.FailedCheckins.Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchHandler measures one search through the whole stack over
// the sample data in SQLite.
func BenchmarkSearchHandler(b *testing.B) {
	s, _ := sampleServer(b)
	h := s.Handler()
	const target = searchPath + "?FailedCheckin_Business=1090&orderBy=CheckinAttemptTime&dir=1&size=25"
	for b.Loop() {
		if w := doTB(b, h, "GET", target, "admin"); w.Code != 200 {
			b.Fatalf("GET = %d", w.Code)
		}
	}
}
