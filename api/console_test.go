package api

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fakeConsole stands in for package console: each page answers its own
// name, the detail page panics, and the sign-in form reports the size of
// the body it could read (or the error).
type fakeConsole struct{}

func page(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "page:"+name)
	})
}

func (fakeConsole) Assets() http.Handler              { return page("assets") }
func (fakeConsole) Home() http.Handler                { return page("home") }
func (fakeConsole) SignInPage() http.Handler          { return page("signin") }
func (fakeConsole) SignOut() http.Handler             { return page("signout") }
func (fakeConsole) List() http.Handler                { return page("list") }
func (fakeConsole) Export() http.Handler              { return page("export") }
func (fakeConsole) NotFound() http.Handler            { return page("notfound") }
func (fakeConsole) Evaluate() http.Handler            { return page("evaluate") }
func (fakeConsole) Coworker() http.Handler            { return page("coworker") }
func (fakeConsole) Webhooks() http.Handler            { return page("webhooks") }
func (fakeConsole) CreateWebhook() http.Handler       { return page("create webhook") }
func (fakeConsole) Webhook() http.Handler             { return page("webhook") }
func (fakeConsole) EnableWebhook() http.Handler       { return page("enable webhook") }
func (fakeConsole) DisableWebhook() http.Handler      { return page("disable webhook") }
func (fakeConsole) RedeliverWebhook() http.Handler    { return page("redeliver webhook") }
func (fakeConsole) Alerts() http.Handler              { return page("alerts") }
func (fakeConsole) AcknowledgeIncident() http.Handler { return page("acknowledge incident") }
func (fakeConsole) Stream(StreamFunc) http.Handler {
	return page("stream")
}
func (fakeConsole) EvaluateCoworker() http.Handler {
	return page("evaluate coworker")
}
func (fakeConsole) Detail() http.Handler {
	return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret console panic") })
}
func (fakeConsole) SignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "read %d bytes", len(b))
	})
}

// newConsoleServer is a Server with the fake console mounted, logging to log.
func newConsoleServer(t *testing.T, log io.Writer) *Server {
	t.Helper()
	return New(Config{Store: newStore(t), Authenticator: fakeAuth{}, Console: fakeConsole{}, Logger: slog.New(slog.NewJSONHandler(log, nil))})
}

