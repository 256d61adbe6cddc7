package api

import (
	"net/http"
	"path"
	"strconv"
	"strings"
)

// MaxQueryBytes is the longest query string the API reads. Longer ones are
// answered 414 by the API itself, in JSON; the http.Server built by
// NewHTTPServer accepts headers up to maxHeaderBytes (far above this), so
// the API, not net/http, is the one that refuses them.
const MaxQueryBytes = 64 << 10

// maxHeaderBytes is the http.Server limit on the request line and headers.
// A request beyond it never reaches a handler: net/http answers it with a
// plain-text 431 (Request Header Fields Too Large) and no X-Request-Id.
// It is set well above MaxQueryBytes so that only absurd requests (over
// 1 MiB of headers) meet that answer; the rest get the JSON 414.
const maxHeaderBytes = 1 << 20

// rejectMalformed answers a malformed request (malformedStatus) with a JSON
// error before the mux, which would redirect an unclean path with a
// text/html 307, and before authentication, since there is nothing to
// authorize.
//
// An unclean path (a double slash, /./ or /../) gets 404 "Not found", not a
// redirect to the clean path: no client of the API builds such paths, a
// redirect would ask clients to resend credentials and bodies to another
// URL, and 404 is the documented answer for a path that is not a route.
func (s *Server) rejectMalformed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch malformedStatus(r) {
		case http.StatusNotFound:
			s.notFound(w, r)
		case http.StatusRequestURITooLong:
			s.writeErrorBody(w, http.StatusRequestURITooLong,
				"the query string is longer than "+strconv.Itoa(MaxQueryBytes)+" bytes", nil)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// malformedStatus returns the error status a request gets before routing:
// 404 for an unclean path, 414 for a query string over MaxQueryBytes, or 0.
func malformedStatus(r *http.Request) int {
	if p := r.URL.EscapedPath(); r.Method != http.MethodConnect && p != cleanPath(p) {
		return http.StatusNotFound
	}
	if len(r.URL.RawQuery) > MaxQueryBytes {
		return http.StatusRequestURITooLong
	}
	return 0
}

// cleanPath is the path http.ServeMux redirects p to: path.Clean with the
// trailing slash kept, since /console/ and /console are different routes.
// It mirrors the mux's own rule so that no path it would redirect gets by.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}
