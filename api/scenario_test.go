package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// scenario is one HTTP request and what its answer must hold.
type scenario struct {
	name   string
	method string // GET when empty
	target string
	token  string // fake bearer token (see fakeAuth); "" sends none
	status int
	// ids, when not nil, are the Ids of Records in order ([]int64{} = none).
	ids []int64
	// props, when not nil, are the PropertyNames of Errors in order.
	props []string
	// want are fragments of the compact JSON body.
	want []string
	// header are response headers that must have exactly these values.
	header map[string]string
}

// responseBody holds what scenarios inspect of any answer.
type responseBody struct {
	Records []struct{ Id int64 }
	Errors  []struct{ PropertyName, Message, AttemptedValue string }
}

func runScenarios(t *testing.T, h http.Handler, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			method := sc.method
			if method == "" {
				method = http.MethodGet
			}
			w := do(t, h, method, sc.target, sc.token)
			body := w.Body.String()
			if w.Code != sc.status {
				t.Fatalf("%s %s = %d %s; want %d", method, sc.target, w.Code, body, sc.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q; want application/json; charset=utf-8", ct)
			}
			for k, v := range sc.header {
				if got := w.Header().Get(k); got != v {
					t.Errorf("header %s = %q; want %q", k, got, v)
				}
			}
			for _, frag := range sc.want {
				if !strings.Contains(body, frag) {
					t.Errorf("body = %s; want it to contain %s", body, frag)
				}
			}
			checkBody(t, body, sc)
		})
	}
}

func checkBody(t *testing.T, body string, sc scenario) {
	t.Helper()
	var got responseBody
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if sc.ids != nil {
		ids := []int64{}
		for _, r := range got.Records {
			ids = append(ids, r.Id)
		}
		if !slices.Equal(ids, sc.ids) {
			t.Errorf("GET %s: record ids = %v; want %v", sc.target, ids, sc.ids)
		}
	}
	if sc.props != nil {
		props := []string{}
		for _, e := range got.Errors {
			props = append(props, e.PropertyName)
		}
		if !slices.Equal(props, sc.props) {
			t.Errorf("GET %s: error properties = %q; want %q (body %s)", sc.target, props, sc.props, body)
		}
	}
	if sc.status >= 400 && !strings.Contains(body, `"WasSuccessful":false`) {
		t.Errorf("error body = %s; want WasSuccessful false", body)
	}
}

// ids is shorthand for a list of record ids.
func ids(v ...int64) []int64 { return append([]int64{}, v...) }

// props is shorthand for a list of error property names.
func props(v ...string) []string { return append([]string{}, v...) }