// serveConsole sends one request to h, as a browser on another machine.
func serveConsole(h http.Handler, method, target string, body io.Reader) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "203.0.113.7:5555"
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestConsoleGetsTheSharedMiddleware: a console request goes through the
// same stack as an API request: it gets a request id, the common security
// headers, one access-log line with its route, and is counted in the
// metrics under its route pattern.
func TestConsoleGetsTheSharedMiddleware(t *testing.T) {
	var log bytes.Buffer
	s := newConsoleServer(t, &log)
	h := s.Handler()
	w := serveConsole(h, "GET", "/console/signin", nil)
	if w.Code != 200 || w.Body.String() != "page:signin" {
		t.Fatalf("GET /console/signin = %d %q; want the console's sign-in page", w.Code, w.Body)
	}
	id := w.Header().Get("X-Request-Id")
	if len(id) != 32 {
		t.Errorf("GET /console/signin: X-Request-Id = %q; want a 32-digit id", id)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("GET /console/signin: %s = %q; want %q", k, got, v)
		}
	}
	for _, want := range []string{`"route":"GET /console/signin"`, `"status":200`, `"request_id":"` + id + `"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log = %s; want %s", log.String(), want)
		}
	}
	serveConsole(h, "GET", "/console/nope", nil)
	wantSeries(t, scrape(t, h),
		`failedcheckins_http_requests_total{code="200",route="GET /console/signin"} 1`,
		`failedcheckins_http_requests_total{code="200",route="/console/"} 1`)
}

// TestConsolePanicIs500: a panicking console handler is the standard JSON
// 500 with a request id, logged with the panic, never a crash or the
// panic's text.
func TestConsolePanicIs500(t *testing.T) {
	var log bytes.Buffer
	s := newConsoleServer(t, &log)
	w := serveConsole(s.Handler(), "GET", "/console/failedcheckins/1", nil)
	id := w.Header().Get("X-Request-Id")
	if want := `{"Status":500,"Message":"An internal error occurred.","WasSuccessful":false,"Errors":[]}`; w.Code != 500 || strings.TrimSpace(w.Body.String()) != want {
		t.Errorf("panicking console handler = %d %s; want 500 %s", w.Code, w.Body, want)
	}
	if id == "" || !strings.Contains(log.String(), "secret console panic") || !strings.Contains(log.String(), id) {
		t.Errorf("log = %s; want the panic with the request id %q", log.String(), id)
	}
	wantSeries(t, scrape(t, s.Handler()), `failedcheckins_http_requests_total{code="500",route="GET /console/failedcheckins/{id}"} 1`)
}

// TestConsoleBodyLimit: console POSTs are capped at consoleMaxBodyBytes,
// far below the API's limit, by the same middleware.
func TestConsoleBodyLimit(t *testing.T) {
	s := newConsoleServer(t, io.Discard)
	form := func(n int) io.Reader {
		return strings.NewReader(url.Values{"pad": {strings.Repeat("a", n)}}.Encode())
	}
	if w := serveConsole(s.Handler(), "POST", "/console/signin", form(consoleMaxBodyBytes-10)); w.Code != 200 {
		t.Errorf("POST /console/signin under the limit = %d %s; want 200", w.Code, w.Body)
	}
	w := serveConsole(s.Handler(), "POST", "/console/signin", form(consoleMaxBodyBytes))
	if w.Code != http.StatusRequestEntityTooLarge || w.Header().Get("X-Request-Id") == "" {
		t.Errorf("POST /console/signin over %d bytes = %d %s; want the handler to hit the limit", consoleMaxBodyBytes, w.Code, w.Body)
	}
	if consoleMaxBodyBytes >= s.maxBodyBytes {
		t.Errorf("console limit %d >= the API's %d; the test proves nothing", consoleMaxBodyBytes, s.maxBodyBytes)
	}
}

// TestConsoleRoutes: each console path reaches its handler, /console
// redirects to /console/, and an unclean console path is the JSON 404
// every unclean path gets.
func TestConsoleRoutes(t *testing.T) {
	h := newConsoleServer(t, io.Discard).Handler()
	for target, want := range map[string]string{
		"/console/": "page:home", "/console/assets/app.css": "page:assets", "/console/failedcheckins": "page:list",
		"/console/failedcheckins/export": "page:export", "/console/x": "page:notfound",
	} {
		if w := serveConsole(h, "GET", target, nil); w.Code != 200 || w.Body.String() != want {
			t.Errorf("GET %s = %d %q; want %q", target, w.Code, w.Body, want)
		}
	}
	if w := serveConsole(h, "POST", "/console/signout", strings.NewReader("")); w.Body.String() != "page:signout" {
		t.Errorf("POST /console/signout = %d %q; want page:signout", w.Code, w.Body)
	}
	if w := serveConsole(h, "GET", "/console", nil); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != ConsolePath {
		t.Errorf("GET /console = %d Location %q; want 301 to %s", w.Code, w.Header().Get("Location"), ConsolePath)
	}
	w := serveConsole(h, "GET", "/console//failedcheckins", nil)
	checkJSONError(t, "GET /console//failedcheckins", w.Code, w.Header(), w.Body.Bytes(), http.StatusNotFound, msgNotFound)
	// Without a console, its paths are the API's JSON 404.
	w = serveConsole(newTestServer(t, nil).Handler(), "GET", "/console/", nil)
	checkJSONError(t, "GET /console/ without a console", w.Code, w.Header(), w.Body.Bytes(), http.StatusNotFound, msgNotFound)
}
