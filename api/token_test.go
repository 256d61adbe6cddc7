package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
	"golang.org/x/oauth2"
)

func pwForm(email, pw string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {email}, "password": {pw}}
}

func refreshForm(token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
}

// wantOAuthError checks an RFC 6749 error answer.
func wantOAuthError(t *testing.T, name string, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	var body oauthErrorJSON
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != status || body.Error != code {
		t.Errorf("%s = %d %s; want %d with error %q", name, w.Code, w.Body, status, code)
	}
	if code == "invalid_grant" && status == 400 && body.Description != msgBadGrant {
		t.Errorf("%s description = %q; want %q", name, body.Description, msgBadGrant)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	e.addUser("ana@example.com", true, nil)
	off := e.addUser("off@example.com", true, nil)
	off.Enabled = false
	if err := e.db.UpdateUser(context.Background(), off); err != nil {
		t.Fatal(err)
	}
	jsonReq := httptest.NewRequest("POST", TokenPath, strings.NewReader(`{"grant_type":"password","username":"ana@example.com","password":"pw-ana@example.com"}`))
	jsonReq.Header.Set("Content-Type", "application/json")
	wantOAuthError(t, "JSON body", e.do(jsonReq), 400, "unsupported_grant_type")
	noType := httptest.NewRequest("POST", TokenPath, strings.NewReader(pwForm("ana@example.com", "pw-ana@example.com").Encode()))
	wantOAuthError(t, "no content type", e.do(noType), 400, "unsupported_grant_type")
	if w := e.get(TokenPath, ""); w.Code != 405 || w.Header().Get("Allow") != "POST" {
		t.Errorf("GET %s = %d Allow %q; want 405 and POST", TokenPath, w.Code, w.Header().Get("Allow"))
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"client credentials grant", url.Values{"grant_type": {"client_credentials"}}, 400, "unsupported_grant_type"},
		{"no grant type", url.Values{"username": {"ana@example.com"}}, 400, "invalid_request"},
		{"no password", url.Values{"grant_type": {"password"}, "username": {"ana@example.com"}}, 400, "invalid_request"},
		{"wrong password", pwForm("ana@example.com", "nope"), 400, "invalid_grant"},
		{"unknown user", pwForm("zed@example.com", "pw-zed@example.com"), 400, "invalid_grant"},
		{"disabled user", pwForm("off@example.com", "pw-off@example.com"), 400, "invalid_grant"},
		{"no refresh token", url.Values{"grant_type": {"refresh_token"}}, 400, "invalid_request"},
		{"unknown refresh token", refreshForm(fc.NewToken()), 400, "invalid_grant"},
	} {
		wantOAuthError(t, tc.name, e.postToken(tc.form, nil), tc.status, tc.code)
	}
}

func TestTokenGrants(t *testing.T) {
	e := newAuthEnv(t, signin.Config{AccessTokenLifetime: 10 * time.Minute})
	e.addUser("ana@example.com", true, nil)
	w := e.postToken(pwForm("Ana@Example.com", "pw-ana@example.com"), nil)
	var tok tokenJSON
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || w.Code != 200 || tok.TokenType != "bearer" ||
		tok.ExpiresIn != 600 || len(tok.AccessToken) < 43 || len(tok.RefreshToken) < 43 || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("password grant = %d %s (%v); want 200 bearer expiring in 600 s, not cached", w.Code, w.Body, w.Header())
	}
	// A refresh rotates: the new token works, the old one is used up.
	w = e.postToken(refreshForm(tok.RefreshToken), nil)
	var next tokenJSON
	if err := json.Unmarshal(w.Body.Bytes(), &next); err != nil || w.Code != 200 || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh grant = %d %s; want 200 with a new refresh token", w.Code, w.Body)
	}
	wantOAuthError(t, "reused refresh token", e.postToken(refreshForm(tok.RefreshToken), nil), 400, "invalid_grant")
	// A client_id header binds the refresh token to that client.
	app := clientHeader("app-1")
	w = e.postToken(pwForm("ana@example.com", "pw-ana@example.com"), app)
	var appTok tokenJSON
	_ = json.Unmarshal(w.Body.Bytes(), &appTok)
	wantOAuthError(t, "refresh without the client id", e.postToken(refreshForm(appTok.RefreshToken), nil), 400, "invalid_grant")
	wantOAuthError(t, "refresh with another client id", e.postToken(refreshForm(appTok.RefreshToken), clientHeader("app-2")), 400, "invalid_grant")
	if w := e.postToken(refreshForm(appTok.RefreshToken), app); w.Code != 200 {
		t.Errorf("refresh with the client id = %d %s; want 200", w.Code, w.Body)
	}
	// A new password grant for the same client replaces its refresh token.
	first := e.login("ana@example.com")
	e.login("ana@example.com")
	wantOAuthError(t, "replaced refresh token", e.postToken(refreshForm(first.RefreshToken), nil), 400, "invalid_grant")
	// Refresh tokens live 15 days.
	last := e.login("ana@example.com")
	e.clock.Advance(fc.RefreshTokenLifetime)
	wantOAuthError(t, "expired refresh token", e.postToken(refreshForm(last.RefreshToken), nil), 400, "invalid_grant")
}

