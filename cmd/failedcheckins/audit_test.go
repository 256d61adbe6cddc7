package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
)

// auditDatabases are the databases the audit tests run on: a SQLite file,
// and a fresh PostgreSQL database when FAILEDCHECKINS_TEST_POSTGRES is set.
func auditDatabases(t *testing.T) map[string]func(t *testing.T) string {
	dbs := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "fc.db") },
	}
	if url := os.Getenv("FAILEDCHECKINS_TEST_POSTGRES"); url != "" {
		dbs["postgres"] = func(t *testing.T) string { return pgtest.NewDatabaseAt(t, url) }
	} else if os.Getenv("CI") == "true" {
		t.Fatal("FAILEDCHECKINS_TEST_POSTGRES is not set")
	}
	return dbs
}

// auditCSV runs `failedcheckins audit --db db ARGS` and returns its rows
// (header first).
func auditCSV(t *testing.T, db string, args ...string) [][]string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), append([]string{"audit", "--db", db}, args...), strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("audit %q = %v\n%s", args, err, errOut.String())
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatalf("audit %q printed no CSV: %v\n%s", args, err, out.String())
	}
	return rows
}

// TestAuditSurvivesShutdown: an entry of a request answered just before a
// clean shutdown is in the database afterwards, though the Auditor's
// batch delay (an hour here) had not passed: serve's shutdown wrote it.
// The users commands write their own (Cli) entries, and `audit` prints
// them all as CSV with its filters.
func TestAuditSurvivesShutdown(t *testing.T) {
	testAuditDelay = time.Hour
	t.Cleanup(func() { testAuditDelay = 0 })
	for name, newDB := range auditDatabases(t) {
		t.Run(name, func(t *testing.T) {
			db := newDB(t)
			if out, err := runUsersCmd(t, "a long passphrase\n", "add", "--db", db, "--email", "Admin@Example.com", "--password", "-", "--admin"); err != nil {
				t.Fatalf("users add = %v: %s", err, out)
			}
			if out, err := runUsersCmd(t, "", "disable", "--db", db, "nobody@example.com"); err == nil {
				t.Fatalf("users disable of an unknown user = nil: %s", out)
			}

			base, _, stop := serveInProcess(t, "--db", db, "--addr", "127.0.0.1:0")
			getAs(t, base+"/api/spaces/failedcheckins?size=3&FailedCheckin_Coworker=100042", "admin@example.com", "a long passphrase")
			stop() // at once: the batch delay is an hour

			rows := auditCSV(t, db)
			if len(rows) != 4 || strings.Join(rows[0], ",") != "Id,On,UserEmail,ClientAddress,Channel,Method,Path,Query,Status,ResultCount,TotalItems" {
				t.Fatalf("audit printed %d rows; want the header and 3 entries:\n%q", len(rows), rows)
			}
			add, disable, search := rows[1], rows[2], rows[3]
			if add[4] != "Cli" || add[5] != "CLI" || add[6] != "users add" || add[8] != "200" || add[9] != "1" || add[2] != cliUser() ||
				!strings.Contains(add[7], "email=Admin%40Example.com") || strings.Contains(add[7], "passphrase") {
				t.Errorf("users add entry = %q", add)
			}
			if disable[6] != "users disable" || disable[8] != "404" || disable[9] != "0" {
				t.Errorf("users disable (unknown user) entry = %q; want status 404, count 0", disable)
			}
			if search[2] != "Admin@Example.com" || search[3] != "127.0.0.1" || search[4] != "Api" || search[5] != "GET" ||
				search[6] != "/api/spaces/failedcheckins" || search[7] != "size=3&FailedCheckin_Coworker=100042" ||
				search[8] != "200" || search[9] != "0" || search[10] != "0" {
				t.Errorf("search entry = %q", search)
			}
			if on, err := time.Parse(time.RFC3339, search[1]); err != nil || time.Since(on) > time.Minute {
				t.Errorf("search entry On = %q; want now", search[1])
			}

			// The filters: the user (exact, any case), the channel, the time.
			if rows := auditCSV(t, db, "--user", "ADMIN@example.com"); len(rows) != 2 || rows[1][6] != "/api/spaces/failedcheckins" {
				t.Errorf("--user = %q; want the search only", rows)
			}
			if rows := auditCSV(t, db, "--channel", "cli"); len(rows) != 3 {
				t.Errorf("--channel cli = %q; want the two users entries", rows)
			}
			if rows := auditCSV(t, db, "--path", "DISABLE"); len(rows) != 2 || rows[1][6] != "users disable" {
				t.Errorf("--path = %q; want users disable", rows)
			}
			tomorrow := time.Now().UTC().Add(24 * time.Hour).Format("2006-01-02")
			if rows := auditCSV(t, db, "--since", tomorrow); len(rows) != 1 {
				t.Errorf("--since tomorrow = %q; want the header only", rows)
			}
			if rows := auditCSV(t, db, "--since", "2026-01-01", "--until", tomorrow); len(rows) != 4 {
				t.Errorf("--since/--until = %d rows; want 4", len(rows))
			}
			var errOut bytes.Buffer
			err := run(t.Context(), []string{"audit", "--db", db, "--since", "last week"}, strings.NewReader(""), io.Discard, &errOut)
			if exitCode(err) != 2 || !strings.Contains(err.Error(), `--since "last week"`) {
				t.Errorf("audit --since 'last week' = %v (exit %d); want a usage error naming --since", err, exitCode(err))
			}
		})
	}
}

