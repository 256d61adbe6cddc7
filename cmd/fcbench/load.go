package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// result is one measured run of one shape.
type result struct {
	requests int
	errors   int   // transport errors, malformed answers and statuses other than 200
	firstErr error // the first of them, for the log
	elapsed  time.Duration
	cpu      time.Duration // service user+system time over the run: the server and, on PostgreSQL, its backends
	pgCPU    time.Duration // of which the PostgreSQL backends serving the server's connections
	client   time.Duration // fcbench's own user+system time over the run (the load client)
	lats     []time.Duration
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// percentile returns the p-th percentile (0..100) of the latencies.
func (r result) percentile(p float64) time.Duration {
	if len(r.lats) == 0 {
		return 0
	}
	i := int(float64(len(r.lats)-1) * p / 100)
	return r.lats[i]
}

// cpuPerRequest is the server's CPU time per request, in milliseconds.
func (r result) cpuPerRequest() float64 {
	return perRequest(r.cpu, r.requests)
}

// pgPerRequest is the PostgreSQL backends' part of cpuPerRequest.
func (r result) pgPerRequest() float64 { return perRequest(r.pgCPU, r.requests) }

// clientPerRequest is the load client's CPU time per request, in ms.
func (r result) clientPerRequest() float64 { return perRequest(r.client, r.requests) }

func perRequest(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Microseconds()) / 1000 / float64(n)
}

// client drives one server with a fixed number of keep-alive connections,
// closed loop: each connection sends its next request when the last answer
// is read, like wrk. It is the raw client of httpconn.go, not net/http.
type client struct {
	host  string // 127.0.0.1:port
	token string
	conns []*rawConn
}

func newClient(base, token string, conns int) *client {
	host := strings.TrimPrefix(base, "http://")
	c := &client{host: host, token: token}
	for range conns {
		c.conns = append(c.conns, &rawConn{addr: host})
	}
	return c
}

// tokenOr returns token, or the client's own (the administrator's) when
// it is empty.
func (c *client) tokenOr(token string) string {
	if token == "" {
		return c.token
	}
	return token
}

// get sends one request on the first connection with token (empty: the
// client's own) and returns its status and body.
func (c *client) get(token, path string) (int, []byte, error) {
	var body []byte
	// A minute: a random shape's TotalItems read can take seconds on a
	// busy machine, and its failure would be reported as the shape's error.
	status, err := c.conns[0].do(buildRequest(c.host, path, c.tokenOr(token)), &body, time.Now().Add(time.Minute))
	return status, body, err
}

// totalItems fetches path once and returns its TotalItems (-1 for a
// get-one) or an error naming the status.
func (c *client) totalItems(token, path string) (int64, error) {
	status, body, err := c.get(token, path)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("GET %s: HTTP %d: %.200s", path, status, body)
	}
	var p struct {
		TotalItems *int64 `json:"TotalItems"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	if p.TotalItems == nil {
		return -1, nil
	}
	return *p.TotalItems, nil
}

// run sends requests for d on every connection and returns the latencies
// (sorted) of the answers completed within d, and the request and error
// counts. An answer that is not HTTP 200 or not valid HTTP/1.1 is an
// error. A request still in flight at the end is waited for but not
// counted (the CPU read after run includes its small tail).
func (c *client) run(ctx context.Context, path string, d time.Duration) result {
	return c.runRequest(ctx, buildRequest(c.host, path, c.token), d, false)
}

// runRequest is run for a built request. With tail, a request in flight
// at the end is waited for and counted, and elapsed is the time until the
// last answer: the random shapes run for a short time, and a shape whose
// requests take longer than the run would otherwise count none.
func (c *client) runRequest(ctx context.Context, req []byte, d time.Duration, tail bool) result {
	var mu sync.Mutex
	var all result
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	deadline := end.Add(10 * time.Second) // a hung server fails the run, not the tool
	if tail {
		// The random shapes include searches that take seconds each, 8
		// at a time on 2 cores: they are slow, not hung, and a timeout
		// would hide their figures behind an error.
		deadline = end.Add(60 * time.Second)
	}
	for _, k := range c.conns {
		wg.Go(func() {
			k.setDeadline(deadline)
			lats := make([]time.Duration, 0, 1024)
			errs := 0
			var firstErr error
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				status, err := k.do(req, nil, deadline)
				t1 := time.Now()
				if ctx.Err() != nil || (t1.After(end) && !tail) {
					break // cut off by the end of the run: not counted
				}
				lats = append(lats, t1.Sub(t0))
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("HTTP %d", status)
				}
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
				}
			}
			mu.Lock()
			all.lats = append(all.lats, lats...)
			all.errors += errs
			if all.firstErr == nil {
				all.firstErr = firstErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	all.elapsed = min(time.Since(start), d)
	if tail {
		all.elapsed = time.Since(start)
	}
	all.requests = len(all.lats)
	slices.Sort(all.lats)
	return all
}
