// Package api is the HTTP front of the service: one mux and one middleware
// stack (request id, access log, metrics, security headers, body limit,
// panic recovery; middleware.go) for everything served over HTTP. It
// serves the Nexudus-compatible API (docs/api.md): search, get-one,
// export and statistics of FailedCheckin records, the check-in and
// directory endpoints, the token endpoint, health checks, /metrics and
// the OpenAPI document; and it mounts the operator console (package
// console, through the Console interface) behind the same stack. Every
// route is listed in routes.go.
//
// Signing in is package signin's and reading a search's query string is
// package searchparams'; this package reads credentials from headers and
// writes answers. Handlers read as parse, call, write. Wire types (the
// Nexudus JSON shapes) live here and are converted explicitly from the
// domain types, so that an internal rename never changes the public JSON.
// Every error answer is written by one function (writeError) from one
// code-to-status map.
package api
