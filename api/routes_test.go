package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestRoutesMatchOpenAPI keeps openapi.json (and so docs/api.md, which
// TestAPIDoc checks against it) true to the mux: every operation it
// defines is routed to a handler registered for that method and path, and
// every API route that routes.go registers for a method, other than a
// 405 for a method the path does not take, is an operation of the
// document.
func TestRoutesMatchOpenAPI(t *testing.T) {
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Token: http.NotFoundHandler(), Checkins: &CheckinConfig{}, Webhooks: &WebhookConfig{}, Alerts: &AlertConfig{},
		Authenticator: nobody{}})
	mux := http.NewServeMux()
	s.routes(mux)

	var documented []string
	for path, item := range spec.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "patch", "delete":
			default:
				continue
			}
			op := strings.ToUpper(method) + " " + path
			documented = append(documented, op)
			target := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
			_, pattern := mux.Handler(httptest.NewRequest(strings.ToUpper(method), target, nil))
			if pattern != op {
				t.Errorf("openapi.json defines %s; the mux routes %s %s to %q", op, strings.ToUpper(method), target, pattern)
			}
		}
	}

	// The routes registered for a method, as routes.go writes them.
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{"TokenPath": TokenPath, "EvaluatePath": EvaluatePath, "MetricsPath": MetricsPath, "OpenAPIPath": OpenAPIPath}
	var routed []string
	literal := regexp.MustCompile(`mux\.Handle(?:Func)?\("((?:GET|POST|PUT|PATCH|DELETE) /[^"]*)"`)
	for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
		routed = append(routed, m[1])
	}
	named := regexp.MustCompile(`mux\.Handle(?:Func)?\("(GET|POST|PUT|PATCH|DELETE) "\+([A-Z][A-Za-z]+)`)
	for _, m := range named.FindAllStringSubmatch(string(src), -1) {
		path, ok := consts[m[2]]
		if !ok {
			t.Fatalf("routes.go registers %s %s: add the constant to this test", m[1], m[2])
		}
		routed = append(routed, m[1]+" "+path)
	}
	readOnly := regexp.MustCompile(`s\.readOnly\(mux, (?:"(/[^"]*)"|([A-Za-z]+))`)
	for _, m := range readOnly.FindAllStringSubmatch(string(src), -1) {
		path := m[1]
		if path == "" {
			path = consts[m[2]]
		}
		routed = append(routed, "GET "+path)
	}
	if len(routed) < len(documented) {
		t.Fatalf("found %d routes in routes.go, fewer than the %d operations of openapi.json: %v", len(routed), len(documented), routed)
	}
	for _, op := range routed {
		if strings.HasPrefix(strings.Fields(op)[1], "/console") {
			continue // the console is HTML for people, not part of the API
		}
		method, path, _ := strings.Cut(op, " ")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(method, regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1"), nil))
		if rec.Code == http.StatusMethodNotAllowed {
			continue // a named 405, so that the method gets this path's Allow
		}
		if !slices.Contains(documented, op) {
			t.Errorf("routes.go registers %s, which openapi.json does not define", op)
		}
	}
}

// nobody authenticates no request: every route that needs a caller
// answers 401 without reaching its handler.
type nobody struct{}

func (nobody) Authenticate(*http.Request) (*fc.Caller, error) { return nil, nil }
