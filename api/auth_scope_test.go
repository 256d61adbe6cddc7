package api

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestScopeProperty gives users random location scopes and runs random
// searches through the whole API (token, authenticator, handler, store):
// no record outside the scope ever comes back, and the page equals
// storetest.Search's for that scope. The seed is logged on failure.
func TestScopeProperty(t *testing.T) {
	e := newAuthEnv(t, signin.Config{RateLimit: -1})
	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 0xa11))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d", seed)
		}
	})
	var businesses []int64
	for _, r := range e.sample {
		if !slices.Contains(businesses, r.BusinessID) {
			businesses = append(businesses, r.BusinessID)
		}
	}
	roles := []string{fc.RoleFailedCheckinList, fc.RoleFailedCheckinRead}
	for u := range 8 {
		var ids []int64
		for range rnd.IntN(4) { // zero to three locations, sometimes one without records
			ids = append(ids, businesses[rnd.IntN(len(businesses))])
		}
		if rnd.IntN(4) == 0 {
			ids = append(ids, 999999)
		}
		email := fmt.Sprintf("user%d@example.com", u)
		e.addUser(email, false, roles, ids...)
		bearer := "Bearer " + e.login(email).AccessToken
		scope := fc.BusinessScope(ids...)
		for range 12 {
			params, q := randomSearch(rnd, e.sample)
			q.Scope = scope
			checkScopedSearch(t, e, bearer, params, q, ids)
			if t.Failed() {
				return
			}
		}
		// Get-one: visible exactly when the record's location is in scope.
		r := e.sample[rnd.IntN(len(e.sample))]
		want := 404
		if scope.Allows(r.BusinessID) {
			want = 200
		}
		if w := e.get(fmt.Sprintf("/api/spaces/failedcheckins/%d", r.ID), bearer); w.Code != want {
			t.Fatalf("get %d (location %d) with scope %v = %d; want %d", r.ID, r.BusinessID, ids, w.Code, want)
		}
	}
}

// randomSearch returns search parameters and the equivalent domain query.
func randomSearch(rnd *rand.Rand, sample []*fc.FailedCheckin) (url.Values, fc.Query) {
	order := []fc.Field{fc.FieldID, fc.FieldCheckinAttemptTime, fc.FieldCoworkerFullName, fc.FieldBusinessID}[rnd.IntN(4)]
	q := fc.Query{OrderBy: order, Descending: rnd.IntN(2) == 0, Page: 1 + int64(rnd.IntN(3)), Size: []int{5, 50, 1000}[rnd.IntN(3)]}
	v := url.Values{"orderBy": {string(order)}, "dir": {map[bool]string{true: "desc", false: "asc"}[q.Descending]},
		"page": {fmt.Sprint(q.Page)}, "size": {fmt.Sprint(q.Size)}}
	r := sample[rnd.IntN(len(sample))]
	switch rnd.IntN(4) {
	case 0:
		v.Set("FailedCheckin_Source", fmt.Sprint(int(r.Source)))
		q.Conditions = append(q.Conditions, fc.In(fc.FieldSource, int64(r.Source)))
	case 1:
		runes := []rune(r.CoworkerFullName) // whole characters: a cut one is not UTF-8, a 400
		name := string(runes[:min(3, len(runes))])
		v.Set("FailedCheckin_Coworker_FullName", name)
		q.Conditions = append(q.Conditions, fc.Contains(fc.FieldCoworkerFullName, name))
	case 2:
		lo := rnd.Int64N(2000)
		hi := lo + rnd.Int64N(800)
		v.Set("from_FailedCheckin_Id", fmt.Sprint(lo))
		v.Set("to_FailedCheckin_Id", fmt.Sprint(hi))
		q.Conditions = append(q.Conditions, fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: lo, Max: hi})
	}
	return v, q
}

func checkScopedSearch(t *testing.T, e *authEnv, bearer string, params url.Values, q fc.Query, ids []int64) {
	t.Helper()
	w := e.get("/api/spaces/failedcheckins?"+params.Encode(), bearer)
	var page struct {
		TotalItems int64
		Records    []struct{ Id, BusinessId int64 }
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &page) != nil {
		t.Fatalf("search %s with scope %v = %d %s; want 200", params.Encode(), ids, w.Code, w.Body)
	}
	want := storetest.Search(e.sample, q)
	var got, wantIDs []int64
	for _, r := range page.Records {
		if !slices.Contains(ids, r.BusinessId) {
			t.Fatalf("search %s with scope %v returned record %d of location %d", params.Encode(), ids, r.Id, r.BusinessId)
		}
		got = append(got, r.Id)
	}
	for _, r := range want.Records {
		wantIDs = append(wantIDs, r.ID)
	}
	if page.TotalItems != want.TotalItems || !slices.Equal(got, wantIDs) {
		t.Fatalf("search %s with scope %v = %d items %v; want %d items %v", params.Encode(), ids, page.TotalItems, got, want.TotalItems, wantIDs)
	}
}
