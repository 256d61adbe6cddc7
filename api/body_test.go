package api

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestJSONEndpointsRefuseMediaTypes: the JSON endpoints answer 415 for a
// Content-Type that is not JSON in UTF-8 and for any Content-Encoding
// (they used to ignore both and judge the bytes as JSON); no Content-Type
// at all is read as JSON (issue 18 item 17).
func TestJSONEndpointsRefuseMediaTypes(t *testing.T) {
	h, _ := newCheckinServer(t)
	endpoints := []struct{ method, path, token, body string }{
		{"POST", "/api/spaces/checkins", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`},
		{"PUT", "/api/directory", "admin", `{"Businesses": [{"Id": 3, "Name": "Berlin", "TimeZone": "Europe/Berlin"}]}`},
	}
	for _, ep := range endpoints {
		for _, hdr := range [][]string{
			{"Content-Type", "text/plain"},
			{"Content-Type", "application/x-www-form-urlencoded"},
			{"Content-Type", "application/json; charset=iso-8859-1"},
			{"Content-Type", "application/xml"},
			{"Content-Type", "application/vnd.nexudus+json"},
			{"Content-Type", "not a media type"},
			{"Content-Type", "application/json", "Content-Type", "text/plain"},
			{"Content-Encoding", "gzip"},
			{"Content-Encoding", "br", "Content-Type", "application/json"},
		} {
			w := send(t, h, ep.method, ep.path, ep.token, ep.body, hdr...)
			if w.Code != http.StatusUnsupportedMediaType || !strings.Contains(w.Body.String(), `"Status":415`) {
				t.Errorf("%s %s with %q = %d %s; want 415", ep.method, ep.path, hdr, w.Code, w.Body)
			}
			if hdr[0] == "Content-Encoding" && w.Header().Get("Accept-Encoding") != "identity" {
				t.Errorf("%s %s with %q: Accept-Encoding %q; want identity", ep.method, ep.path, hdr, w.Header().Get("Accept-Encoding"))
			}
		}
		for _, hdr := range [][]string{nil, {"Content-Type", "application/json"}, {"Content-Type", "Application/JSON; charset=UTF-8"},
			{"Content-Encoding", "identity"}} {
			if w := send(t, h, ep.method, ep.path, ep.token, ep.body, hdr...); w.Code != 200 {
				t.Errorf("%s %s with %q = %d %s; want 200", ep.method, ep.path, hdr, w.Code, w.Body)
			}
		}
	}
	// Credentials are checked first: no token is a 401 whatever the body.
	if w := send(t, h, "POST", "/api/spaces/checkins", "", "x", "Content-Type", "text/plain"); w.Code != 401 {
		t.Errorf("POST without credentials and a text body = %d; want 401", w.Code)
	}
}

// TestDirectoryBodyLimit: PUT /api/directory takes a document of several
// MB, as GET /api/directory answers for the demo (it was refused with 413
// over 1 MiB), up to directoryMaxBodyBytes; the other endpoints keep the
// server's limit (issue 18 item 19).
func TestDirectoryBodyLimit(t *testing.T) {
	h, _ := newCheckinServer(t)
	doc := `{"Businesses": [{"Id": 3, "Name": "Berlin", "TimeZone": "Europe/Berlin"}]}`
	pad := func(n int) string { return strings.Repeat(" ", n) + doc } // JSON allows any whitespace
	if w := send(t, h, "PUT", "/api/directory", "admin", pad(3<<20)); w.Code != 200 {
		t.Errorf("PUT /api/directory of 3 MiB = %d %.200s; want 200", w.Code, w.Body)
	}
	if w := send(t, h, "PUT", "/api/directory", "admin", pad(directoryMaxBodyBytes)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("PUT /api/directory over %d bytes = %d; want 413", directoryMaxBodyBytes, w.Code)
	}
	body := strings.Repeat(" ", DefaultMaxBodyBytes) + `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`
	if w := send(t, h, "POST", "/api/spaces/checkins", "door", body); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /api/spaces/checkins over 1 MiB = %d; want 413 (only the directory's limit is raised)", w.Code)
	}
}

// rawRequest sends head (a request line and headers) and partial body on
// a plain connection to srv, then calls after, and returns the answer's
// status.
func rawRequest(t *testing.T, srv *httptest.Server, head, body string, after func(*net.TCPConn)) int {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(head + "\r\n" + body)); err != nil {
		t.Fatal(err)
	}
	after(conn.(*net.TCPConn))
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTruncatedOrLateBody: a body cut short by the client is a 400 and one
// that does not arrive within the server's ReadTimeout a 408, on both JSON
// endpoints; both used to be answered (and logged) as 500s (issue 18 item 11).
func TestTruncatedOrLateBody(t *testing.T) {
	h, _ := newCheckinServer(t)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout = 500 * time.Millisecond
	srv.Start()
	defer srv.Close()
	for _, ep := range []struct{ method, path, token string }{
		{"POST", "/api/spaces/checkins", "door"},
		{"PUT", "/api/directory", "admin"},
	} {
		head := ep.method + " " + ep.path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ep.token +
			"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
		if got := rawRequest(t, srv, head, `{"BusinessId": 1,`, func(c *net.TCPConn) { _ = c.CloseWrite() }); got != http.StatusBadRequest {
			t.Errorf("%s %s with a body cut short = %d; want 400", ep.method, ep.path, got)
		}
		if got := rawRequest(t, srv, head, `{"BusinessId": 1,`, func(*net.TCPConn) { time.Sleep(time.Second) }); got != http.StatusRequestTimeout {
			t.Errorf("%s %s with a body that stalls = %d; want 408", ep.method, ep.path, got)
		}
	}
}
