package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// withStore runs f on the database db (a SQLite path or a PostgreSQL URL).
func withStore(t *testing.T, db string, f func(store)) {
	t.Helper()
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f(s)
}

func storedWebhooks(t *testing.T, db string) []*fc.Webhook {
	t.Helper()
	var out []*fc.Webhook
	withStore(t, db, func(s store) {
		page, err := s.FindWebhooks(t.Context(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		out = page.Records
	})
	return out
}

var secretRE = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

// TestWebhooksCommand: webhooks add checks its flags exactly as the API
// checks a create (the SSRF guard included) and stores nothing on a bad
// one; the secret is printed once and never echoed; disable and enable go
// through the API's edit, so enabling resets the failure count and sends
// what waited; rotate-secret prints the new secret; list shows them; every
// change is audited with channel Cli. On SQLite and PostgreSQL.
func TestWebhooksCommand(t *testing.T) {
	for name, newDB := range auditDatabases(t) {
		t.Run(name, func(t *testing.T) {
			db := newDB(t)
			stdout, stderr, err := runCmd(t, "webhooks", "add", "--db", db, "--name", "Front desk", "--url", "https://93.184.216.34/hook",
				"--business", "1", "--filter", "FailedCheckin_Source=2")
			if err != nil {
				t.Fatalf("webhooks add = %v: %s", err, stderr)
			}
			printed := secretRE.FindString(stdout)
			hooks := storedWebhooks(t, db)
			if len(hooks) != 1 || printed == "" {
				t.Fatalf("after add: %d webhooks, stdout %q; want one and its secret", len(hooks), stdout)
			}
			h := hooks[0]
			if h.Name != "Front desk" || h.Action != fc.ActionFailedCheckin || h.Business() != 1 || h.Filter != "FailedCheckin_Source=2" ||
				!h.Active || h.Secret != printed || h.UpdatedBy == nil || !strings.Contains(*h.UpdatedBy, "@") {
				t.Errorf("stored %+v; want the flags' webhook, signed with the printed secret %s", h, printed)
			}

			// Bad input: exit 2, an error naming the flag, nothing stored,
			// never the secret echoed.
			base := []string{"webhooks", "add", "--db", db, "--name", "n", "--url", "https://93.184.216.34/"}
			for _, tc := range []struct {
				name string
				args []string
				want []string
			}{
				{"loopback", []string{"--url", "http://127.0.0.1:9/"}, []string{"--url", "loopback", "--webhook-allow-private"}},
				{"name resolving to loopback", []string{"--url", "http://localhost/"}, []string{"--url", "--webhook-allow-private"}},
				{"metadata address", []string{"--url", "http://169.254.169.254/latest"}, []string{"--url"}},
				{"not http", []string{"--url", "ftp://example.com/"}, []string{"--url", "http or https"}},
				{"action", []string{"--action", "64"}, []string{"--action", "63 (FailedCheckin)"}},
				{"filter", []string{"--filter", "FailedCheckin_Source=9"}, []string{"--filter", "FailedCheckin_Source: "}},
				{"filter of another action", []string{"--action", "47", "--filter", "FailedCheckin_Source=2"}, []string{"--filter"}},
				{"business", []string{"--business", "abc"}, []string{"--business", "location id"}},
				{"business 0", []string{"--business", "0"}, []string{"--business", "location id"}},
				{"secret", []string{"--secret", "hunter2"}, []string{"--secret", "whsec_"}},
				{"long name", []string{"--name", strings.Repeat("n", 201)}, []string{"--name", "at most 200"}},
				{"no url", []string{"--url", ""}, []string{"--url is required"}},
			} {
				out, errOut, err := runCmd(t, append(append([]string{}, base...), tc.args...)...)
				msg := out + errOut
				if err != nil {
					msg += err.Error()
				}
				if err == nil || exitCode(err) != 2 {
					t.Errorf("%s: webhooks add = %v; want exit status 2", tc.name, err)
				}
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("%s: webhooks add said %q; want it to mention %q", tc.name, msg, w)
					}
				}
				if strings.Contains(msg, "hunter2") {
					t.Errorf("%s: the error echoes the secret: %q", tc.name, msg)
				}
			}
			if n := len(storedWebhooks(t, db)); n != 1 {
				t.Fatalf("after bad adds %d webhooks are stored; want 1", n)
			}

			// --webhook-allow-private lets an on-premises receiver in; a given
			// secret is kept and not printed.
			given := fc.NewWebhookSecret()
			stdout, stderr, err = runCmd(t, "webhooks", "add", "--db", db, "--name", "local", "--url", "http://127.0.0.1:9/",
				"--action", "47", "--webhook-allow-private", "--secret", given)
			if err != nil {
				t.Fatalf("webhooks add --webhook-allow-private = %v: %s", err, stderr)
			}
			if strings.Contains(stdout, given) {
				t.Errorf("webhooks add printed the secret it was given: %q", stdout)
			}
			hooks = storedWebhooks(t, db)
			if len(hooks) != 2 || hooks[1].Secret != given || hooks[1].BusinessID != nil || hooks[1].Action != fc.ActionCheckinCreated {
				t.Fatalf("after add --webhook-allow-private: %+v", hooks)
			}

			// A failed attempt makes the error count 1; disable keeps its
			// delivery waiting, enable resets the count and sends it at once.
			now := time.Now()
			withStore(t, db, func(s store) {
				storetest.ImportTestDirectory(t, s)
				a := &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, FromTime: now, CoworkerID: new(int64(999))}
				if res, err := s.RecordAttempts(t.Context(), []*fc.Attempt{a}); err != nil || res[0].Outcome.Accepted {
					t.Fatalf("RecordAttempts = %+v, %v; want a refusal", res, err)
				}
				jobs, err := s.ClaimDeliveries(t.Context(), "test", now.Add(time.Minute), now.Add(2*time.Minute), 10)
				if err != nil || len(jobs) != 1 || jobs[0].Delivery.WebhookID != h.ID {
					t.Fatalf("ClaimDeliveries = %+v, %v; want the refusal for webhook %d", jobs, err, h.ID)
				}
				next := now.Add(time.Hour)
				if err := s.FinishDelivery(t.Context(), "test", fc.DeliveryResult{DeliveryID: jobs[0].Delivery.ID, WebhookID: h.ID,
					At: now, Next: &next, StatusCode: 500, Error: "HTTP 500"}); err != nil {
					t.Fatal(err)
				}
			})
			claimable := func() int {
				var n int
				withStore(t, db, func(s store) {
					jobs, err := s.ClaimDeliveries(t.Context(), "probe", now.Add(5*time.Minute), now.Add(5*time.Minute+time.Second), 10)
					if err != nil {
						t.Fatal(err)
					}
					n = len(jobs)
				})
				return n
			}
			if stdout, stderr, err := runCmd(t, "webhooks", "disable", "--db", db, "1"); err != nil || !strings.Contains(stdout, "disabled") {
				t.Fatalf("webhooks disable = %v: %s%s", err, stdout, stderr)
			}
			if w := storedWebhooks(t, db)[0]; w.Active || w.ErrorCount != 1 {
				t.Errorf("after disable: Active %v, ErrorCount %d; want false, 1", w.Active, w.ErrorCount)
			}
			if stdout, stderr, err := runCmd(t, "webhooks", "enable", "--db", db, "1"); err != nil || !strings.Contains(stdout, "enabled") {
				t.Fatalf("webhooks enable = %v: %s%s", err, stdout, stderr)
			}
			if w := storedWebhooks(t, db)[0]; !w.Active || w.ErrorCount != 0 {
				t.Errorf("after enable: Active %v, ErrorCount %d; want true, 0", w.Active, w.ErrorCount)
			}
			if n := claimable(); n != 1 {
				t.Errorf("after enable %d deliveries are due; want the waiting one at once", n)
			}

			stdout, stderr, err = runCmd(t, "webhooks", "rotate-secret", "--db", db, "1")
			if err != nil {
				t.Fatalf("rotate-secret = %v: %s", err, stderr)
			}
			if got := storedWebhooks(t, db)[0].Secret; got == printed || got != secretRE.FindString(stdout) {
				t.Errorf("after rotate-secret the stored secret is %q, printed %q, old %q", got, stdout, printed)
			}
			for _, args := range [][]string{{"enable", "--db", db, "99"}, {"disable", "--db", db, "x"}, {"rotate-secret", "--db", db}} {
				if _, _, err := runCmd(t, append([]string{"webhooks"}, args...)...); err == nil {
					t.Errorf("webhooks %q = nil; want an error", args)
				} else if args[len(args)-1] == "99" && (exitCode(err) != 1 || !strings.Contains(err.Error(), "webhooks list")) {
					t.Errorf("webhooks %q = %v; want exit 1 pointing to webhooks list", args, err)
				}
			}

			stdout, _, err = runCmd(t, "webhooks", "list", "--db", db)
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "Front desk") ||
				!strings.Contains(lines[1], "https://93.184.216.34/hook") || !strings.Contains(lines[1], "HTTP 500") ||
				!strings.Contains(lines[2], "all") || strings.Contains(stdout, "whsec_") {
				t.Errorf("webhooks list = %v:\n%s", err, stdout)
			}

			// Audited: the four changes that were made and the failed
			// enable, never a secret.
			rows := auditCSV(t, db, "--channel", "Cli", "--path", "webhooks")
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[6]+" "+r[8])
				if strings.Contains(r[7], "whsec_") || r[4] != "Cli" {
					t.Errorf("audit entry %q", r)
				}
			}
			want := "webhooks add 200,webhooks add 200,webhooks disable 200,webhooks enable 200,webhooks rotate-secret 200,webhooks enable 404"
			if strings.Join(got, ",") != want {
				t.Errorf("audit = %q; want %q", got, want)
			}
		})
	}
}
