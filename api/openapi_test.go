package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// openAPI is the parsed document and its router, loaded once for the whole
// test binary: every scenario request is checked against it, and parsing
// it per request would dominate the run. It is read-only after loading.
var openAPI = sync.OnceValues(func() (*openAPISpec, error) {
	return loadOpenAPI(openAPIDocument)
})

type openAPISpec struct {
	doc    *openapi3.T
	router routers.Router
}

func loadOpenAPI(data []byte) (*openAPISpec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &openAPISpec{doc: doc, router: router}, nil
}

// serveChecked serves r with h and checks the exchange against the OpenAPI
// document (checkExchange). Every scenario helper (doTB, authEnv.do) sends
// its requests through it, so no scenario can get an answer the document
// does not describe.
func serveChecked(t testing.TB, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	// The handler may change the request it is given (ParseForm, context);
	// the check sees the request as the client sent it.
	sent := r.Clone(r.Context())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if err := checkExchange(sent, body, w.Result(), w.Body.Bytes()); err != nil {
		t.Errorf("%s %s = %d %s\ndoes not match api/openapi.json: %v", sent.Method, sent.URL, w.Code, w.Body, err)
	}
	return w
}

// checkExchange validates one request and its answer against the document.
//   - The answer must be documented: its status for that operation, and its
//     body by the schema (additionalProperties false on every response
//     object, so an undocumented field fails).
//   - A request the server accepted (2xx) must be valid by the document:
//     its parameters and body. A request it refused is invalid on purpose.
//   - A path or method the document does not list must be answered with
//     the Error body: 404 or 405 from the API (414 for an overlong query
//     string, whatever the path), 500 only from the test-only
//     handlers of the middleware tests.
//
// HEAD answers have no body and mirror GET, which is checked itself.
func checkExchange(r *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	if r.Method == http.MethodHead {
		return nil
	}
	spec, err := openAPI()
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	if len(reqBody) > 0 && r.Header.Get("Content-Type") == "" {
		// The JSON endpoints read the body as JSON whatever it is labelled
		// (and the check-in tests send none); the document asks clients to
		// label it, so the check reads it as the server does.
		r.Header.Set("Content-Type", "application/json")
	}
	route, pathParams, err := spec.router.FindRoute(r)
	if err != nil || !samePath(route.Path, pathParams, r.URL.Path) {
		return checkUndocumented(spec, resp, respBody)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: route, Options: opts}
	ctx := context.Background()
	if resp.StatusCode/100 == 2 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			return errors.Join(errors.New("the server accepted a request the document calls invalid"), err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(respBody)
	return openapi3filter.ValidateResponse(ctx, out)
}

// samePath reports whether the route's template, filled in, is exactly the
// requested path: the router is lenient about a trailing slash (it takes
// /x/ for /x), which the API and the document are not.
func samePath(template string, params map[string]string, path string) bool {
	for k, v := range params {
		if v == "" {
			return false
		}
		template = strings.ReplaceAll(template, "{"+k+"}", v)
	}
	return template == path
}

// checkUndocumented checks the answer to a path or method the document
// does not list: an Error body with one of the statuses the routes give.
func checkUndocumented(spec *openAPISpec, resp *http.Response, body []byte) error {
	if !slices.Contains([]int{404, 405, 414, 500}, resp.StatusCode) {
		return errors.New("an undocumented path or method must be answered 404, 405 or 414")
	}
	if resp.StatusCode == 405 && resp.Header.Get("Allow") == "" {
		return errors.New("a 405 must carry an Allow header")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return spec.doc.Components.Schemas["Error"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// TestOpenAPIDocumentIsValid checks the document itself, and that it is
// what the API serves.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	spec, err := openAPI()
	if err != nil {
		t.Fatalf("api/openapi.json: %v", err)
	}
	if !spec.doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q; want 3.1", spec.doc.OpenAPI)
	}
	w := do(t, newTestServer(t, nil).Handler(), "GET", OpenAPIPath, "")
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), openAPIDocument) {
		t.Errorf("GET %s = %d, %d bytes; want 200 and the embedded document", OpenAPIPath, w.Code, w.Body.Len())
	}
}

// TestOpenAPIDocumentsEveryParameter compares the search parameters the
// parser knows with those the document lists, both ways: a parameter the
// code accepts but the document omits, or the reverse, fails.
func TestOpenAPIDocumentsEveryParameter(t *testing.T) {
	spec, err := openAPI()
	if err != nil {
		t.Fatal(err)
	}
	for path, sp := range map[string]*searchparams.Table{searchPath: searchparams.FailedCheckins, "/api/spaces/checkins": searchparams.Checkins,
		"/api/audit": searchparams.Audit} {
		op := spec.doc.Paths.Find(path).Get
		var documented []string
		for _, p := range op.Parameters {
			documented = append(documented, p.Value.Name)
		}
		known := sp.Names()
		fold := func(names []string) []string {
			out := make([]string, len(names))
			for i, n := range names {
				out[i] = fc.Fold(n)
			}
			slices.Sort(out)
			return out
		}
		if got, want := fold(documented), fold(known); !slices.Equal(got, want) {
			t.Errorf("GET %s: documented parameters = %v;\nwant the parser's %v", path, got, want)
		}
	}
}

// TestOpenAPICheckFails proves the check can fail: an answer with an
// undocumented field, an undocumented status, and an accepted request with
// a value the document forbids are each reported.
func TestOpenAPICheckFails(t *testing.T) {
	get := func(target string) *http.Request { return httptest.NewRequest("GET", target, nil) }
	health := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	cases := []struct {
		name   string
		req    *http.Request
		status int
		body   string
	}{
		{"undocumented field", get("/healthz"), 200, `{"Status":"ok","Extra":1}`},
		{"undocumented status", get("/healthz"), 418, `{"Status":"ok"}`},
		{"wrong type", get("/readyz"), 200, `{"Status":1}`},
		{"accepted invalid parameter", get(searchPath + "?size=0"), 200, emptyPageJSON},
		{"undocumented path answered 200", get("/nowhere"), 200, `{}`},
	}
	for _, c := range cases {
		resp := &http.Response{StatusCode: c.status, Header: health}
		if err := checkExchange(c.req, nil, resp, []byte(c.body)); err == nil {
			t.Errorf("%s: checkExchange = nil; want an error", c.name)
		}
	}
	// And the same check passes a correct answer, so the cases above fail
	// for the reason they name.
	ok := &http.Response{StatusCode: 200, Header: health}
	if err := checkExchange(get(searchPath+"?size=5"), nil, ok, []byte(emptyPageJSON)); err != nil {
		t.Errorf("valid exchange: checkExchange = %v; want nil", err)
	}
}

const emptyPageJSON = `{"Records":[],"CurrentPage":1,"CurrentPageSize":5,"CurrentOrderField":"CreatedOn","CurrentSortDirection":1,` +
	`"FirstItem":0,"LastItem":0,"TotalItems":0,"TotalPages":0,"HasNextPage":false,"HasPreviousPage":false,"PageNumber":1,"PageSize":5}`
