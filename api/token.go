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
	// RFC 6749 3.2: a parameter must not be sent more than once (which
	// one would count?).
	for name, values := range r.PostForm {
		if len(values) > 1 {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", name+" is given more than once; give it once.")
			return
		}
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
	// A name no account can have (not UTF-8, a NUL, longer than an
	// email) is refused before it reaches the store or a counter.
	if msg := fc.EmailText.Problem(email); msg != "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "username "+msg+".")
		return
	}
	clientID, ok := requestClientID(w, r)
	if !ok {
		return
	}
	u, err := a.svc.SignIn(r.Context(), email, password, r.PostForm.Get("totp"), clientAddress(r))
	if err != nil {
		a.writeGrantError(w, r, err)
		return
	}
	t, err := a.svc.Issue(r.Context(), u, clientID)
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
	clientID, ok := requestClientID(w, r)
	if !ok {
		return
	}
	t, err := a.svc.Refresh(r.Context(), refresh, clientID)
	if err != nil {
		a.writeGrantError(w, r, err)
		return
	}
	writeToken(w, t)
}

// requestClientID is the client id of a token request: the client_id
// header of docs/api.md, else the RFC 6749 client_id form field, else the name
// of Basic client credentials; "" means the default (the user's email).
// A client id the store cannot keep (fc.ClientIDText), or a header given
// twice, is answered here with invalid_request, naming where it came
// from, and ok is false.
func requestClientID(w http.ResponseWriter, r *http.Request) (id string, ok bool) {
	source := "the client_id header"
	if values := r.Header.Values("client_id"); len(values) > 1 {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", source+" is given more than once; give it once.")
		return "", false
	}
	id = r.Header.Get("client_id")
	if id == "" {
		source, id = "client_id", r.PostForm.Get("client_id")
	}
	if id == "" {
		source = "the client id of the Basic credentials"
		id, _, _ = r.BasicAuth()
	}
	if msg := fc.ClientIDText.Problem(id); msg != "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", source+" "+msg+".")
		return "", false
	}
	return id, true
}

// writeGrantError answers a failed grant: bad credentials are invalid_grant,
// throttling a 429 with Retry-After, an unavailable database a logged 503
// with Retry-After, anything else a logged 500.
func (a *Auth) writeGrantError(w http.ResponseWriter, r *http.Request, err error) {
	switch fc.ErrorCode(err) {
	case fc.ErrUnauthorized:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", msgBadGrant)
	case fc.ErrInvalid:
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", fc.ErrorMessage(err))
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
