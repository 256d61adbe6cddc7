package api

import (
	"context"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
)

// Auth is the API's side of sign-in: it reads credentials from the
// Authorization header (bearer tokens and Basic auth) and serves the token
// endpoint, POST /api/token (docs/api.md#authentication). The checking, throttling
// and rate limiting are the sign-in service's (package signin), which the
// console uses too.
type Auth struct {
	svc *signin.Service
	log *slog.Logger
}

// NewAuth returns the API's authenticator and token endpoint over svc.
// logger receives the internal errors of the token endpoint; nil discards.
func NewAuth(svc *signin.Service, logger *slog.Logger) *Auth {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Auth{svc: svc, log: logger}
}

// TokenPath is the path of the token endpoint.
const TokenPath = "/api/token"

// Authenticate implements Authenticator.
func (a *Auth) Authenticate(r *http.Request) (*fc.Caller, error) {
	return a.authenticate(r, true)
}

// Recheck implements Rechecker: Authenticate without counting against the
// user's rate limit.
func (a *Auth) Recheck(r *http.Request) (*fc.Caller, error) {
	return a.authenticate(r, false)
}

func (a *Auth) authenticate(r *http.Request, limit bool) (*fc.Caller, error) {
	header := r.Header.Get("Authorization")
	// The token endpoint authenticates by its form; OAuth clients may send
	// their client id there as Basic credentials, which are not a user's.
	if header == "" || r.URL.Path == TokenPath {
		return nil, nil
	}
	if len(header) > signin.MaxCredentialLength {
		return nil, signin.ErrBadCredentials
	}
	scheme, value, _ := strings.Cut(header, " ")
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "Bearer") && value != "" && !limit:
		return a.svc.RecheckBearer(r.Context(), value)
	case strings.EqualFold(scheme, "Bearer") && value != "":
		return a.svc.Bearer(r.Context(), value)
	case strings.EqualFold(scheme, "Basic") && a.svc.BasicEnabled():
		email, password, ok := r.BasicAuth()
		if !ok {
			return nil, signin.ErrBadCredentials
		}
		if msg := fc.EmailText.Problem(email); msg != "" {
			return nil, fc.InvalidFields([]fc.FieldError{{Property: "Authorization",
				Message: "the user name of the Basic credentials " + msg, AttemptedValue: fc.ShortValue(email)}})
		}
		if !limit {
			return a.svc.RecheckBasic(r.Context(), email, password, clientAddress(r))
		}
		return a.svc.Basic(r.Context(), email, password, clientAddress(r))
	}
	return nil, signin.ErrBadCredentials
}

// clientAddress is the address the request came from: the TCP peer, or
// the client a trusted reverse proxy forwarded for (serve
// --trusted-proxies rewrites RemoteAddr, package proxyaddr). The
// X-Forwarded-For header itself is never read here: a client could forge it
// to escape the throttle.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// retryAfter returns the Retry-After value for err: whole seconds, rounded
// up, at least 1; ok is false when err carries no delay.
func retryAfter(err error) (value string, ok bool) {
	wait, ok := signin.RetryAfter(err)
	if !ok {
		return "", false
	}
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))), true
}

func (a *Auth) logError(ctx context.Context, err error) {
	a.log.LogAttrs(ctx, slog.LevelError, "token request failed",
		slog.String("request_id", requestID(ctx)), slog.String("error", err.Error()))
}
