package postgres

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// privateServer is a PostgreSQL server of one test's own: initdb into a
// temporary directory, on a free port. The test may stop and start it
// without touching the server other tests share. As root (as .ci/run
// runs) the server runs as the postgres OS user, since PostgreSQL refuses
// to run as root.
type privateServer struct {
	t      *testing.T
	bin    string // the directory of initdb and pg_ctl
	dir    string
	port   int
	asUser []string // runuser -u postgres --, or nothing
}

// newPrivateServer makes and starts the server; without PostgreSQL's
// programs, or as root without a postgres user, the test skips, and
// under CI=true fails.
func newPrivateServer(t *testing.T) *privateServer {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but " + msg)
		}
		t.Skip(msg)
	}
	// pg_config names the programs' directory; Debian's layout is the
	// fallback (the server package does not always bring pg_config).
	s := &privateServer{t: t}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		s.bin = strings.TrimSpace(string(out))
	} else if found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(found) > 0 {
		s.bin = filepath.Dir(found[len(found)-1])
	}
	if _, err := os.Stat(filepath.Join(s.bin, "initdb")); s.bin == "" || err != nil {
		unavailable("no initdb (pg_config --bindir, /usr/lib/postgresql/*/bin): %v", err)
	}
	var err error
	// Not t.TempDir: its parent is private to the test's user, and the
	// server may run as another.
	s.dir, err = os.MkdirTemp("", "fc-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(s.dir) })
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			unavailable("running as root without a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(s.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		s.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s.run("initdb", "-D", filepath.Join(s.dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	s.start()
	t.Cleanup(func() { s.pgCtl("stop", "-m", "immediate") })
	return s
}

func (s *privateServer) run(program string, args ...string) {
	s.t.Helper()
	argv := append(append(append([]string{}, s.asUser...), filepath.Join(s.bin, program)), args...)
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		s.t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

func (s *privateServer) pgCtl(args ...string) {
	s.t.Helper()
	s.run("pg_ctl", append([]string{"-D", filepath.Join(s.dir, "data"), "-w", "-t", "60"}, args...)...)
}

func (s *privateServer) start() {
	s.t.Helper()
	s.pgCtl("start", "-l", filepath.Join(s.dir, "log"),
		"-o", fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off", s.port, s.dir))
}

func (s *privateServer) stop() {
	s.t.Helper()
	s.pgCtl("stop", "-m", "fast")
}

func (s *privateServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", s.port)
}

// TestRestartUnderTraffic is issue 18's "PostgreSQL stopped and started
// under traffic", with a real server (TestOutageUnderTraffic cuts a proxy
// instead): clients keep submitting check-ins through the group-commit
// queue and searching while the server is stopped (pg_ctl stop -m fast:
// sessions ended with 57P01, then connections refused) and started again.
// Every failure, at any time, is fc.ErrUnavailable (the API's 503 with
// Retry-After), never an internal error; there is at least one during the
// stop; and after the start the same store serves again, no restart of
// the service.
func TestRestartUnderTraffic(t *testing.T) {
	srv := newPrivateServer(t)
	ctx := context.Background()
	db, err := Open(ctx, srv.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, db)
	q := groupcommit.New(db, groupcommit.Options{})
	defer q.Close()

	type result struct {
		at  time.Time
		err error
	}
	var mu sync.Mutex
	var results []result
	var day atomic.Int64
	calls := []func() error{
		func() error {
			a := &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, AccessCardID: "04A2B3C4",
				FromTime: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(day.Add(1)) * time.Minute)}
			_, err := q.Submit(ctx, a)
			return err
		},
		func() error {
			_, err := db.FindCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 5})
			return err
		},
		func() error {
			_, err := db.FindUserByAccessToken(ctx, "no-such-hash", time.Now())
			if fc.ErrorCode(err) == fc.ErrNotFound {
				return nil
			}
			return err
		},
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, call := range calls {
		for range 2 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					err := call()
					mu.Lock()
					results = append(results, result{time.Now(), err})
					mu.Unlock()
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
	}
	time.Sleep(300 * time.Millisecond)
	stopping := time.Now()
	srv.stop()
	time.Sleep(time.Second)
	starting := time.Now()
	srv.start()
	started := time.Now()
	time.Sleep(2 * time.Second) // for the pool to reconnect
	settled := time.Now()
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	var before, during, after, afterOK, unavailable int
	for _, r := range results {
		switch code := fc.ErrorCode(r.err); {
		case r.err == nil:
		case code == fc.ErrUnavailable:
			unavailable++
		default:
			t.Errorf("at %v from the stop: %v (code %q); want ErrUnavailable (a 503)", r.at.Sub(stopping).Round(time.Millisecond), r.err, code)
		}
		switch {
		case r.at.Before(stopping):
			before++
			if r.err != nil {
				t.Errorf("before the stop: %v", r.err)
			}
		case r.at.Before(started):
			if r.err != nil && r.at.After(stopping) && r.at.Before(starting) {
				during++
			}
		case r.at.After(settled):
			after++
			if r.err == nil {
				afterOK++
			} else {
				t.Errorf("%v after the start: %v; want the store to serve again", r.at.Sub(started).Round(time.Millisecond), r.err)
			}
		}
	}
	t.Logf("%d calls: %d before the stop, %d failed while stopped (%d ErrUnavailable in all, no other error), %d of %d served after the start",
		len(results), before, during, unavailable, afterOK, after)
	if during == 0 {
		t.Error("no call failed while the server was stopped: the stop was not seen")
	}
	if after == 0 {
		t.Error("no call was made after the start")
	}
}
