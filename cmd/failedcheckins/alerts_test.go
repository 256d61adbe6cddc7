package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestAlertsCommand: alerts add checks its flags exactly as the API
// checks a create and stores nothing on a bad one (exit status 2, the
// flag named); rules lists the rule; incidents lists the incident its
// refusals open, filtered by --status. On SQLite and PostgreSQL.
func TestAlertsCommand(t *testing.T) {
	for name, newDB := range auditDatabases(t) {
		t.Run(name, func(t *testing.T) {
			db := newDB(t)
			if _, stderr, err := runCmd(t, "webhooks", "add", "--db", db, "--name", "pager", "--action", "1001",
				"--url", "https://93.184.216.34/hook"); err != nil {
				t.Fatalf("webhooks add = %v: %s", err, stderr)
			}
			hook := storedWebhooks(t, db)[0]
			base := []string{"alerts", "add", "--db", db, "--name", "stuck", "--group-by", "CoworkerId", "--threshold", "2", "--window", "10"}
			for _, tc := range []struct {
				args []string
				flag string
			}{
				{[]string{"--threshold", "0"}, "--threshold"},
				{[]string{"--window", "1441"}, "--window"},
				{[]string{"--group-by", "Teams"}, "--group-by"},
				{[]string{"--filter", "FailedCheckin_Nope=1"}, "FailedCheckin_Nope"},
				{[]string{"--webhooks", "999"}, "--webhooks"},
			} {
				_, _, err := runCmd(t, append(append([]string{}, base...), tc.args...)...)
				var ue *usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.flag) {
					t.Errorf("alerts add %v = %v; want a usage error naming %s", tc.args, err, tc.flag)
				}
			}
			stdout, stderr, err := runCmd(t, append(base, "--webhooks", "1", "--business", "2")...)
			if err != nil || !strings.Contains(stdout, "created alert rule 1") {
				t.Fatalf("alerts add = %v: %s %s", err, stdout, stderr)
			}
			if stdout, _, err := runCmd(t, "alerts", "rules", "--db", db); err != nil || !strings.Contains(stdout, "stuck") ||
				!strings.Contains(stdout, "CoworkerId") || strings.Count(stdout, "\n") != 2 {
				t.Errorf("alerts rules = %v:\n%s", err, stdout)
			}
			withStore(t, db, func(s store) {
				rules, err := s.FindAlertRules(t.Context(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 10})
				if err != nil || rules.TotalItems != 1 || rules.Records[0].Receivers.Webhooks[0] != hook.ID || rules.Records[0].Business() != 2 {
					t.Fatalf("stored rules = %+v, %v", rules, err)
				}
				storetest.ImportTestDirectory(t, s)
				// Ben (London only) refused twice at Paris, now.
				now := time.Now().UTC().Truncate(time.Second)
				for range 2 {
					a := &fc.Attempt{BusinessID: 2, Source: fc.SourceDoorAccess, FromTime: now, AccessCardID: "04a2b3c4"}
					if res, err := s.RecordAttempts(context.Background(), []*fc.Attempt{a}); err != nil || res[0].Outcome.Accepted {
						t.Fatalf("RecordAttempts = %+v, %v", res, err)
					}
				}
			})
			stdout, _, err = runCmd(t, "alerts", "incidents", "--db", db, "--status", "open")
			if err != nil || !strings.Contains(stdout, `{"CoworkerId":11}`) || !strings.Contains(stdout, "Open") {
				t.Errorf("alerts incidents --status open = %v:\n%s", err, stdout)
			}
			if stdout, _, err := runCmd(t, "alerts", "incidents", "--db", db, "--status", "Resolved"); err != nil || strings.Count(stdout, "\n") != 1 {
				t.Errorf("alerts incidents --status Resolved = %v:\n%s", err, stdout)
			}
		})
	}
}
