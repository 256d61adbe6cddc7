package groupcommit_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/groupcommit"
)

// countingStore counts the batches, so benchmarks can report the mean
// batch size: what group commit actually achieved; and the time they took
// (waiting for the writer connection, the transaction and its commit).
type countingStore struct {
	fc.AttemptStore
	batches atomic.Int64
	nanos   atomic.Int64
}

func (c *countingStore) RecordAttempts(ctx context.Context, as []*fc.Attempt) ([]fc.AttemptResult, error) {
	c.batches.Add(1)
	start := time.Now()
	defer func() { c.nanos.Add(int64(time.Since(start))) }()
	return c.AttemptStore.RecordAttempts(ctx, as)
}

// doorAuth lets every request in as a door controller: the benchmark
// measures the check-in path, not password hashing or token lookups.
type doorAuth struct{}

func (doorAuth) Authenticate(*http.Request) (*fc.Caller, error) {
	return &fc.Caller{UserID: 1, Roles: []string{fc.RoleCheckinCreate}, Scope: fc.AllBusinesses()}, nil
}

// BenchmarkHTTP16 is BenchmarkSubmit16 through a real listener: 16
// clients (rawClient), each with its own keep-alive connection, POST attempts to
// /api/spaces/checkins (JSON parse, validation, the group-commit queue,
// the Nexudus answer) on a SQLite file with synchronous=FULL.
//
//	go test -run '^$' -bench HTTP16 -benchtime 20000x ./groupcommit/
func BenchmarkHTTP16(b *testing.B) {
	db := openStore(b)
	counted := &countingStore{AttemptStore: db}
	q := groupcommit.New(counted, groupcommit.Options{})
	defer q.Close()
	h := api.New(api.Config{Store: db, Authenticator: doorAuth{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Checkins: &api.CheckinConfig{Store: db, Directory: db, Attempts: q}}).Handler()
	srv := httptest.NewServer(h)
	defer srv.Close()
	const clients = 16
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			lat[c] = postAttempts(b, srv.Listener.Addr().String(), c, clients)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if b.Failed() {
		return
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "attempts/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(all))/float64(counted.batches.Load()), "attempts/batch")
}

// postAttempts is one benchmark client: its own keep-alive connection, one
// attempt per request, each a different FromTime, sent with rawClient
// rather than net/http's client (see rawClient).
func postAttempts(b *testing.B, addr string, c, clients int) []time.Duration {
	return postAttemptsFrom(b, addr, c, clients, time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC))
}

// postAttemptsFrom is postAttempts with the first FromTime base.
func postAttemptsFrom(b *testing.B, addr string, c, clients int, base time.Time) []time.Duration {
	rc, err := dialRaw(addr, "/api/spaces/checkins")
	if err != nil {
		b.Error(err)
		return nil
	}
	defer func() { _ = rc.Close() }() // the measurement is taken; a close error changes nothing
	lat := make([]time.Duration, 0, b.N/clients+1)
	var body []byte
	for i := c; i < b.N; i += clients {
		body = append(body[:0], `{"BusinessId": 1, "Source": 3, "MacAddresses": "a4-5e-60-c2-19-0b", "FromTime": "`...)
		body = base.Add(time.Duration(i)*time.Second).AppendFormat(body, time.RFC3339)
		body = append(body, `"}`...)
		t0 := time.Now()
		if _, err := rc.post(body); err != nil {
			b.Error(err)
			return lat
		}
		lat = append(lat, time.Since(t0))
	}
	return lat
}

// rawClient is the benchmark's HTTP/1.1 client: one keep-alive connection,
// each request written in one call from a reused buffer, and the answer
// read with a bufio.Reader (status line, headers, a Content-Length body),
// the way load generators such as wrk drive a server. The clients share
// the machine's two cores with the server they measure, and net/http's
// client (its transport's read and write goroutines per connection, the
// request and response objects) took 10-17% of the CPU profile; this one
// takes a fraction of that, so the figure says more about the server.
// It is strict rather than general: anything but a 200 with a
// Content-Length body on HTTP/1.1 is an error, so a failing server can
// never look fast.
type rawClient struct {
	conn net.Conn
	r    *bufio.Reader
	head []byte // "POST path HTTP/1.1" and the fixed headers, up to "Content-Length: "
	req  []byte // reused: head, the length, the body
	resp []byte // reused: the last answer's body
}

func dialRaw(addr, path string) (*rawClient, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	head := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: "
	return &rawClient{conn: conn, r: bufio.NewReaderSize(conn, 4096), head: []byte(head)}, nil
}

func (c *rawClient) Close() error { return c.conn.Close() }

// post sends body and returns the answer's body (valid until the next
// call); a status other than 200 or a malformed answer is an error.
func (c *rawClient) post(body []byte) ([]byte, error) {
	c.req = append(c.req[:0], c.head...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	if _, err := c.conn.Write(c.req); err != nil {
		return nil, fmt.Errorf("write the request: %w", err)
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, fmt.Errorf("read the status line: %w", err)
	}
	status, ok := bytes.CutPrefix(line, []byte("HTTP/1.1 "))
	if !ok || len(status) < 3 {
		return nil, fmt.Errorf("malformed status line %q", line)
	}
	code := string(status[:3])
	length := -1
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return nil, fmt.Errorf("read the headers: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return nil, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 || length >= 0 {
				return nil, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return nil, fmt.Errorf("unsupported Transfer-Encoding %q (want a Content-Length body)", value)
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			return nil, fmt.Errorf("the server closes the connection (status %s)", code)
		}
	}
	if length < 0 {
		return nil, fmt.Errorf("status %s without a Content-Length", code)
	}
	if cap(c.resp) < length {
		c.resp = make([]byte, length)
	}
	c.resp = c.resp[:length]
	if _, err := io.ReadFull(c.r, c.resp); err != nil {
		return nil, fmt.Errorf("read the body: %w", err)
	}
	if code != "200" {
		return nil, fmt.Errorf("POST = %s %s", code, c.resp)
	}
	return c.resp, nil
}

// TestRawClient: the benchmark's client reads a 200 answer on a kept-alive
// connection, and fails on another status or a malformed answer, so a
// broken server can never make BenchmarkHTTP16 look fast.
func TestRawClient(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type")+" "+string(body))
		switch string(body) {
		case "fail":
			http.Error(w, "no", http.StatusInternalServerError)
		case "chunked":
			_, _ = w.Write([]byte("a")) // the client checks what arrives
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte("b"))
		default:
			_, _ = w.Write([]byte("ok " + string(body)))
		}
	}))
	defer srv.Close()
	rc, err := dialRaw(srv.Listener.Addr().String(), "/p")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	for _, body := range []string{"one", "two"} {
		if resp, err := rc.post([]byte(body)); err != nil || string(resp) != "ok "+body {
			t.Fatalf("post(%q) = %q, %v; want %q", body, resp, err, "ok "+body)
		}
	}
	if want := []string{"POST /p application/json one", "POST /p application/json two"}; !slices.Equal(got, want) {
		t.Errorf("server saw %q; want %q on one connection", got, want)
	}
	if resp, err := rc.post([]byte("fail")); err == nil {
		t.Errorf("post on a 500 = %q, nil; want an error", resp)
	}
	if resp, err := rc.post([]byte("chunked")); err == nil {
		t.Errorf("post on a chunked answer = %q, nil; want an error", resp)
	}
	for _, answer := range []string{
		"garbage\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nbad header\r\nContent-Length: 0\r\n\r\n",
	} {
		client, server := net.Pipe()
		go func() {
			// The fake server's own errors do not matter: the test checks
			// what the client makes of what it gets.
			_, _ = bufio.NewReader(server).ReadString('}')
			_, _ = server.Write([]byte(answer))
			_ = server.Close()
		}()
		rc := &rawClient{conn: client, r: bufio.NewReader(client), head: []byte("POST /p HTTP/1.1\r\nContent-Length: ")}
		if resp, err := rc.post([]byte("{}")); err == nil {
			t.Errorf("post on %q = %q, nil; want an error", answer, resp)
		}
		_ = client.Close() // a net.Pipe end: closing it cannot fail in a way that matters
	}
}