// TestBenchmarkAuditOff: the benchmark's switch (FAILEDCHECKINS_BENCHMARK_AUDIT_OFF)
// takes one value only and a loopback address only, and serve with it
// answers a search without writing an entry, warning that the audit is
// off; without it the same search is audited (the control).
func TestBenchmarkAuditOff(t *testing.T) {
	for _, c := range []struct {
		value, addr, proxies string
		off                  bool
		err                  string
	}{
		{"", "0.0.0.0:8080", "10.0.0.1", false, ""},
		{"benchmark-only", "127.0.0.1:0", "none", true, ""},
		{"benchmark-only", "127.0.0.2:8080", "None", true, ""},
		{"benchmark-only", "[::1]:8080", "none", true, ""},
		{"1", "127.0.0.1:0", "none", false, "one accepted value"},
		{"true", "127.0.0.1:0", "none", false, "one accepted value"},
		{"benchmark-only", "localhost:8080", "none", false, "loopback IP address only"},
		{"benchmark-only", ":8080", "none", false, "loopback IP address only"},
		{"benchmark-only", "192.0.2.1:8080", "none", false, "loopback IP address only"},
		{"benchmark-only", "127.0.0.1:8080", "127.0.0.1/32", false, "--trusted-proxies"},
		{"benchmark-only", "127.0.0.1:8080", "none,", false, "--trusted-proxies"},
	} {
		t.Setenv(benchmarkAuditOffEnv, c.value)
		off, err := benchmarkAuditOff(c.addr, c.proxies)
		if off != c.off || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s=%q, --addr %s --trusted-proxies %s: %v, %v; want %v, an error containing %q",
				benchmarkAuditOffEnv, c.value, c.addr, c.proxies, off, err, c.off, c.err)
		}
	}

	// serve refuses to start (a usage error, exit status 2) with another
	// value, and with a reverse proxy (here from its variable, as a
	// production unit would set it).
	for _, c := range []struct {
		value string
		args  []string
		env   string
		want  string
	}{
		{"yes", nil, "", "one accepted value"},
		{"benchmark-only", []string{"--trusted-proxies", "127.0.0.1/32"}, "", "--trusted-proxies"},
		{"benchmark-only", nil, "127.0.0.1/32", "--trusted-proxies"},
		{"benchmark-only", []string{"--addr", "localhost:0"}, "", "loopback IP address only"},
	} {
		t.Setenv(benchmarkAuditOffEnv, c.value)
		t.Setenv("FAILEDCHECKINS_TRUSTED_PROXIES", c.env)
		var errOut bytes.Buffer
		args := append([]string{"serve", "--db", filepath.Join(t.TempDir(), "fc.db"), "--addr", "127.0.0.1:0"}, c.args...)
		// A bound: a serve that wrongly starts returns when it runs out.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		err := run(ctx, args, nil, io.Discard, &errOut)
		cancel()
		if exitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), benchmarkAuditOffEnv) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %q with %s=%s, FAILEDCHECKINS_TRUSTED_PROXIES=%q = %v (exit %d); want a usage error naming the variable and %q",
				c.args, benchmarkAuditOffEnv, c.value, c.env, err, exitCode(err), c.want)
		}
	}
	t.Setenv("FAILEDCHECKINS_TRUSTED_PROXIES", "")

	for _, off := range []bool{true, false} {
		t.Run(map[bool]string{true: "off", false: "on"}[off], func(t *testing.T) {
			value := ""
			if off {
				value = benchmarkAuditOffValue
			}
			t.Setenv(benchmarkAuditOffEnv, value)
			db := filepath.Join(t.TempDir(), "fc.db")
			if out, err := runUsersCmd(t, "a long passphrase\n", "add", "--db", db, "--email", "admin@example.com", "--password", "-", "--admin"); err != nil {
				t.Fatalf("users add = %v: %s", err, out)
			}
			base, log, stop := serveInProcess(t, "--db", db, "--addr", "127.0.0.1:0")
			getAs(t, base+"/api/spaces/failedcheckins?size=3", "admin@example.com", "a long passphrase")
			// /metrics says whether the server audits (loopback may read it).
			resp, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			metrics, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET /metrics = %d, %v", resp.StatusCode, err)
			}
			wantGauge := map[bool]string{true: "\nfailedcheckins_audit_enabled 0\n", false: "\nfailedcheckins_audit_enabled 1\n"}[off]
			if !strings.Contains(string(metrics), wantGauge) {
				t.Errorf("/metrics lacks %q", strings.TrimSpace(wantGauge))
			}
			stop()
			var searches int
			for _, row := range auditCSV(t, db)[1:] {
				if row[6] == "/api/spaces/failedcheckins" {
					searches++
				}
			}
			warned := strings.Contains(log.String(), "THE AUDIT TRAIL IS OFF")
			if off && (searches != 0 || !warned) {
				t.Errorf("audit off: %d search entries, warned %v; want 0 and the warning; log:\n%s", searches, warned, log.String())
			}
			if !off && (searches != 1 || warned) {
				t.Errorf("audit on: %d search entries, warned %v; want 1 and no warning", searches, warned)
			}
		})
	}
}
