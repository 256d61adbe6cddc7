package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestGetFailedCheckin(t *testing.T) {
	s := newTestServer(t, nil)
	p := searchPath + "/"
	runScenarios(t, s.Handler(), []scenario{
		{name: "admin", target: p + "1", token: "admin", status: 200, want: []string{`{"Id":1,"UniqueId":"3f2504e0-4f89-41d3-9a0c-0305e82c3301",`}},
		{name: "scoped caller, own location", target: p + "2", token: "lister", status: 200, want: []string{`"Id":2,`, `"CoworkerId":null,`}},
		{name: "read role alone is enough", target: p + "3", token: "reader", status: 200, want: []string{`"Id":3,`}},
		{name: "missing record", target: p + "999", token: "admin", status: 404, want: []string{`{"Status":404,"Message":"Not found","WasSuccessful":false,"Errors":[]}`}},
		{name: "outside scope looks missing", target: p + "3", token: "lister", status: 404, want: []string{`{"Status":404,"Message":"Not found","WasSuccessful":false,"Errors":[]}`}},
		{name: "caller bound to no location", target: p + "1", token: "nobody", status: 404},
		{name: "too large to be an id", target: p + "99999999999999999999", token: "admin", status: 404},
		{name: "zero", target: p + "0", token: "admin", status: 400, props: props("id"), want: []string{`"AttemptedValue":"0"`}},
		{name: "negative", target: p + "-1", token: "admin", status: 400, props: props("id")},
		{name: "plus sign", target: p + "+1", token: "admin", status: 400, props: props("id")},
		{name: "not a number", target: p + "abc", token: "admin", status: 400, props: props("id")},
		{name: "fraction", target: p + "1.5", token: "admin", status: 400, props: props("id")},
		{name: "authentication before validation", target: p + "abc", status: 401},
	})
}

func TestGetFailedCheckinLeadingZeros(t *testing.T) {
	// 007 is the number 7, which does not exist; 001 is record 1.
	s := newTestServer(t, nil)
	if w := do(t, s.Handler(), "GET", searchPath+"/001", "admin"); w.Code != 200 {
		t.Errorf("GET /001 = %d %s; want 200", w.Code, w.Body)
	}
}

func TestAuthorisation(t *testing.T) {
	s := newTestServer(t, nil)
	unauthorized := map[string]string{"WWW-Authenticate": "Bearer"}
	runScenarios(t, s.Handler(), []scenario{
		{name: "search without credentials", target: searchPath, status: 401, header: unauthorized,
			want: []string{`{"Status":401,"Message":"Authentication is required.","WasSuccessful":false,"Errors":[]}`}},
		{name: "search with bad credentials", target: searchPath, token: "bad", status: 401, header: unauthorized, want: []string{`"Status":401`}},
		{name: "get without credentials", target: searchPath + "/1", status: 401, header: unauthorized},
		{name: "search without the list role", target: searchPath, token: "reader", status: 403,
			want: []string{`"Status":403,"Message":"The FailedCheckin-List role is required."`}},
		{name: "get without any role", target: searchPath + "/1", token: "norole", status: 403, want: []string{`"Status":403`}},
		{name: "search is restricted to the scope", target: searchPath, token: "lister", status: 200, ids: ids(6, 2, 1), want: []string{`"TotalItems":3,`}},
		{name: "filters cannot widen the scope", target: searchPath + "?FailedCheckin_Business=1002", token: "lister", status: 200, ids: ids()},
		{name: "no location sees nothing", target: searchPath, token: "nobody", status: 200, ids: ids(), want: []string{`"Records":[]`, `"TotalItems":0,"TotalPages":0`}},
		{name: "authenticator outage is a 500, not a 401", target: searchPath, token: "broken", status: 500,
			want: []string{`"Message":"An internal error occurred."`}},
	})
}

func TestRoutes(t *testing.T) {
	s := newTestServer(t, nil)
	var scenarios []scenario
	for _, path := range []string{searchPath, searchPath + "/1"} {
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"} {
			scenarios = append(scenarios, scenario{name: method + " " + path, method: method, target: path, token: "admin",
				status: 405, header: map[string]string{"Allow": "GET, HEAD"}, want: []string{`"Status":405`}})
		}
	}
	scenarios = append(scenarios,
		scenario{name: "unknown path", target: "/api/nope", status: 404, want: []string{`{"Status":404,"Message":"Not found","WasSuccessful":false,"Errors":[]}`}},
		scenario{name: "below a record", target: searchPath + "/1/x", token: "admin", status: 404},
		scenario{name: "trailing slash", target: searchPath + "/", token: "admin", status: 404},
		scenario{name: "healthz", target: "/healthz", status: 200, want: []string{`{"Status":"ok"}`}},
		scenario{name: "readyz", target: "/readyz", status: 200, want: []string{`{"Status":"ok"}`}},
		scenario{name: "POST healthz", method: "POST", target: "/healthz", status: 405, header: map[string]string{"Allow": "GET, HEAD"}},
	)
	runScenarios(t, s.Handler(), scenarios)
}

func TestHead(t *testing.T) {
	srv := httptest.NewServer(newTestServer(t, nil).Handler())
	defer srv.Close()
	for _, path := range []string{searchPath, searchPath + "/1"} {
		req, _ := http.NewRequest(http.MethodHead, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("HEAD %s = %d, %d body bytes, %q; want 200, none, JSON", path, resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
		}
	}
}

// TestGolden pins the wire format of a record and of the envelope.
func TestGolden(t *testing.T) {
	s := newTestServer(t, nil)
	for _, c := range []struct{ file, target string }{
		{"record.json", searchPath + "/3"},
		{"record_nulls.json", searchPath + "/2"},
		{"page.json", searchPath + "?orderBy=Id&dir=asc&size=2&page=2"},
		{"empty_page.json", searchPath + "?Id=999"},
		{"error_400.json", searchPath + "?size=0&dir=sideways"},
	} {
		w := do(t, s.Handler(), "GET", c.target, "admin")
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, w.Body.Bytes(), "", "  "); err != nil {
			t.Fatalf("GET %s: body is not JSON: %v", c.target, err)
		}
		path := filepath.Join("testdata", c.file)
		if *update {
			if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./api/ -run TestGolden -update to create it)", err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("GET %s =\n%s\nwant (%s)\n%s", c.target, pretty.Bytes(), path, want)
		}
	}
}
