package groupcommit_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// receiverEnv, set in the environment of this test binary, makes it a
// webhook receiver instead of running tests (TestMain): the receiver of
// BenchmarkHTTP16Push/push runs in a process of its own, as it would on
// another machine, so the benchmark process's CPU (cpu-us/attempt) is
// the server's and its clients', not the receiver's. It still shares
// the machine's cores.
const receiverEnv = "FAILEDCHECKINS_BENCH_RECEIVER"

func TestMain(m *testing.M) {
	if os.Getenv(receiverEnv) == "1" {
		os.Exit(runReceiver())
	}
	os.Exit(m.Run())
}

// runReceiver accepts every POST (reading its body) and counts the
// distinct webhook-ids; GET /count answers "distinct received". It prints
// its URL on stdout and exits when stdin closes (the benchmark ended).
func runReceiver() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var mu sync.Mutex
	ids := map[string]bool{}
	var received int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/count" {
			mu.Lock()
			fmt.Fprintf(w, "%d %d\n", len(ids), received)
			mu.Unlock()
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		received++
		ids[r.Header.Get("webhook-id")] = true
		mu.Unlock()
	})}
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); _ = srv.Close() }()
	fmt.Printf("http://%s\n", l.Addr())
	if err := srv.Serve(l); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// remoteReceiver is a receiver process started from this test binary.
type remoteReceiver struct {
	URL   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startReceiver(b *testing.B) *remoteReceiver {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), receiverEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		b.Fatalf("start the receiver: %v", err)
	}
	return &remoteReceiver{URL: strings.TrimSpace(line), cmd: cmd, stdin: stdin}
}

// counts returns the distinct webhook-ids and the requests received.
func (r *remoteReceiver) counts() (distinct, received int64, err error) {
	resp, err := http.Get(r.URL + "/count")
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, err = fmt.Fscan(resp.Body, &distinct, &received)
	return distinct, received, err
}

// close stops the receiver and returns the CPU it used.
func (r *remoteReceiver) close() time.Duration {
	_ = r.stdin.Close()
	_ = r.cmd.Wait()
	if r.cmd.ProcessState == nil {
		return 0
	}
	return r.cmd.ProcessState.UserTime() + r.cmd.ProcessState.SystemTime()
}

// processCPU is this process's CPU time (user and system) so far.
func processCPU() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
