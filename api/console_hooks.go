package api

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
)

// The console (package console) must not import this package, yet it must
// parse searches and sign people in exactly as the API does. cmd wires it
// with the two functions below, so there is one parser and one sign-in.

// ParseFailedCheckinSearch turns a raw query string into a Query without
// Scope, by the rules of GET /api/spaces/failedcheckins (API.md 2.1-2.4):
// the same parameters, defaults and ErrInvalid errors. Unknown parameters
// outside the FailedCheckin_, from_ and to_ prefixes are ignored.
func ParseFailedCheckinSearch(rawQuery string) (fc.Query, error) {
	return failedCheckinParams.parse(rawQuery)
}

// SignIn checks an email, password and (for users with two-factor sign-in)
// TOTP code with the token endpoint's throttling per account and per client
// address addr. Bad credentials are an ErrUnauthorized error that says
// nothing about which part was wrong; a throttled attempt is ErrTooMany.
func (a *Auth) SignIn(ctx context.Context, email, password, code, addr string) (*fc.User, error) {
	return a.signIn(ctx, email, password, code, addr)
}
