package console

import (
	"log/slog"
	"net/http"
	"runtime/debug"
)

// maxFormBytes bounds a console request body: the forms are a few fields.
const maxFormBytes = 64 << 10

// contentSecurityPolicy allows only the console's own styles and script;
// the charts are inline SVG markup, which needs no source at all.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets safe defaults on every console response.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// cacheAssets lets browsers keep the embedded CSS and script for an hour.
func cacheAssets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		next.ServeHTTP(w, r)
	})
}

// recoverPanic logs a panic and answers 500 without its text; a handler
// that asked to abort the connection (a failed download) is let through.
func recoverPanic(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("console panic", "panic", v, "stack", string(debug.Stack()))
			http.Error(w, "Internal error", http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}
