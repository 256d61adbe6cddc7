package api

import (
	_ "embed"
	"net/http"
	"strconv"
)

// OpenAPIPath is where the OpenAPI document of the API is served.
const OpenAPIPath = "/openapi.json"

// openAPIDocument is the OpenAPI 3.1 description of every public endpoint.
// It is written by hand from the contracts (docs/api.md, docs/checkins.md)
// rather than generated from the handlers: the contracts are the source of
// truth, and the scenario tests validate every request and answer against
// this file (openapi_test.go), so it cannot drift from the code unnoticed.
//
//go:embed openapi.json
var openAPIDocument []byte

// serveOpenAPI answers GET /openapi.json. The document is public: it
// describes the API, it holds no data.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	// The document changes only with the binary.
	h.Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDocument)
}
