package console

import "net/http"

// The shared middleware (request id, access log, metrics, the common
// security headers, body limit, panic recovery) is the server's (package
// api, routes.go); what follows is only what the console's HTML needs on
// top of it.

// contentSecurityPolicy allows only the console's own styles and script;
// the charts are inline SVG markup, which needs no source at all. The
// script may connect only to the console itself: the list page's live
// view (an EventSource on /console/failedcheckins/stream).
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// page wraps every console handler: Go's cross-origin protection
// (Sec-Fetch-Site / Origin) refuses every cross-site POST before the
// handlers' own CSRF token is even checked, and the pages get their
// Content-Security-Policy and a same-origin referrer policy (the API's
// default sends none; the console's own links may carry it).
func (c *Console) page(h http.Handler) http.Handler {
	h = c.crossOrigin.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// cacheAssets lets browsers keep the embedded CSS and script for an hour.
func cacheAssets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}
