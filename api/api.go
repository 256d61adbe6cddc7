// Package api serves the Nexudus-compatible HTTP API of the service
// (design/API.md): search and get-one of FailedCheckin records, health
// checks, and the middleware every response goes through (request id,
// logging, panic recovery, security headers, body limit, authentication).
//
// Handlers read as parse, call, write. Wire types (the Nexudus JSON shapes)
// live here and are converted explicitly from the domain types, so that an
// internal rename never changes the public JSON. Every error answer is
// written by one function (writeError) from one code-to-status map.
package api
