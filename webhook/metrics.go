package webhook

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	fc "github.com/failedcheckins/failedcheckins"
)

// Metrics are a dispatcher's Prometheus series (docs/api.md#metrics).
type Metrics struct {
	deliveries *prometheus.CounterVec
	lag        prometheus.Histogram
	depth      prometheus.GaugeFunc
}

// pendingCounter is a store that counts the pending deliveries.
type pendingCounter interface {
	PendingDeliveries(ctx context.Context) (int64, error)
}

func newMetrics(store fc.WebhookStore) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "failedcheckins_webhook_attempts_total",
			Help: "Webhook delivery attempts made by this server, by outcome: delivered, retry (failed, to be retried), failed (failed for good), not_sent (the record was gone: no attempt made).",
		}, []string{"outcome"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "failedcheckins_webhook_delivery_lag_seconds",
			Help:    "Time from a delivery's queueing (the record's commit) to its successful attempt.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 86400},
		}),
	}
	for _, o := range []string{"delivered", "retry", "failed", "not_sent"} {
		m.deliveries.WithLabelValues(o)
	}
	pc, _ := store.(pendingCounter)
	m.depth = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "failedcheckins_webhook_queue_depth",
		Help: "Webhook deliveries pending (queued or waiting for a retry), on the whole database.",
	}, func() float64 {
		if pc == nil {
			return 0
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := pc.PendingDeliveries(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	return m
}

// Collectors returns the series, for the server's registry.
func (d *Dispatcher) Collectors() []prometheus.Collector {
	return []prometheus.Collector{d.metrics.deliveries, d.metrics.lag, d.metrics.depth}
}

func (m *Metrics) observe(r fc.DeliveryResult, j *fc.DeliveryJob, now time.Time) {
	switch {
	case r.NotSent:
		m.deliveries.WithLabelValues("not_sent").Inc()
	case r.Delivered:
		m.deliveries.WithLabelValues("delivered").Inc()
		m.lag.Observe(now.Sub(j.Delivery.CreatedOn).Seconds())
	case r.Next != nil:
		m.deliveries.WithLabelValues("retry").Inc()
	default:
		m.deliveries.WithLabelValues("failed").Inc()
	}
}
