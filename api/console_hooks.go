package api

import fc "github.com/failedcheckins/failedcheckins"

// The console (package console) must not import this package, yet it must
// parse searches exactly as the API does. cmd wires it with the function
// below, so there is one parser.

// ParseFailedCheckinSearch turns a raw query string into a Query without
// Scope, by the rules of GET /api/spaces/failedcheckins (API.md 2.1-2.4):
// the same parameters, defaults and ErrInvalid errors. Unknown parameters
// outside the FailedCheckin_, from_ and to_ prefixes are ignored.
func ParseFailedCheckinSearch(rawQuery string) (fc.Query, error) {
	return failedCheckinParams.parse(rawQuery)
}
