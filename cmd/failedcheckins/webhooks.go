package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"

	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// startWebhooks starts the webhook dispatcher of serve (docs/api.md#delivery):
// woken by this server's commits that queue deliveries, polling for the
// rest (other servers' records, retries). stop ends it after the attempts
// in flight; deliveries still pending wait in the database for the next
// server to run.
func startWebhooks(ctx context.Context, db store, server *api.Server, allowPrivate bool, logger *slog.Logger) (stop func(), err error) {
	d := webhook.New(webhook.Config{Store: db, Render: server.RenderDelivery, AllowPrivate: allowPrivate, Logger: logger})
	if err := server.Metrics().Register(d.Collectors()...); err != nil {
		return nil, err
	}
	db.OnWebhookDeliveries(d.Wake)
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		d.Run(dctx)
	}()
	go func() {
		defer wg.Done()
		sweepAlerts(dctx, db, alertSweepInterval, logger)
	}()
	return func() {
		cancel()
		wg.Wait()
	}, nil
}

// alertSweepInterval is how often serve resolves the alert incidents that
// have been quiet for their rule's ResolveMinutes: a resolution is at
// most this late.
const alertSweepInterval = 15 * time.Second

// sweepAlerts runs store.SweepAlerts every interval until ctx ends. Every
// server on a database sweeps; the sweep locks what it resolves, so two
// never resolve (or notify) one incident twice.
func sweepAlerts(ctx context.Context, store fc.AlertStore, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := store.SweepAlerts(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("alerts: sweep", "error", err)
		} else if n > 0 {
			logger.Info("alerts: resolved quiet incidents", "count", n)
		}
	}
}
