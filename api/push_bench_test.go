package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// arrivals records when each record Id first arrived somewhere.
type arrivals struct {
	mu sync.Mutex
	at map[int64]time.Time
}

func (a *arrivals) add(id int64, t time.Time) {
	a.mu.Lock()
	if _, ok := a.at[id]; !ok {
		a.at[id] = t
	}
	a.mu.Unlock()
}

func (a *arrivals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

// lags returns, for every answered Id, the time from its answer to its
// arrival (0 when it arrived before the client had read the answer),
// sorted.
func (a *arrivals) lags(answered map[int64]time.Time) []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]time.Duration, 0, len(answered))
	for id, t := range answered {
		if got, ok := a.at[id]; ok {
			out = append(out, max(0, got.Sub(t)))
		}
	}
	slices.Sort(out)
	return out
}

// BenchmarkPushLag measures, at about 1,000 refusals a second, the time
// from each refusal's check-in answer to its arrival at a webhook
// receiver (a real HTTP server on this machine; one webhook of action 63,
// the dispatcher woken by the commits and yielding to saturated
// check-ins as serve's does, which this rate must not be) and on an open
// live stream of the
// same server, and reports the p50 and p99 of both (PUSH.md: p99 under
// 1 s). 16 clients post the attempts through the API (group commit, a
// real listener), paced to one every millisecond; b.N is the number of
// refusals. It also reports busy-share, the share of the run (sampled
// every millisecond) in which the group commit counted as saturated
// (groupcommit.Queue.Busy), when the dispatcher holds deliveries back for
// up to Defer. The store is FAILEDCHECKINS_TEST_DB's.
//
//	go test ./api -run '^$' -bench PushLag -benchtime 5000x
func BenchmarkPushLag(b *testing.B) {
	db := openSharedStores(b, 1)[0]
	// One clock that runs, for the store's writes (the outbox rows'
	// creation times) and the dispatcher's claims: with the store's
	// clock fixed at checkinNow (openSharedStores) and the dispatcher's
	// real, every outbox row looked months old to the deferral's cutoff,
	// so the benchmark measured the lag of a dispatcher that never
	// deferred, whatever Busy said.
	t0 := time.Now()
	clock := func() time.Time { return checkinNow.Add(time.Since(t0)) }
	db.SetNow(clock)
	hooks, ok := db.(hookBackend)
	if !ok {
		b.Fatalf("store %T has no webhooks", db)
	}
	s := newStreamServer(b, db, StreamOptions{})
	delivered := &arrivals{at: map[int64]time.Time{}}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		now := time.Now()
		var recs []struct{ Id int64 }
		if err := json.Unmarshal(body, &recs); err != nil || len(recs) != 1 {
			b.Errorf("delivery body %s: %v", body, err)
			return
		}
		delivered.add(recs[0].Id, now)
	}))
	b.Cleanup(receiver.Close)
	h := &fc.Webhook{Name: "lag", Action: fc.ActionFailedCheckin, URL: receiver.URL, Active: true, Secret: fc.NewWebhookSecret()}
	if err := hooks.CreateWebhook(context.Background(), h); err != nil {
		b.Fatal(err)
	}
	// As serve runs it: yielding to saturated check-ins for up to
	// webhook.DefaultDefer once the oldest due work has waited
	// webhook.DefaultBehind, which 1,000 refusals/s must not be.
	d := webhook.New(webhook.Config{Store: hooks, Render: s.srv.RenderDelivery, RenderAll: s.srv.RenderDeliveries, AllowPrivate: true,
		Busy: s.queue.Busy, Defer: webhook.DefaultDefer, Behind: webhook.DefaultBehind, Now: clock})
	hooks.OnWebhookDeliveries(d.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	b.Cleanup(func() { cancel(); running.Wait() })
	running.Go(func() { d.Run(ctx) })

	streamed := &arrivals{at: map[int64]time.Time{}}
	c, code, body := openStream(b, s.ts.URL, "/api/spaces/failedcheckins/stream", "admin")
	if code != 200 {
		b.Fatalf("open = %d %s", code, body)
	}
	<-c.retry
	running.Go(func() {
		for {
			select {
			case ev := <-c.events:
				streamed.add(ev.id, time.Now())
			case <-c.done:
				return
			}
		}
	})

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	const clients = 16
	var mu sync.Mutex
	answered := make(map[int64]time.Time, b.N)
	tokens := make(chan struct{}, 1000)
	var posters sync.WaitGroup
	// The share of the run the check-ins counted as saturated (Busy),
	// sampled every millisecond: while it holds, the dispatcher defers.
	var busySamples, samples atomic.Int64
	sampling := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampling:
				return
			case <-t.C:
				samples.Add(1)
				if s.queue.Busy() {
					busySamples.Add(1)
				}
			}
		}
	})
	b.ResetTimer()
	start := time.Now()
	for range clients {
		posters.Go(func() {
			for range tokens {
				req, _ := http.NewRequest("POST", s.ts.URL+"/api/spaces/checkins", strings.NewReader(refuseAt1))
				req.Header.Set("Authorization", "Bearer door")
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					continue
				}
				var out struct {
					Value struct{ FailedCheckinId int64 }
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				now := time.Now()
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || out.Value.FailedCheckinId == 0 {
					b.Errorf("POST = %d, %v", resp.StatusCode, err)
					continue
				}
				mu.Lock()
				answered[out.Value.FailedCheckinId] = now
				mu.Unlock()
			}
		})
	}
	for i := range b.N { // one refusal a millisecond
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Millisecond)))
		tokens <- struct{}{}
	}
	close(tokens)
	posters.Wait()
	elapsed := time.Since(start)
	close(sampling)
	sampler.Wait()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if delivered.count() >= len(answered) && streamed.count() >= len(answered) {
			break
		}
	}
	b.StopTimer()
	dl, sl := delivered.lags(answered), streamed.lags(answered)
	if len(dl) != len(answered) || len(sl) != len(answered) || len(answered) == 0 {
		b.Fatalf("%d refusals answered; %d delivered, %d streamed within a minute", len(answered), len(dl), len(sl))
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(len(answered))/elapsed.Seconds(), "refusals/s")
	b.ReportMetric(ms(dl[len(dl)/2]), "delivery-p50-ms")
	b.ReportMetric(ms(dl[len(dl)*99/100]), "delivery-p99-ms")
	b.ReportMetric(ms(sl[len(sl)/2]), "stream-p50-ms")
	b.ReportMetric(ms(sl[len(sl)*99/100]), "stream-p99-ms")
	b.ReportMetric(float64(busySamples.Load())/float64(max(1, samples.Load())), "busy-share")
}
