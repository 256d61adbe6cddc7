package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
)

// TestAuthScenarios checks every kind of caller against both endpoints.
func TestAuthScenarios(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	ctx := context.Background()
	rec := e.sample[0]
	other := e.sample[slices.IndexFunc(e.sample, func(r *fc.FailedCheckin) bool { return r.BusinessID != rec.BusinessID })]
	list, read := []string{fc.RoleFailedCheckinList}, []string{fc.RoleFailedCheckinRead}
	both := []string{"failedcheckin-LIST", "FAILEDCHECKIN-read"} // roles match case-insensitively

	// The expired token is issued an access-token lifetime before the others.
	e.clock.Advance(-2 * time.Hour)
	e.addUser("expired@example.com", true, nil)
	expired := e.login("expired@example.com").AccessToken
	e.clock.Advance(2 * time.Hour)

	e.addUser("admin@example.com", true, nil)
	e.addUser("norole@example.com", false, nil, rec.BusinessID)
	e.addUser("list@example.com", false, list, rec.BusinessID, other.BusinessID)
	e.addUser("read@example.com", false, read, rec.BusinessID, other.BusinessID)
	e.addUser("scoped@example.com", false, both, rec.BusinessID)
	e.addUser("nowhere@example.com", false, both)
	disabledUser := e.addUser("disabled@example.com", true, nil)
	token := map[string]string{"none": "", "bad token": "Bearer " + fc.NewToken(), "expired token": "Bearer " + expired,
		"garbage header": "Digest abc"}
	for _, name := range []string{"admin", "norole", "list", "read", "scoped", "nowhere", "disabled"} {
		token[name] = "Bearer " + e.login(name+"@example.com").AccessToken
	}
	disabledUser.Enabled = false
	if err := e.db.UpdateUser(ctx, disabledUser); err != nil {
		t.Fatal(err)
	}
	inScope := fmt.Sprint(rec.BusinessID)
	search := "/api/spaces/failedcheckins?size=1000&FailedCheckin_Business=" + inScope + "," + fmt.Sprint(other.BusinessID)
	getOne := fmt.Sprintf("/api/spaces/failedcheckins/%d", rec.ID)
	getOther := fmt.Sprintf("/api/spaces/failedcheckins/%d", other.ID)
	inRec, both2 := countBusinesses(e.sample, rec.BusinessID), countBusinesses(e.sample, rec.BusinessID, other.BusinessID)
	tests := []struct {
		caller     string
		path       string
		wantStatus int
		wantTotal  int // for a 200 search: TotalItems
	}{
		{"none", search, 401, 0}, {"none", getOne, 401, 0},
		{"garbage header", search, 401, 0}, {"garbage header", getOne, 401, 0},
		{"bad token", search, 401, 0}, {"bad token", getOne, 401, 0},
		{"expired token", search, 401, 0}, {"expired token", getOne, 401, 0},
		{"disabled", search, 401, 0}, {"disabled", getOne, 401, 0},
		{"norole", search, 403, 0}, {"norole", getOne, 403, 0},
		{"list", search, 200, both2}, {"list", getOne, 403, 0},
		{"read", search, 403, 0}, {"read", getOne, 200, 0}, {"read", getOther, 200, 0},
		{"scoped", search, 200, inRec}, {"scoped", getOne, 200, 0}, {"scoped", getOther, 404, 0},
		{"nowhere", search, 200, 0}, {"nowhere", getOne, 404, 0},
		{"admin", search, 200, both2}, {"admin", getOne, 200, 0}, {"admin", getOther, 200, 0},
	}
	for _, tc := range tests {
		t.Run(tc.caller+" "+tc.path, func(t *testing.T) {
			w := e.get(tc.path, token[tc.caller])
			if w.Code != tc.wantStatus {
				t.Fatalf("GET %s as %s = %d %s; want %d", tc.path, tc.caller, w.Code, w.Body, tc.wantStatus)
			}
			if w.Code == 401 && w.Header().Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("401 WWW-Authenticate = %q; want Bearer", w.Header().Get("WWW-Authenticate"))
			}
			if w.Code == 200 && tc.path == search {
				var page struct{ TotalItems int }
				if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || page.TotalItems != tc.wantTotal {
					t.Errorf("search as %s TotalItems = %d (%v); want %d", tc.caller, page.TotalItems, err, tc.wantTotal)
				}
			}
		})
	}
}

