package api

import (
	"context"
	"net/http"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
)

// Authenticator turns the credentials of a request into a Caller.
//
// It returns (nil, nil) when the request carries no credentials at all, an
// error with code fc.ErrUnauthorized when they are present but bad, and the
// caller otherwise. Any other error (a database outage) is answered as such,
// never as a 401.
type Authenticator interface {
	Authenticate(r *http.Request) (*fc.Caller, error)
}

// Rechecker is an Authenticator that can check a request's credentials
// again without counting a new request against the user's rate limit: a
// live stream re-checks its caller periodically (StreamOptions.Recheck).
// An Authenticator without it is asked with Authenticate.
type Rechecker interface {
	Recheck(r *http.Request) (*fc.Caller, error)
}

// recheck returns the caller of r's credentials as they are now.
func (s *Server) recheck(r *http.Request) (*fc.Caller, error) {
	if rc, ok := s.auth.(Rechecker); ok {
		return rc.Recheck(r)
	}
	return s.auth.Authenticate(r)
}

// Roles the FailedCheckin endpoints require (docs/api.md#roles-and-location-scope).
const (
	fcRoleList = fc.RoleFailedCheckinList
	fcRoleRead = fc.RoleFailedCheckinRead
)

// authResult is what authentication found; it lives in the request context.
type authResult struct {
	caller *fc.Caller
	err    error
}

type authResultKey struct{}

// authenticate asks the Authenticator about r and returns r with the
// answer in its context, for callerFrom. Only the routes that need a
// caller call it (require, serveMetrics): public routes and the console
// never pay for a credential check.
func (s *Server) authenticate(r *http.Request) (*http.Request, *authResult) {
	var res authResult
	if s.auth != nil {
		res.caller, res.err = s.auth.Authenticate(r)
	}
	if res.caller != nil {
		audit.SetUser(r.Context(), res.caller.Email)
	}
	return r.WithContext(context.WithValue(r.Context(), authResultKey{}, &res)), &res
}

// callerFrom returns the authenticated caller of ctx, or nil.
func callerFrom(ctx context.Context) *fc.Caller {
	if res, ok := ctx.Value(authResultKey{}).(*authResult); ok && res.err == nil {
		return res.caller
	}
	return nil
}

// require wraps h so that it runs only for a caller holding role: no or bad
// credentials get 401 (with WWW-Authenticate: Bearer), a caller without the
// role 403. An authenticator failure other than bad credentials is answered
// with its own status (an outage is a 503, not a 401). An empty role asks
// only for a valid caller; the handler makes its own check (requireAdmin).
func (s *Server) require(role string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, res := s.authenticate(r)
		switch {
		case res.err != nil:
			if fc.ErrorCode(res.err) == fc.ErrUnauthorized {
				s.writeError(w, r, fc.Errorf(fc.ErrUnauthorized, "The credentials are not valid."))
				return
			}
			s.writeError(w, r, res.err)
		case res.caller == nil:
			s.writeError(w, r, fc.Errorf(fc.ErrUnauthorized, "Authentication is required."))
		case role != "" && !res.caller.HasRole(role):
			s.writeError(w, r, fc.Errorf(fc.ErrForbidden, "The %s role is required.", role))
		default:
			h(w, r)
		}
	})
}
