package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/alertmail"

	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// startWebhooks starts the webhook dispatcher of serve (docs/api.md#delivery):
// woken by this server's commits that queue deliveries, polling for the
// rest (other servers' records, retries). stop ends it after the attempts
// in flight; deliveries still pending wait in the database for the next
// server to run.
//
// It also runs the alerts' sweep and, with o.smtpURL, their email sender.
func startWebhooks(ctx context.Context, db store, server *api.Server, o webhookOptions, logger *slog.Logger) (stop func(), err error) {
	d := webhook.New(webhook.Config{Store: db, Render: server.RenderDelivery, RenderAll: server.RenderDeliveries, AllowPrivate: o.allowPrivate, Logger: logger,
		Busy: o.busy, Defer: o.deferBound, Behind: o.behind})
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
	if o.smtpURL != "" {
		srv, err := alertmail.ParseURL(o.smtpURL) // checked by serveConfig.Validate
		if err != nil {
			cancel()
			wg.Wait()
			return nil, err
		}
		sender := &alertmail.Sender{Store: db, Server: srv, From: o.smtpFrom, Logger: logger}
		if err := server.Metrics().Register(sender.Collectors()...); err != nil {
			cancel()
			wg.Wait()
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sender.Run(dctx, time.Second)
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}, nil
}

// webhookOptions are serve's settings of startWebhooks.
type webhookOptions struct {
	allowPrivate bool          // --webhook-allow-private
	busy         func() bool   // the check-ins' group commit is saturated (groupcommit.Queue.Busy)
	deferBound   time.Duration // --webhook-defer
	behind       time.Duration // --webhook-behind
	smtpURL      string        // --smtp-url
	smtpFrom     string        // --smtp-from
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
