package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestServeDemoUsers starts `serve --demo`, reads the demo accounts it
// prints, gets tokens for them as a client would and checks that the
// manager sees less than the administrator.
func TestServeDemoUsers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, log syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--demo"}, nil, &out, &log)
	}()
	base := "http://" + waitForAddr(t, &log, done)
	creds := regexp.MustCompile(`demo user: (\S+)  password: (\S+)`).FindAllStringSubmatch(out.String(), -1)
	if len(creds) != 2 {
		t.Fatalf("serve --demo printed %q; want two demo users with passwords", out.String())
	}
	var totals []int
	for _, c := range creds {
		resp, err := http.PostForm(base+"/api/token", url.Values{"grant_type": {"password"}, "username": {c[1]}, "password": {c[2]}})
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || tok.AccessToken == "" {
			t.Fatalf("token for %s = %d %v; want 200 with a token", c[1], resp.StatusCode, err)
		}
		req, _ := http.NewRequest("GET", base+"/api/spaces/failedcheckins?size=1", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var page struct{ TotalItems int }
		if resp.StatusCode != 200 || json.Unmarshal(body, &page) != nil {
			t.Fatalf("search as %s = %d %s; want 200", c[1], resp.StatusCode, body)
		}
		totals = append(totals, page.TotalItems)
	}
	if !strings.HasPrefix(creds[0][1], "admin") || totals[1] == 0 || totals[1] >= totals[0] {
		t.Errorf("demo search totals admin %d, manager %d; want the scoped manager to see some but fewer", totals[0], totals[1])
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve = %v", err)
	}
	// A second --demo start creates nobody and prints no password.
	out2 := &syncBuffer{}
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	var log2 syncBuffer
	go func() {
		done <- run(ctx2, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--demo"}, nil, out2, &log2)
	}()
	waitForAddr(t, &log2, done)
	cancel2()
	<-done
	if strings.Contains(out2.String(), "password") {
		t.Errorf("second serve --demo printed %q; want no new demo users", out2.String())
	}
}

func TestAuthConfigValidate(t *testing.T) {
	good := defaultAuthConfig()
	if err := good.Validate(); err != nil {
		t.Errorf("default auth config: %v", err)
	}
	for _, bad := range []authConfig{
		{AccessTokenLifetime: 0, RateLimit: 1, RateBurst: 1},
		{AccessTokenLifetime: good.AccessTokenLifetime, RateLimit: 0, RateBurst: 1},
		{AccessTokenLifetime: good.AccessTokenLifetime, RateLimit: 1, RateBurst: 0},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil; want an error", bad)
		}
	}
}