func TestTokenTOTP(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	u := e.addUser("ana@example.com", true, nil)
	secret, _, err := signin.NewTOTPSecret(u.Email)
	if err != nil {
		t.Fatal(err)
	}
	u.TOTPSecret = secret
	if err := e.db.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	form := pwForm("ana@example.com", "pw-ana@example.com")
	wantOAuthError(t, "password without TOTP", e.postToken(form, nil), 400, "invalid_grant")
	form.Set("totp", "000000")
	wantOAuthError(t, "wrong TOTP", e.postToken(form, nil), 400, "invalid_grant")
	code, err := signin.TOTPCode(secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	form.Set("totp", code)
	if w := e.postToken(form, nil); w.Code != 200 {
		t.Errorf("password with TOTP = %d %s; want 200", w.Code, w.Body)
	}
	// RFC 6238 5.2: a code accepted once is not accepted again, even
	// within its validity window.
	wantOAuthError(t, "the same TOTP code again", e.postToken(form, nil), 400, "invalid_grant")
	e.clock.Advance(30 * time.Second)
	next, err := signin.TOTPCode(secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	form.Set("totp", next)
	if w := e.postToken(form, nil); w.Code != 200 {
		t.Errorf("password with the next step's TOTP = %d %s; want 200", w.Code, w.Body)
	}
	// The first code is still inside the one-step drift window, but older
	// than the one just used.
	form.Set("totp", code)
	wantOAuthError(t, "an older TOTP code after a newer one", e.postToken(form, nil), 400, "invalid_grant")
}

func TestConcurrentRefresh(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	e.addUser("ana@example.com", true, nil)
	tok := e.login("ana@example.com")
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Go(func() { codes[i] = e.postToken(refreshForm(tok.RefreshToken), nil).Code })
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 400 || codes[0] == 400 && codes[1] == 200) {
		t.Errorf("two concurrent refreshes = %v; want exactly one 200 and one 400", codes)
	}
}

// TestOAuth2Client drives the endpoint with golang.org/x/oauth2, the
// library most Go integrations use: password grant, then an automatic
// refresh once the access token has expired.
func TestOAuth2Client(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	e.addUser("ana@example.com", true, nil)
	srv := httptest.NewServer(e.handler)
	defer srv.Close()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	conf := &oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: srv.URL + TokenPath, AuthStyle: oauth2.AuthStyleInParams}}
	tok, err := conf.PasswordCredentialsToken(ctx, "ana@example.com", "pw-ana@example.com")
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" || tok.Type() != "Bearer" {
		t.Fatalf("PasswordCredentialsToken = %+v, %v; want bearer tokens", tok, err)
	}
	if _, err := conf.PasswordCredentialsToken(ctx, "ana@example.com", "wrong"); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("PasswordCredentialsToken(wrong password) error = %v; want invalid_grant", err)
	}
	getStatus := func(tok *oauth2.Token) int {
		req, _ := http.NewRequest("GET", srv.URL+"/api/spaces/failedcheckins?size=1", nil)
		tok.SetAuthHeader(req)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := getStatus(tok); got != 200 {
		t.Fatalf("search with the access token = %d; want 200", got)
	}
	// Expire the access token on both sides: the server's clock and the
	// client's view of it.
	e.clock.Advance(fc.DefaultAccessTokenLifetime)
	if got := getStatus(tok); got != 401 {
		t.Fatalf("search with the expired token = %d; want 401", got)
	}
	old := *tok
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := conf.TokenSource(ctx, tok).Token()
	if err != nil || fresh.AccessToken == old.AccessToken || fresh.RefreshToken == old.RefreshToken || fresh.RefreshToken == "" {
		t.Fatalf("TokenSource refresh = %+v, %v; want new access and rotated refresh tokens", fresh, err)
	}
	if got := getStatus(fresh); got != 200 {
		t.Errorf("search with the refreshed token = %d; want 200", got)
	}
	// The rotated-out refresh token no longer works.
	stale := &oauth2.Token{RefreshToken: old.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	if _, err := conf.TokenSource(ctx, stale).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("refresh with the old refresh token error = %v; want invalid_grant", err)
	}
	// And the rotated one does, once.
	again := &oauth2.Token{RefreshToken: fresh.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	if _, err := conf.TokenSource(ctx, again).Token(); err != nil {
		t.Errorf("refresh with the rotated refresh token error = %v; want success", err)
	}
}

// clientHeader is the client_id header as a server receives it (canonical key).
func clientHeader(id string) http.Header {
	h := http.Header{}
	h.Set("client_id", id)
	return h
}
