package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEraseCommand: `erase --email` anonymizes the person's records
// (found by the directory entry's id and MAC address), prints the count,
// and writes a Cli audit entry holding the email's SHA-256 only; a second
// run prints 0; a wrong command line changes nothing. Both stores.
func TestEraseCommand(t *testing.T) {
	for name, newDB := range auditDatabases(t) {
		t.Run(name, func(t *testing.T) {
			db := newDB(t)
			dir := t.TempDir()
			directory := filepath.Join(dir, "directory.json")
			records := filepath.Join(dir, "records.csv")
			writeEraseFile(t, directory, `{"Businesses": [{"Id": 1, "Name": "London", "TimeZone": "Europe/London"}],
 "Tariffs": [{"Id": 1, "Name": "Hot Desk"}],
 "Coworkers": [{"Id": 10, "FullName": "Ana Silva", "Email": "Ana@Example.com", "Active": true, "TariffId": 1, "MacAddresses": ["a4:5e:60:c2:19:0b"]},
  {"Id": 11, "FullName": "Ben Okafor", "Email": "ben@example.com", "Active": true, "TariffId": 1}]}`)
			writeEraseFile(t, records, `Id,UniqueId,CoworkerId,CoworkerFullName,BusinessId,BusinessName,CheckinAttemptTime,Source,MacAddresses,TeamsAtTheTimeOfCheckin,TariffAtTheTimeOfCheckin,Description,CheckinAttemptTimeLocal,CreatedOn,UpdatedOn
1,a1fc918c-ee79-424f-8537-8d9312820cfe,10,Ana Silva,1,London,2026-11-01T12:22:38Z,2,,Atlas,Hot Desk,Plan expired,2026-11-01T12:22:38,2026-11-01T12:22:38Z,2026-11-01T12:22:38Z
2,7027fe43-2106-43e4-9a6e-9fd39905ec49,,,1,London,2026-11-02T12:22:38Z,3,A4-5E-60-C2-19-0B,,,Unrecognised device,2026-11-02T12:22:38,2026-11-02T12:22:38Z,2026-11-02T12:22:38Z
3,ca36f1d0-41d3-4b27-b542-de3ce9e17e22,11,Ben Okafor,1,London,2026-11-03T12:22:38Z,2,,Orbit,Hot Desk,Plan expired,2026-11-03T12:22:38,2026-11-03T12:22:38Z,2026-11-03T12:22:38Z
`)
			for _, args := range [][]string{{"directory", "import", "--db", db, directory}, {"import", "--db", db, records}} {
				var out, errOut bytes.Buffer
				if err := run(t.Context(), args, strings.NewReader(""), &out, &errOut); err != nil {
					t.Fatalf("%q = %v\n%s", args, err, errOut.String())
				}
			}
			erase := func(args ...string) (string, error) {
				var out, errOut bytes.Buffer
				err := run(t.Context(), append([]string{"erase", "--db", db}, args...), strings.NewReader(""), &out, &errOut)
				return out.String() + errOut.String(), err
			}
			for _, bad := range [][]string{{}, {"--coworker", "10", "--email", "x@example.com"}, {"--mac", "nope"}, {"--coworker", "-3"}, {"--email", "ana@example.com", "extra"}} {
				if out, err := erase(bad...); exitCode(err) != 2 {
					t.Errorf("erase %q = %v (exit %d)\n%s; want a usage error (exit 2)", bad, err, exitCode(err), out)
				}
			}
			out, err := erase("--email", " ANA@example.com")
			if err != nil || strings.TrimSpace(out) != "2 records anonymized" {
				t.Fatalf("erase --email = %q, %v; want 2 records anonymized", out, err)
			}
			rows := auditCSV(t, db, "--channel", "Cli", "--path", "erase")
			sum := sha256.Sum256([]byte("ana@example.com"))
			if len(rows) != 2 || rows[1][7] != "Identifier=Email&Sha256="+hex.EncodeToString(sum[:]) || rows[1][9] != "2" || rows[1][8] != "200" {
				t.Errorf("audit of the erasure = %q; want one Cli entry with the email's SHA-256 as Query, status 200, 2 records", rows)
			}
			for _, row := range auditCSV(t, db) {
				if strings.Contains(strings.ToLower(strings.Join(row, ",")), "ana@") {
					t.Errorf("an audit entry names the email: %q", row)
				}
			}
			if out, err := erase("--mac", "a4:5e:60:c2:19:0b"); err != nil || strings.TrimSpace(out) != "0 records anonymized" {
				t.Errorf("erase --mac after the erasure = %q, %v; want 0 records anonymized", out, err)
			}
			if out, err := erase("--coworker", "11"); err != nil || strings.TrimSpace(out) != "1 records anonymized" {
				t.Errorf("erase --coworker 11 = %q, %v; want 1 records anonymized", out, err)
			}
		})
	}
}

func writeEraseFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
