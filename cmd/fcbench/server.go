package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat;
// it is 100 on every Linux the project runs on.
const clockTicks = 100

// server is the real failedcheckins binary serving as a child process, so
// its CPU time and memory can be read from /proc.
type server struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  *os.File
	pg   *pgBackends // PostgreSQL: the backends serving it; nil for SQLite
	// settle is how long measureOnce waits after the warm-up and after
	// the load before it reads the server's CPU, so that work the load
	// left behind (the audit's last batch, written up to 200 ms later) is
	// counted, and the warm-up's is not.
	settle time.Duration
}

// startServer runs `bin serve` on a free loopback port without rate limit
// (one token drives all the load) and waits until /readyz answers.
func startServer(ctx context.Context, bin, db, logPath string, env ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", addr, "--rate-limit", "-1")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = childEnv(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		_ = logf.Close() // nothing was written; the start error is the one to report
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, log: logf}
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// childEnv is the environment of a server: base (fcbench's own) without
// serve's benchmark-only audit switch, then env. The switch is given only
// by env, so a variable fcbench itself inherited never turns the audit
// off in a server that was meant to audit (-audit-pairs' "on" half, or
// the bench).
func childEnv(base []string, env ...string) []string {
	name, _, _ := strings.Cut(auditOffEnv, "=")
	out := make([]string, 0, len(base)+len(env))
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); k != name {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	// The server is about to bind this port: it must really be free.
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("free port %d: %w", port, err)
	}
	return port, nil
}

func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return err
		}
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the server did not become ready in 60 s (see %s)", s.log.Name())
}

// stop sends SIGINT and waits for a clean exit.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	_ = s.log.Close() // the server process wrote the log through its own descriptor
}

// cpu returns the server's user+system CPU time so far.
func (s *server) cpu() (time.Duration, error) { return procCPU(s.cmd.Process.Pid) }

// procCPU returns a process's user+system CPU time from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	own, _, err := procTimes(pid)
	return own, err
}

// procTimes returns a process's user+system CPU time and that of its
// children it has waited for (utime+stime, cutime+cstime of
// /proc/PID/stat).
func procTimes(pid int) (own, children time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read CPU time: %w", err)
	}
	// The command name (field 2) may contain spaces: count from its ')'.
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	f := strings.Fields(rest) // f[0] is field 3 (state): utime is field 14
	if len(f) < 15 {
		return 0, 0, errors.New("short /proc/PID/stat")
	}
	var v [4]int64
	for i := range v {
		if v[i], err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("parse /proc/PID/stat: %w", err)
		}
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	return tick(v[0] + v[1]), tick(v[2] + v[3]), nil
}

// memory returns the server's resident set now and its peak (VmRSS,
// VmHWM) in KiB.
func (s *server) memory() (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read server memory: %w", err)
	}
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), ":")
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			peak = n
		}
	}
	return rss, peak, nil
}

// token signs the bench user in with the password grant.
func (s *server) token(email, password string) (string, error) {
	form := url.Values{"grant_type": {"password"}, "username": {email}, "password": {password}}
	resp, err := http.PostForm(s.base+"/api/token", form)
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &t) != nil || t.AccessToken == "" {
		return "", fmt.Errorf("token: HTTP %d: %s", resp.StatusCode, body)
	}
	return t.AccessToken, nil
}