func countBusinesses(rs []*fc.FailedCheckin, ids ...int64) int {
	n := 0
	for _, r := range rs {
		if slices.Contains(ids, r.BusinessID) {
			n++
		}
	}
	return n
}

func basic(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

func TestBasicAuth(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	e.addUser("ana@example.com", true, nil)
	for _, tc := range []struct {
		name, header string
		want         int
	}{
		{"good", basic("ANA@example.com", "pw-ana@example.com"), 200},
		{"bad password", basic("ana@example.com", "nope"), 401},
		{"unknown user", basic("zed@example.com", "pw-zed@example.com"), 401},
		{"malformed", "Basic !!!", 401},
	} {
		if w := e.get("/api/spaces/failedcheckins/1", tc.header); w.Code != tc.want {
			t.Errorf("%s: GET with Basic = %d %s; want %d", tc.name, w.Code, w.Body, tc.want)
		}
	}
	off := newAuthEnv(t, signin.Config{DisableBasic: true})
	off.addUser("ana@example.com", true, nil)
	if w := off.get("/api/spaces/failedcheckins/1", basic("ana@example.com", "pw-ana@example.com")); w.Code != 401 {
		t.Errorf("Basic with DisableBasic = %d; want 401", w.Code)
	}
}

// TestLoginThrottle drives the per-account and per-address throttles with
// the fake clock: failures slow down, then lock, the same way for unknown
// accounts, and a good password is refused while throttled.
func TestLoginThrottle(t *testing.T) {
	account := fc.LoginPolicy{Free: 2, Delay: time.Second, MaxDelay: 4 * time.Second, Lock: 5, LockFor: 10 * time.Minute, ResetAfter: time.Hour}
	address := fc.LoginPolicy{Free: 100, Delay: time.Second, MaxDelay: time.Second, Lock: 1000, LockFor: time.Hour, ResetAfter: time.Hour}
	e := newAuthEnv(t, signin.Config{AccountPolicy: &account, AddressPolicy: &address})
	e.addUser("ana@example.com", false, nil)
	for _, email := range []string{"ana@example.com", "ghost@example.com"} {
		t.Run(email, func(t *testing.T) {
			attempt := func(pw string) (int, string, oauthErrorJSON) {
				w := e.postToken(url.Values{"grant_type": {"password"}, "username": {email}, "password": {pw}}, nil)
				var body oauthErrorJSON
				_ = json.Unmarshal(w.Body.Bytes(), &body)
				return w.Code, w.Header().Get("Retry-After"), body
			}
			for i := range 2 {
				if code, _, body := attempt("wrong"); code != 400 || body.Error != "invalid_grant" || body.Description != msgBadGrant {
					t.Fatalf("failure %d = %d %+v; want 400 invalid_grant %q", i+1, code, body, msgBadGrant)
				}
			}
			// Two failures used the free attempts: the next must wait 1 s.
			if code, retry, _ := attempt("pw-" + email); code != 429 || retry != "1" {
				t.Fatalf("attempt while slowed down = %d Retry-After %q; want 429 and 1", code, retry)
			}
			e.clock.Advance(time.Second)
			attempt("wrong") // third failure: 2 s
			e.clock.Advance(2 * time.Second)
			attempt("wrong") // fourth: 4 s
			e.clock.Advance(4 * time.Second)
			attempt("wrong") // fifth: locked for 10 minutes
			e.clock.Advance(9 * time.Minute)
			if code, retry, _ := attempt("pw-" + email); code != 429 || retry != "60" {
				t.Fatalf("attempt while locked = %d Retry-After %q; want 429 and 60", code, retry)
			}
			e.clock.Advance(time.Minute)
			want := 200
			if email == "ghost@example.com" {
				want = 400
			}
			if code, _, _ := attempt("pw-" + email); code != want {
				t.Fatalf("attempt after the lock = %d; want %d", code, want)
			}
		})
	}
}

func TestAddressThrottle(t *testing.T) {
	address := fc.LoginPolicy{Free: 3, Delay: time.Minute, MaxDelay: time.Minute, Lock: 100, LockFor: time.Hour, ResetAfter: time.Hour}
	e := newAuthEnv(t, signin.Config{AddressPolicy: &address})
	e.addUser("ana@example.com", false, nil)
	// One address guessing at three different accounts...
	for _, who := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		e.postToken(url.Values{"grant_type": {"password"}, "username": {who}, "password": {"guess"}}, nil)
	}
	form := url.Values{"grant_type": {"password"}, "username": {"ana@example.com"}, "password": {"pw-ana@example.com"}}
	if w := e.postToken(form, nil); w.Code != 429 {
		t.Fatalf("fourth sign-in from the address = %d; want 429", w.Code)
	}
	// ... does not lock out the same account from another address.
	r := newTokenRequest(form)
	r.RemoteAddr = "198.51.100.9:4000"
	if w := e.do(r); w.Code != 200 {
		t.Fatalf("sign-in from another address = %d %s; want 200", w.Code, w.Body)
	}
}

