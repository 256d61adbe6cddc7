package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// result is one measured run of one shape.
type result struct {
	requests int
	errors   int // transport errors and non-2xx answers
	elapsed  time.Duration
	cpu      time.Duration // server user+system time over the run
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
	if r.requests == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / 1000 / float64(r.requests)
}

// client drives one server with a fixed number of connections, closed
// loop: each connection sends its next request when the last answer is
// read, like wrk.
type client struct {
	http  *http.Client
	base  string
	auth  string
	conns int
}

func newClient(base, token string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	return &client{http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, base: base, auth: "Bearer " + token, conns: conns}
}

// get sends one request and drains its body; ok is false for a transport
// error or a non-2xx status.
func (c *client) get(ctx context.Context, path string) (body []byte, ok bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, false
	}
	req.Header.Set("Authorization", c.auth)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return body, err == nil && resp.StatusCode/100 == 2
}

// totalItems fetches path once and returns its TotalItems (-1 for a
// get-one) or an error naming the status.
func (c *client) totalItems(ctx context.Context, path string) (int64, error) {
	body, ok := c.get(ctx, path)
	if !ok {
		return 0, fmt.Errorf("GET %s failed: %.200s", path, body)
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

// run sends requests for d on every connection and returns their
// latencies (sorted), the request and error counts.
func (c *client) run(ctx context.Context, path string, d time.Duration) result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all result
	var wg sync.WaitGroup
	start := time.Now()
	for range c.conns {
		wg.Go(func() {
			var lats []time.Duration
			errs := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				_, ok := c.get(ctx, path)
				if ctx.Err() != nil {
					break // cut off by the end of the run: not counted
				}
				lats = append(lats, time.Since(t0))
				if !ok {
					errs++
				}
			}
			mu.Lock()
			all.lats = append(all.lats, lats...)
			all.errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	all.requests = len(all.lats)
	slices.Sort(all.lats)
	return all
}
