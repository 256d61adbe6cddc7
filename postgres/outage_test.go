package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// tcpProxy forwards a local port to the PostgreSQL server, and can be cut
// (listener and every connection closed: the server is gone, as in a
// restart or a network failure) and restored on the same port. The test
// breaks its own path to the server, never the server, which other tests
// share.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[s] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

// cut closes the listener and every connection.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// restore listens on the same port again.
func (p *tcpProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

// TestOutageUnderTraffic is issue 18's PostgreSQL outage: attempts, a
// search and sign-in lookups keep arriving while the server becomes
// unreachable; during the outage every failure is fc.ErrUnavailable (the
// API's 503 with Retry-After), never an internal error (a 500), and when
// the server is back the same store serves again, with no restart.
func TestOutageUnderTraffic(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	ctx := context.Background()
	db, err := Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, db)

	day := 0
	attempt := func() error {
		day++
		a := &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, AccessCardID: "04A2B3C4",
			FromTime: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, day)}
		res, err := db.RecordAttempts(ctx, []*fc.Attempt{a, a})
		if err != nil {
			return err
		}
		return errors.Join(res[0].Err, res[1].Err)
	}
	search := func() error {
		_, err := db.FindCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 5})
		return err
	}
	user := func() error {
		_, err := db.FindUserByEmail(ctx, "nobody@example.com")
		if fc.ErrorCode(err) == fc.ErrNotFound {
			return nil
		}
		return err
	}
	// The lookups that run on the pool outside a transaction helper: the
	// bearer-token check of every request, get-one, the directory.
	notFoundIsNil := func(err error) error {
		if fc.ErrorCode(err) == fc.ErrNotFound {
			return nil
		}
		return err
	}
	token := func() error {
		_, err := db.FindUserByAccessToken(ctx, "no-such-hash", time.Now())
		return notFoundIsNil(err)
	}
	getOne := func() error {
		_, err := db.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 1)
		return notFoundIsNil(err)
	}
	directory := func() error {
		_, err := db.Directory(ctx)
		return err
	}
	calls := map[string]func() error{"RecordAttempts": attempt, "FindCheckins": search, "FindUserByEmail": user,
		"FindUserByAccessToken": token, "FindFailedCheckinByID": getOne, "Directory": directory}
	for name, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("%s before the outage: %v", name, err)
		}
	}

	proxy.cut()
	for range 3 {
		for name, call := range calls {
			start := time.Now()
			err := call()
			if code := fc.ErrorCode(err); code != fc.ErrUnavailable {
				t.Errorf("%s during the outage = %v (code %q); want ErrUnavailable (a 503)", name, err, code)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("%s during the outage took %v; want an answer within the connect timeout", name, d)
			}
		}
	}

	proxy.restore()
	deadline := time.Now().Add(10 * time.Second)
	for name, call := range calls {
		for {
			err := call()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s after the outage: %v; want the store to serve again without a restart", name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
