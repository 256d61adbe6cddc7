package groupcommit_test

import (
	"bufio"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// pushDefer is the dispatcher's Defer in BenchmarkHTTP16Push/push:
// serve's default, or longer to see what the yield gives a burst that
// outlasts the default on a loaded machine.
var pushDefer = flag.Duration("push-defer", webhook.DefaultDefer, "BenchmarkHTTP16Push/push: the dispatcher's deferral bound (serve --webhook-defer)")

// pushBehind is the dispatcher's Behind in BenchmarkHTTP16Push/push:
// serve's default, or 0 to defer on Busy alone.
var pushBehind = flag.Duration("push-behind", webhook.DefaultBehind, "BenchmarkHTTP16Push/push: how long the oldest due work waits before the dispatcher defers (serve --webhook-behind)")

// pushProfile, when set, is where BenchmarkHTTP16Push writes a CPU
// profile of the burst alone (-test.cpuprofile also covers the setup and
// the drain after it).
var pushProfile = flag.String("push-cpuprofile", "", "BenchmarkHTTP16Push: write a CPU profile of the timed burst to this file")

// pushAuth lets every request in as a door controller that may also read
// the live streams: one caller for both halves of BenchmarkHTTP16Push.
type pushAuth struct{}

func (pushAuth) Authenticate(*http.Request) (*fc.Caller, error) {
	return &fc.Caller{UserID: 1, Roles: []string{fc.RoleCheckinCreate, fc.RoleFailedCheckinList, fc.RoleCheckinList},
		Scope: fc.AllBusinesses()}, nil
}

// BenchmarkHTTP16Push is BenchmarkHTTP16 without ("none") and with
// ("push") what issue 13 adds to the attempts: three active webhooks that
// each cover the refusals (every attempt after the coworker's third of the
// month: no filter, location 1, Reason CheckinLimitReached), so each
// refusal queues three deliveries in its transaction (one outbox row naming the three webhooks), a dispatcher
// sending them to a real receiver in a process of its own on this machine
// (bench_receiver_test.go: its CPU is not this process's, but it shares the
// cores; yielding to the
// saturated check-ins for up to -push-defer, serve's 5 s by default;
// after the run it waits until the receiver has had every delivery,
// counted by webhook-id, and none is pending, and reports how long that
// took as drain-s: a loss fails it), and one open live
// stream of FailedCheckins read by a client. "outbox" (the three webhooks,
// no dispatcher, no stream) and "stream" (the stream alone) split the
// cost. It reports the attempts' rate and latency, and the deliveries
// queued per attempt (3 when the webhooks match), the deliveries sent
// during the run, the stream's events, this process's CPU per attempt
// during the run (cpu-us/attempt: the server's, its 16 clients' and the
// stream reader's) and the receiver process's CPU over the whole run,
// drain included (receiver-cpu-s). Run the variants alternately,
// binary built once (the machine is shared):
//
//	go test -c -o /tmp/gc.test ./groupcommit/
//	for i in 1 2 3; do for v in none outbox stream push; do
//	  /tmp/gc.test -test.run '^$' -test.bench "HTTP16Push/$v\$" -test.benchtime 20000x; done; done
func BenchmarkHTTP16Push(b *testing.B) {
	for _, v := range []struct {
		name                      string
		hooks, dispatcher, stream bool
	}{
		{"none", false, false, false},
		{"outbox", true, false, false},
		{"stream", false, false, true},
		{"push", true, true, true},
	} {
		b.Run(v.name, func(b *testing.B) { benchHTTP16Push(b, v.hooks, v.dispatcher, v.stream) })
	}
}

func benchHTTP16Push(b *testing.B, hooks, dispatcher, stream bool) {
	db := openStore(b)
	counted := &countingStore{AttemptStore: db}
	q := groupcommit.New(counted, groupcommit.Options{})
	defer q.Close()
	srv := api.New(api.Config{Store: db, Authenticator: pushAuth{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Checkins: &api.CheckinConfig{Store: db, Directory: db, Attempts: q}})
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.RegisterOnShutdown(srv.CloseStreams)
	ts.Start()
	defer ts.Close()
	defer srv.CloseStreams()

	var events atomic.Int64
	var running sync.WaitGroup
	defer running.Wait()
	var hookIDs []int64
	var receiver *remoteReceiver
	if hooks {
		// The receiver runs in a process of its own (bench_receiver_test.go),
		// as on another machine: its CPU is not counted in cpu-us/attempt.
		receiver = startReceiver(b)
		defer func() { b.ReportMetric(receiver.close().Seconds(), "receiver-cpu-s") }()
		for _, h := range []fc.Webhook{
			{Name: "all refusals"},
			{Name: "location 1", BusinessID: ptr(int64(1))},
			{Name: "limit reached", Filter: "FailedCheckin_Reason=CheckinLimitReached"},
		} {
			h.Action, h.URL, h.Active, h.Secret = fc.ActionFailedCheckin, receiver.URL, true, fc.NewWebhookSecret()
			if err := db.CreateWebhook(context.Background(), &h); err != nil {
				b.Fatal(err)
			}
			hookIDs = append(hookIDs, h.ID)
		}
	}
	if dispatcher {
		// As serve runs it: deliveries yield to saturated check-ins for
		// up to webhook.DefaultDefer (-push-defer) once the oldest due
		// has waited webhook.DefaultBehind (-push-behind).
		d := webhook.New(webhook.Config{Store: db, Render: srv.RenderDelivery, RenderAll: srv.RenderDeliveries, AllowPrivate: true,
			Busy: q.Busy, Defer: *pushDefer, Behind: *pushBehind})
		db.OnWebhookDeliveries(d.Wake)
		ctx, cancel := context.WithCancel(context.Background())
		running.Go(func() { d.Run(ctx) })
		defer cancel()
	}
	if stream {
		sctx, scancel := context.WithCancel(context.Background())
		defer scancel()
		req, _ := http.NewRequestWithContext(sctx, "GET", ts.URL+"/api/spaces/failedcheckins/stream", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("open the stream: %v %v", resp, err)
		}
		defer resp.Body.Close()
		running.Go(func() { // the stream's reader
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "id: ") {
					events.Add(1)
				}
			}
		})
	}

	const clients = 16
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	if *pushProfile != "" {
		f, err := os.Create(*pushProfile)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			lat[c] = postAttempts(b, ts.Listener.Addr().String(), c, clients)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	if *pushProfile != "" {
		pprof.StopCPUProfile()
	}
	if b.Failed() {
		return
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "attempts/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(all))/float64(counted.batches.Load()), "attempts/batch")
	// The mean time of a batch's write: with the dispatcher's lazy
	// transactions between them, each durable commit's fsync also writes
	// out their WAL frames.
	b.ReportMetric(float64(counted.nanos.Load())/1e6/float64(counted.batches.Load()), "batch-ms")
	// This process's CPU per attempt during the burst: the server's and
	// its 16 clients' (and the stream's reader), not the receiver's.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-us/attempt")
	if hooks {
		queued, err := db.PendingDeliveries(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		_, received, err := receiver.counts()
		if err != nil {
			b.Fatal(err)
		}
		sent := float64(received)
		b.ReportMetric((float64(queued)+sent)/float64(len(all)), "deliveries/attempt")
		b.ReportMetric(sent, "delivered")
		if dispatcher {
			// No loss: every delivery queued reaches the receiver once
			// the burst is over (drain-s: how long after its end).
			refusals, err := db.FindFailedCheckins(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1})
			if err != nil {
				b.Fatal(err)
			}
			distinct := func() int64 {
				n, _, err := receiver.counts()
				if err != nil {
					b.Fatal(err)
				}
				return n
			}
			// Delivered and recorded: the receiver sees a delivery before
			// its result is committed. The delivery log is counted once
			// nothing is pending: before, most of a deferred burst is
			// still in the outbox, which the log fans out a round at a
			// time.
			var pending int64
			for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if pending, err = db.PendingDeliveries(context.Background()); err == nil && pending == 0 && distinct() >= 3*refusals.TotalItems {
					break
				}
			}
			var total int64
			for _, id := range hookIDs {
				page, err := db.FindWebhookDeliveries(context.Background(), fc.AllBusinesses(), id, 1, 1)
				if err != nil {
					b.Fatal(err)
				}
				total += page.TotalItems
			}
			if n := distinct(); n != total || total != 3*refusals.TotalItems || pending != 0 || err != nil {
				b.Fatalf("%d distinct deliveries received of %d queued for %d refusals, %d pending (%v), within 5 minutes of the burst",
					n, total, refusals.TotalItems, pending, err)
			}
			b.ReportMetric(time.Since(start.Add(elapsed)).Seconds(), "drain-s")
		}
	}
	if stream {
		b.ReportMetric(float64(events.Load()), "stream-events")
	}
}
