package groupcommit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/groupcommit"
)

// BenchmarkHTTP16Alerts is BenchmarkHTTP16 with 0 and with 10 active
// alert rules, in one run (issue 14: throughput with 10 rules stays at
// least 90% of the throughput without). The attempts are Ana's, 1 s
// apart up to a minute ago (so every refusal counts: nothing is older than
// 24 h), nearly all refused (three a month); every rule counts them by
// CoworkerId (the rules differ in GroupBy and Threshold), so with rules
// each refusal is matched 10 times and joins 10 open incidents: the
// worst case of one member hammering a door.
//
//	go test -run '^$' -bench HTTP16Alerts -benchtime 20000x ./groupcommit/
func BenchmarkHTTP16Alerts(b *testing.B) {
	for _, rules := range []int{0, 10} {
		b.Run(fmt.Sprintf("rules=%d", rules), func(b *testing.B) {
			db := openStore(b)
			createBenchRules(b, db, rules)
			counted := &countingStore{AttemptStore: db}
			q := groupcommit.New(counted, groupcommit.Options{})
			defer q.Close()
			h := api.New(api.Config{Store: db, Authenticator: doorAuth{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Checkins: &api.CheckinConfig{Store: db, Directory: db, Attempts: q}}).Handler()
			srv := httptest.NewServer(h)
			defer srv.Close()
			const clients = 16
			// The last attempt is a minute ago: none in the future (a 400
			// past 5 minutes), none older than 24 h up to 86,000 attempts.
			base := time.Now().UTC().Truncate(time.Second).Add(-time.Duration(b.N)*time.Second - time.Minute)
			lat := make([][]time.Duration, clients)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for c := range clients {
				wg.Go(func() {
					lat[c] = postAttemptsFrom(b, srv.Listener.Addr().String(), c, clients, base)
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			if b.Failed() {
				return
			}
			all := slices.Concat(lat...)
			slices.Sort(all)
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "attempts/s")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(len(all))/float64(counted.batches.Load()), "attempts/batch")
			if rules > 0 {
				p, err := db.FindAlertIncidents(context.Background(), fc.Query{Scope: fc.AllBusinesses(), Page: 1, Size: 100, OrderBy: fc.FieldID})
				if err != nil || (b.N >= 20 && p.TotalItems != int64(rules)) {
					b.Fatalf("incidents = %v, %v; want one per rule", p, err)
				}
			}
		})
	}
}

// createBenchRules makes the rules of BenchmarkHTTP16Alerts: all count by
// CoworkerId, and differ in GroupBy, Threshold and (half) Filter.
func createBenchRules(b *testing.B, db fc.AlertStore, rules int) {
	groupBys := [][]fc.Field{{fc.FieldCoworkerID}, {fc.FieldCoworkerID, fc.FieldBusinessID},
		{fc.FieldCoworkerID, fc.FieldReason}, {fc.FieldCoworkerID, fc.FieldSource}, {fc.FieldCoworkerID, fc.FieldMacAddresses}}
	for i := range rules {
		r := &fc.AlertRule{Name: fmt.Sprintf("rule %d", i), Active: true, GroupBy: groupBys[i%len(groupBys)],
			Threshold: 3 + i, WindowMinutes: 10, RepeatMinutes: 240, ResolveMinutes: 10}
		if i%2 == 1 {
			r.Filter = "FailedCheckin_Reason=CheckinLimitReached"
		}
		if err := db.CreateAlertRule(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoreAlerts is the writer's side of BenchmarkHTTP16Alerts: the
// same attempts and rules, in batches of 8 (what the queue makes of the
// 16 clients there) straight through the store's RecordAttempts, without
// HTTP, the queue or the clients, which share the machine's two cores
// with it there. The alert evaluation runs in the batch, so this is its
// cost per attempt with less of the noise of a shared machine.
//
//	go test -run '^$' -bench StoreAlerts -benchtime 20000x ./groupcommit/
func BenchmarkStoreAlerts(b *testing.B) {
	for _, rules := range []int{0, 10} {
		b.Run(fmt.Sprintf("rules=%d", rules), func(b *testing.B) {
			ctx := context.Background()
			db := openStore(b)
			createBenchRules(b, db, rules)
			base := time.Now().UTC().Truncate(time.Second).Add(-time.Duration(b.N)*time.Second - time.Minute)
			batch := make([]*fc.Attempt, 0, 8)
			b.ResetTimer()
			for i := 0; i < b.N; {
				batch = batch[:0]
				for ; i < b.N && len(batch) < cap(batch); i++ {
					batch = append(batch, &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess,
						MacAddresses: "a4-5e-60-c2-19-0b", FromTime: base.Add(time.Duration(i) * time.Second)})
				}
				res, err := db.RecordAttempts(ctx, batch)
				if err != nil || res[0].Err != nil {
					b.Fatalf("RecordAttempts = %v, %v", res, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
			b.StopTimer()
			if rules > 0 {
				p, err := db.FindAlertIncidents(ctx, fc.Query{Scope: fc.AllBusinesses(), Page: 1, Size: 100, OrderBy: fc.FieldID})
				if err != nil || (b.N >= 20 && p.TotalItems != int64(rules)) {
					b.Fatalf("incidents = %v, %v; want one per rule", p, err)
				}
			}
		})
	}
}