func TestBasicAuthThrottle(t *testing.T) {
	account := fc.LoginPolicy{Free: 1, Delay: time.Minute, MaxDelay: time.Minute, Lock: 100, LockFor: time.Hour, ResetAfter: time.Hour}
	e := newAuthEnv(t, signin.Config{AccountPolicy: &account})
	e.addUser("ana@example.com", true, nil)
	if w := e.get("/api/spaces/failedcheckins/1", basic("ana@example.com", "wrong")); w.Code != 401 {
		t.Fatalf("bad Basic = %d; want 401", w.Code)
	}
	w := e.get("/api/spaces/failedcheckins/1", basic("ana@example.com", "pw-ana@example.com"))
	if w.Code != 429 || w.Header().Get("Retry-After") != "60" {
		t.Fatalf("Basic while throttled = %d Retry-After %q; want 429 and 60", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestTokenRateLimit(t *testing.T) {
	e := newAuthEnv(t, signin.Config{RateLimit: 2, RateBurst: 3})
	e.addUser("ana@example.com", true, nil)
	a, b := "Bearer "+e.login("ana@example.com").AccessToken, "Bearer "+e.login("ana@example.com").AccessToken
	path := "/api/spaces/failedcheckins/1"
	for i := range 3 {
		if w := e.get(path, a); w.Code != 200 {
			t.Fatalf("request %d within the burst = %d; want 200", i+1, w.Code)
		}
	}
	w := e.get(path, a)
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("request past the burst = %d Retry-After %q; want 429 and 1", w.Code, w.Header().Get("Retry-After"))
	}
	// The limit is per user: a fresh token does not reset it.
	if w := e.get(path, b); w.Code != 429 {
		t.Errorf("another token of the same user = %d; want 429 (limits are per user)", w.Code)
	}
	e.addUser("ben@example.com", true, nil)
	if w := e.get(path, "Bearer "+e.login("ben@example.com").AccessToken); w.Code != 200 {
		t.Errorf("another user's token = %d; want 200", w.Code)
	}
	e.clock.Advance(500 * time.Millisecond)
	if w := e.get(path, a); w.Code != 200 {
		t.Errorf("after half a second at 2/s = %d; want 200", w.Code)
	}
	if w := e.get(path, a); w.Code != 429 {
		t.Errorf("second request after half a second = %d; want 429", w.Code)
	}
}

// TestBasicAuthCache checks that remembered Basic credentials stop working
// as soon as the user is disabled or the password changes.
func TestBasicAuthCache(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	u := e.addUser("ana@example.com", true, nil)
	good := basic("ana@example.com", "pw-ana@example.com")
	path := "/api/spaces/failedcheckins/1"
	for i := range 2 { // the second request is served from the cache
		if w := e.get(path, good); w.Code != 200 {
			t.Fatalf("Basic request %d = %d; want 200", i+1, w.Code)
		}
	}
	u.Enabled = false
	if err := e.db.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if w := e.get(path, good); w.Code != 401 {
		t.Errorf("cached Basic of a disabled user = %d; want 401", w.Code)
	}
	u.Enabled = true
	var err error
	if u.PasswordHash, err = fc.HashPassword("changed"); err != nil {
		t.Fatal(err)
	}
	if err := e.db.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if w := e.get(path, good); w.Code != 401 {
		t.Errorf("cached Basic after a password change = %d; want 401", w.Code)
	}
	if w := e.get(path, basic("ana@example.com", "changed")); w.Code != 200 {
		t.Errorf("Basic with the new password = %d; want 200", w.Code)
	}
}
