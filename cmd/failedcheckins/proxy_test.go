package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeTrustedProxies runs serve behind a "proxy" on loopback: with
// --trusted-proxies naming it, a request forwarded for a remote client is
// that remote client (so /metrics, open to loopback, asks for
// credentials), while a request the proxy makes for itself stays local.
// Without the flag the header is ignored, whoever sends it.
func TestServeTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		forwarded  string
		wantStatus int
	}{
		{"trusted proxy forwards a remote client", []string{"--trusted-proxies", "127.0.0.1/32"}, "203.0.113.9", http.StatusUnauthorized},
		{"trusted proxy forwards a local client", []string{"--trusted-proxies", "127.0.0.1/32"}, "127.0.0.1", http.StatusOK},
		{"trusted proxy, no header", []string{"--trusted-proxies", "127.0.0.1/32"}, "", http.StatusOK},
		{"no trusted proxies: the header is ignored", nil, "203.0.113.9", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "fc.db")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var log syncBuffer
			done := make(chan error, 1)
			args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tc.args...)
			go func() { done <- run(ctx, args, nil, io.Discard, &log) }()
			base := "http://" + waitForAddr(t, &log, done)

			req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.forwarded != "" {
				req.Header.Set("X-Forwarded-For", tc.forwarded)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("GET /metrics (X-Forwarded-For %q) = %d; want %d", tc.forwarded, resp.StatusCode, tc.wantStatus)
			}
			cancel()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("serve did not stop")
			}
		})
	}
}

func TestTrustedProxiesFlagRefusesGarbage(t *testing.T) {
	cfg := defaultServeConfig()
	cfg.TrustedProxies = "10.0.0.0/8,proxy.example"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
		t.Errorf("Validate with a host name in --trusted-proxies = %v; want an error naming the flag", err)
	}
}
