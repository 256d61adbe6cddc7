package main

import (
	"context"
	"log/slog"
	"sync"

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
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.Run(dctx)
	}()
	return func() {
		cancel()
		wg.Wait()
	}, nil
}
