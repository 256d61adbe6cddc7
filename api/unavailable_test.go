package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
)

// downFailures is a sign-in failure store whose database is unavailable.
type downFailures struct{ fc.LoginFailureStore }

func (downFailures) FindLoginFailures(ctx context.Context, key string) (fc.LoginFailures, error) {
	return fc.LoginFailures{}, fc.Errorf(fc.ErrUnavailable, "cannot reach db.internal:5432")
}

// TestTokenUnavailableIs503: a sign-in while the database is down is a
// 503 temporarily_unavailable with Retry-After (issue 18 item 6), not a
// 500 server_error, and says nothing of the cause.
func TestTokenUnavailableIs503(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	e.addUser("ana@example.com", true, nil)
	svc := signin.New(signin.Config{Users: e.db, Tokens: e.db, Failures: downFailures{e.db}, Now: e.clock.Now})
	auth := NewAuth(svc, nil)
	req := httptest.NewRequest("POST", TokenPath, strings.NewReader(pwForm("ana@example.com", "pw-ana@example.com").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	http.HandlerFunc(auth.ServeToken).ServeHTTP(w, req)
	var body oauthErrorJSON
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 503 || body.Error != "temporarily_unavailable" ||
		w.Header().Get("Retry-After") == "" || strings.Contains(w.Body.String(), "5432") {
		t.Errorf("token with the database down = %d %s (Retry-After %q); want 503 temporarily_unavailable with Retry-After, no detail",
			w.Code, w.Body, w.Header().Get("Retry-After"))
	}
}
