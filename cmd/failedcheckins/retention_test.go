package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeRetentionFlags: the windows take whole days with a d suffix,
// from flags or variables, and --anonymize-after must be shorter than
// --delete-after; anything else is a wrong command line (exit 2).
func TestServeRetentionFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--delete-after", "90"}, "whole number of days"},
		{[]string{"--anonymize-after", "2h"}, "whole number of days"},
		{[]string{"--anonymize-after", "730d", "--delete-after", "90d"}, "must be shorter than --delete-after"},
		{[]string{"--anonymize-after", "90d", "--delete-after", "90d"}, "must be shorter than --delete-after"},
	} {
		_, _, err := runCmd(t, append([]string{"serve", "--db", db}, c.args...)...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("serve %q = %v; want exit 2 saying %q", c.args, err, c.msg)
		}
	}
	t.Setenv("FAILEDCHECKINS_AUDIT_RETENTION", "a year")
	if _, _, err := runCmd(t, "serve", "--db", db); err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "FAILEDCHECKINS_AUDIT_RETENTION") {
		t.Errorf("serve with FAILEDCHECKINS_AUDIT_RETENTION=\"a year\" = %v; want exit 2 naming the variable", err)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a refused serve created %s; want nothing done", db)
	}
}

// TestServeAppliesRetention: serve --delete-after deletes, at start, the
// records older than the window, and leaves the others.
func TestServeAppliesRetention(t *testing.T) {
	dir := t.TempDir()
	db, records := filepath.Join(dir, "fc.db"), filepath.Join(dir, "records.csv")
	old, recent := time.Now().AddDate(0, 0, -40).UTC().Format(time.RFC3339), time.Now().AddDate(0, 0, -2).UTC().Format(time.RFC3339)
	row := func(id, at string) string {
		return id + ",," + "10,Ana Silva,1,London," + at + ",2,,,Hot Desk,Plan expired," + strings.TrimSuffix(at, "Z") + "," + at + "," + at + "\n"
	}
	writeEraseFile(t, records, "Id,UniqueId,CoworkerId,CoworkerFullName,BusinessId,BusinessName,CheckinAttemptTime,Source,MacAddresses,TeamsAtTheTimeOfCheckin,TariffAtTheTimeOfCheckin,Description,CheckinAttemptTimeLocal,CreatedOn,UpdatedOn\n"+
		row("1", old)+row("2", old)+row("3", recent))
	if _, errOut, err := runCmd(t, "import", "--db", db, records); err != nil {
		t.Fatalf("import = %v\n%s", err, errOut)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var log syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--delete-after", "30d", "--anonymize-after", "1d"}, nil, io.Discard, &log)
	}()
	waitForAddr(t, &log, done)
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(log.String(), "retention: applied") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve = %v; log:\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "deleted=2") || !strings.Contains(log.String(), "anonymized=1") {
		t.Errorf("serve's log = %s; want the retention run: 2 deleted, 1 anonymized", log.String())
	}
	if n := countRecords(t, db); n != 1 {
		t.Errorf("records after serve --delete-after 30d = %d; want 1", n)
	}
}
