package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlite"
)

// crashDirectory: coworker 1 is always let in, coworker 2 is inactive, so
// the stream mixes Checkins and FailedCheckins (plus unrecognised cards).
const crashDirectory = `{
 "Businesses": [{"Id": 1, "Name": "London", "TimeZone": "Europe/London"}],
 "Tariffs": [{"Id": 1, "Name": "Unlimited"}],
 "Coworkers": [
  {"Id": 1, "FullName": "Ana Silva", "Active": true, "TariffId": 1},
  {"Id": 2, "FullName": "Ben Okafor", "Active": false, "TariffId": 1}
 ]}`

// ack is an attempt the server answered with 200: its unique FromTime
// names it, the answer says which record it became.
type ack struct {
	from     time.Time
	accepted bool
	id       int64
}

// TestCrashLosesNothingAcknowledged: serve runs as a process, 8 clients
// submit attempts, the process is killed with SIGKILL mid-stream and
// restarted on the same file; every attempt that got a 200 is stored
// exactly once, under the Id it was given, with its own content.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a process")
	}
	bin := buildBinary(t)
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	dirFile := writeFile(t, "directory.json", crashDirectory)
	for _, args := range [][]string{
		{"migrate", "--db", dbPath},
		{"directory", "import", "--db", dbPath, dirFile},
		{"users", "add", "--db", dbPath, "--email", "door@example.com", "--password", "door-pw", "--roles", fc.RoleCheckinCreate, "--businesses", "1"},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	proc, base := startKillable(t, bin, dbPath)
	acks := submitUntilKilled(t, base, proc, 8, 500)
	if len(acks) == 0 {
		t.Fatal("no attempt was acknowledged before the kill")
	}
	base = startServe(t, bin, dbPath) // the restart: recovery from the WAL
	if code := getWithBasic(t, base+"/api/spaces/checkins?size=1", "door@example.com", "door-pw"); code != http.StatusForbidden {
		t.Errorf("restarted server: GET checkins as a door = %d; want 403 (it answers, and checks roles)", code)
	}
	verifyAcks(t, dbPath, acks)
}

// startKillable starts serve (with any further flags) and returns the
// process, so the test can SIGKILL it, and its base URL.
func startKillable(t *testing.T, bin, dbPath string, flags ...string) (*os.Process, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0", "--rate-limit", "-1"}, flags...)...)
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	return cmd.Process, "http://" + waitForAddr(t, log, done)
}

// submitUntilKilled runs clients until the server dies; the process is
// killed once killAfter attempts are acknowledged, while the clients keep
// sending. It returns every acknowledged attempt.
func submitUntilKilled(t *testing.T, base string, proc *os.Process, clients int, killAfter int64) []ack {
	t.Helper()
	start := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	var (
		mu     sync.Mutex
		acks   []ack
		n      atomic.Int64
		killed sync.Once
		wg     sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second}
	// One request first, so the Basic credentials are verified (and
	// cached) once: clients all signing in at once would queue for the
	// password hash, and be throttled, before any attempt.
	getWithBasic(t, base+"/api/spaces/checkins?size=1", "door@example.com", "door-pw")
	for c := range clients {
		wg.Go(func() {
			for i := 0; i < 100_000; i++ {
				from := start.Add(time.Duration(i*clients+c) * time.Second)
				a, why := postAttempt(client, base, i%3, from)
				if why != "" {
					if n.Load() == 0 {
						t.Logf("client %d stopped before any acknowledgement: %s", c, why)
					}
					return // the server is gone
				}
				mu.Lock()
				acks = append(acks, a)
				mu.Unlock()
				if n.Add(1) == killAfter {
					killed.Do(func() {
						if err := proc.Kill(); err != nil { // SIGKILL: no shutdown, no drain
							t.Errorf("kill: %v", err)
						}
					})
				}
			}
		})
	}
	wg.Wait()
	return acks
}

// postAttempt submits one attempt, accepted (kind 0) or refused (1:
// inactive, 2: unknown card), and says why it got no 200 ("" when it did).
func postAttempt(client *http.Client, base string, kind int, from time.Time) (ack, string) {
	body := map[string]any{"BusinessId": 1, "Source": "DoorAccess", "FromTime": from.Format(time.RFC3339)}
	switch kind {
	case 0:
		body["CoworkerId"] = 1
	case 1:
		body["CoworkerId"] = 2
	default:
		body["AccessCardId"] = "card-" + fmt.Sprint(from.Unix())
	}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/spaces/checkins", bytes.NewReader(raw))
	req.SetBasicAuth("door@example.com", "door-pw")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return ack{}, err.Error()
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	var out struct {
		WasSuccessful bool
		Value         struct{ Id, FailedCheckinId int64 }
	}
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(answer, &out) != nil {
		return ack{}, fmt.Sprintf("%d %s (%v)", resp.StatusCode, answer, err)
	}
	return ack{from: from, accepted: out.WasSuccessful, id: out.Value.Id + out.Value.FailedCheckinId}, ""
}

func getWithBasic(t *testing.T, target, user, password string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s = %v", target, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// verifyAcks reads every stored record and checks that each acknowledged
// attempt is there exactly once, under its Id, with its FromTime.
func verifyAcks(t *testing.T, dbPath string, acks []ack) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[time.Time][]ack{} // FromTime -> records with it
	all := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1_000_000}
	checkins, err := db.FindCheckins(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checkins.Records {
		stored[c.FromTime] = append(stored[c.FromTime], ack{from: c.FromTime, accepted: true, id: c.ID})
	}
	failed, err := db.FindFailedCheckins(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failed.Records {
		stored[f.CheckinAttemptTime] = append(stored[f.CheckinAttemptTime], ack{from: f.CheckinAttemptTime, id: f.ID})
	}
	var accepted int
	for _, a := range acks {
		got := stored[a.from]
		if len(got) != 1 || got[0] != a {
			t.Errorf("acknowledged %+v; stored %+v, want exactly it once", a, got)
		}
		if a.accepted {
			accepted++
		}
	}
	t.Logf("%d attempts acknowledged (%d accepted) before SIGKILL; %d check-ins and %d failed check-ins stored",
		len(acks), accepted, checkins.TotalItems, failed.TotalItems)
	if accepted == 0 || accepted == len(acks) {
		t.Errorf("%d of %d acknowledged attempts accepted; want a mix", accepted, len(acks))
	}
}
