package api

import (
	"encoding/json"
	"mime"
	"net/http"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
)

// tokenJSON is the successful answer of the token endpoint (RFC 6749 5.1).
type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// oauthErrorJSON is an error answer of the token endpoint (RFC 6749 5.2).
type oauthErrorJSON struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// msgBadGrant is the one answer for every bad credential or refresh token,
// so that it reveals neither which part was wrong nor whether the account
// exists (docs/api.md#authentication fixes the text).
const msgBadGrant = "The user name or password is incorrect."

// maxTokenFormBytes bounds the token request body, well below the API's
// general body limit: a form of a few short fields.
const maxTokenFormBytes = 16 << 10

// ServeToken handles POST /api/token: the password grant (with a TOTP code
// for users who have two-factor sign-in) and the refresh-token grant.
func (a *Auth) ServeToken(w http.ResponseWriter, r *http.Request) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "The body must be application/x-www-form-urlencoded.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenFormBytes)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The form body cannot be read.")
		return
	}
	switch grant := r.PostForm.Get("grant_type"); grant {
	case "password":
		a.passwordGrant(w, r)
	case "refresh_token":
		a.refreshGrant(w, r)
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required.")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be password or refresh_token.")
	}
}

func (a *Auth) passwordGrant(w http.ResponseWriter, r *http.Request) {
	email, password := r.PostForm.Get("username"), r.PostForm.Get("password")
	if email == "" || password == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "username and password are required.")
		return
	}
	u, err := a.svc.SignIn(r.Context(), email, password, r.PostForm.Get("totp"), clientAddress(r))
	if err != nil {
		a.writeGrantError(w, r, err)
		return
	}
	t, err := a.svc.Issue(r.Context(), u, requestClientID(r))
	if err != nil {
		a.writeGrantError(w, r, err)
		return
	}
	writeToken(w, t)
}

func (a *Auth) refreshGrant(w http.ResponseWriter, r *http.Request) {
	refresh := r.PostForm.Get("refresh_token")
	if refresh == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required.")
		return
	}
	t, err := a.svc.Refresh(r.Context(), refresh, requestClientID(r))
	if err != nil {
		a.writeGrantError(w, r, err)
		return
	}
	writeToken(w, t)
}

// requestClientID is the client id of a token request: the client_id
// header of docs/api.md, else the RFC 6749 client_id form field, else the name
// of Basic client credentials; "" means the default (the user's email).
func requestClientID(r *http.Request) string {
	if id := r.Header.Get("client_id"); id != "" {
		return id
	}
	if id := r.PostForm.Get("client_id"); id != "" {
		return id
	}
	id, _, _ := r.BasicAuth()
	return id
}

// writeGrantError answers a failed grant: bad credentials are invalid_grant,
// throttling a 429 with Retry-After, an unavailable database a logged 503
// with Retry-After, anything else a logged 500.
func (a *Auth) writeGrantError(w http.ResponseWriter, r *http.Request, err error) {
	switch fc.ErrorCode(err) {
	case fc.ErrUnauthorized:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", msgBadGrant)
	case fc.ErrTooMany:
		if v, ok := retryAfter(err); ok {
			w.Header().Set("Retry-After", v)
		}
		writeOAuthError(w, http.StatusTooManyRequests, "invalid_grant", fc.ErrorMessage(err))
	case fc.ErrUnavailable:
		a.logError(r.Context(), err)
		setRetryUnavailable(w)
		writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", msgUnavailable)
	default:
		a.logError(r.Context(), err)
		writeOAuthError(w, http.StatusInternalServerError, "server_error", msgInternal)
	}
}

func writeToken(w http.ResponseWriter, t signin.Tokens) {
	writeOAuthJSON(w, http.StatusOK, tokenJSON{AccessToken: t.Access, TokenType: "bearer",
		ExpiresIn: int64(t.AccessLifetime / time.Second), RefreshToken: t.Refresh})
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeOAuthJSON(w, status, oauthErrorJSON{Error: code, Description: description})
}

// writeOAuthJSON writes a token endpoint answer, never cached (RFC 6749 5.1).
func writeOAuthJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
