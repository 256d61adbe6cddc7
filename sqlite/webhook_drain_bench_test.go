package sqlite

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// countingTx counts the statements run through a transaction.
type countingTx struct {
	sqlstore.Tx
	n *atomic.Int64
}

func (t countingTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	t.n.Add(1)
	return t.Tx.Exec(ctx, q, args...)
}

func (t countingTx) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	t.n.Add(1)
	return t.Tx.QueryRow(ctx, q, args...)
}

func (t countingTx) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	t.n.Add(1)
	return t.Tx.Query(ctx, q, args...)
}

type countingWriteTx struct {
	countingTx
	w sqlstore.WriteTx
}

func (t countingWriteTx) Queue(q string, args ...any) {
	t.n.Add(1)
	t.w.Queue(q, args...)
}

func (t countingWriteTx) Flush(ctx context.Context) error { return t.w.Flush(ctx) }

// countStatements makes db's webhook store count its statements and
// transactions (reads and writes) in stmts and txs.
func countStatements(db *DB, stmts, txs *atomic.Int64) {
	write := func(w sqlstore.WriteFunc) sqlstore.WriteFunc {
		return func(ctx context.Context, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
			txs.Add(1)
			return w(ctx, func(tx sqlstore.WriteTx, now time.Time) error {
				return fn(countingWriteTx{countingTx{tx, stmts}, tx}, now)
			})
		}
	}
	read := db.webhooks.Read
	db.webhooks.Read = func(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
		txs.Add(1)
		return read(ctx, func(tx sqlstore.Tx) error { return fn(countingTx{tx, stmts}) })
	}
	db.webhooks.Write = write(db.webhooks.Write)
	if db.webhooks.LazyWrite != nil {
		db.webhooks.LazyWrite = write(db.webhooks.LazyWrite)
	}
}

// BenchmarkWebhookDrain measures what one webhook delivery costs the
// server: a backlog of b.N deliveries (three webhooks of action 63, one
// of them scoped to location 1, each covering every refusal, as in
// groupcommit's BenchmarkHTTP16Push) is queued in the outbox before the
// timer starts (the fan-out into deliveries is timed),
// and a dispatcher (Run, 16 workers) sends them all to a real receiver
// in this process. It reports, per delivery: the process's CPU
// (receiver included), heap allocations (receiver included), the
// webhook store's statements and transactions (claims, results; the
// record reads of the bodies are counted apart as reads/delivery), and
// the rate. Issue 13 (docs/benchmarks.md):
//
//	go test -c -o /tmp/sq.test ./sqlite/
//	/tmp/sq.test -test.run '^$' -test.bench WebhookDrain -test.benchtime 30000x
func BenchmarkWebhookDrain(b *testing.B) {
	db := openTest(b)
	db.SetNow(time.Now)
	ctx := context.Background()
	sample := storetest.Sample(b)
	for _, r := range sample {
		r.BusinessID = 1
	}
	if _, err := db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range sample {
			if !yield(r, nil) {
				return
			}
		}
	}); err != nil {
		b.Fatal(err)
	}
	var idsMu sync.Mutex
	ids := map[string]bool{}
	var received atomic.Int64
	done := make(chan struct{})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		idsMu.Lock()
		ids[r.Header.Get("webhook-id")] = true
		n := len(ids)
		idsMu.Unlock()
		received.Add(1)
		if n == b.N {
			select {
			case <-done:
			default:
				close(done)
			}
		}
	}))
	defer receiver.Close()
	var hooks []int64
	for i, h := range []fc.Webhook{
		{Name: "all refusals"},
		{Name: "location 1", BusinessID: new(int64)},
		{Name: "limit reached", Filter: "FailedCheckin_Reason=CheckinLimitReached"},
	} {
		if i == 1 {
			*h.BusinessID = 1
		}
		h.Action, h.URL, h.Active, h.Secret = fc.ActionFailedCheckin, receiver.URL, true, fc.NewWebhookSecret()
		if err := db.CreateWebhook(ctx, &h); err != nil {
			b.Fatal(err)
		}
		hooks = append(hooks, h.ID)
	}
	// The backlog, as refusals' transactions queue it: one outbox row per
	// record naming the three webhooks (the last one fewer when b.N is
	// not a multiple of three), which the dispatcher's claims fan out, in
	// the timed part, into a delivery per webhook.
	err := db.write(ctx, func(tx sqlstore.WriteTx, now time.Time) error {
		at := dialect.Accounts.Value(now)
		for i := 0; i < b.N; i += len(hooks) {
			rec := sample[(i/len(hooks))%len(sample)].ID
			named := ""
			for k, h := range hooks[:min(len(hooks), b.N-i)] {
				if k > 0 {
					named += ","
				}
				named += strconv.FormatInt(h, 10)
			}
			_, err := tx.Exec(ctx, `INSERT INTO webhook_outbox (action, record_id, webhooks, created_on) VALUES (63, $1, $2, $3)`,
				rec, named, at)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var stmts, txs, renders atomic.Int64
	countStatements(db, &stmts, &txs)
	srv := api.New(api.Config{Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	render := func(ctx context.Context, d *fc.WebhookDelivery) ([]byte, int64, error) {
		renders.Add(1)
		return srv.RenderDelivery(ctx, d)
	}
	renderAll := func(ctx context.Context, recs []webhook.Record) (map[webhook.Record]webhook.Body, error) {
		renders.Add(1)
		return srv.RenderDeliveries(ctx, recs)
	}
	d := webhook.New(webhook.Config{Store: db, Render: render, RenderAll: renderAll, AllowPrivate: true})
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	var u0, u1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u0)
	b.ResetTimer()
	start := time.Now()
	rctx, cancel := context.WithCancel(ctx)
	var run sync.WaitGroup
	run.Go(func() { d.Run(rctx) })
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("%d of %d deliveries received after 10 minutes", received.Load(), b.N)
	}
	// Recorded too: the last results are written after the receiver
	// has answered.
	for {
		n, err := db.PendingDeliveries(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u1)
	runtime.ReadMemStats(&m1)
	cancel()
	run.Wait()
	n := float64(b.N)
	cpu := time.Duration(u1.Utime.Nano()-u0.Utime.Nano()) + time.Duration(u1.Stime.Nano()-u0.Stime.Nano())
	b.ReportMetric(n/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-us/delivery")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n, "allocs/delivery")
	b.ReportMetric(float64(stmts.Load())/n, "stmts/delivery")
	b.ReportMetric(float64(txs.Load())/n, "txs/delivery")
	b.ReportMetric(float64(renders.Load())/n, "reads/delivery")
	b.ReportMetric(float64(received.Load())/n, "sent/delivery")
}
