package api

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	fc "github.com/failedcheckins/failedcheckins"
)

// alertCollector exposes the alert incidents by rule (docs/api.md#metrics),
// counted in the database at each scrape (fc.AlertIncidentCounter): the
// incidents are opened and resolved inside the write transactions of
// every server on the database, so the table is the one exact account.
// The rule label is a rule id: rules are few, made one by one by an
// operator, so the label stays bounded.
type alertCollector struct {
	store                  fc.AlertIncidentCounter
	opened, resolved, open *prometheus.Desc
	errors                 prometheus.Counter
}

func newAlertCollector(store fc.AlertIncidentCounter) *alertCollector {
	return &alertCollector{
		store: store,
		opened: prometheus.NewDesc("failedcheckins_alert_incidents_opened_total",
			"Alert incidents opened by the rule (label: its id), on the whole database; a deleted rule's go with it.", []string{"rule"}, nil),
		resolved: prometheus.NewDesc("failedcheckins_alert_incidents_resolved_total",
			"Alert incidents of the rule resolved (quiet, an accepted check-in, or an erasure), on the whole database.", []string{"rule"}, nil),
		open: prometheus.NewDesc("failedcheckins_alert_incidents_open",
			"Alert incidents not resolved (Open or Acknowledged), on the whole database.", nil, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "failedcheckins_alert_metrics_errors_total",
			Help: "Scrapes whose count of alert incidents failed (their alert series are missing)."}),
	}
}

// Describe sends the descriptions of the series.
func (c *alertCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.opened
	ch <- c.resolved
	ch <- c.open
	c.errors.Describe(ch)
}

// Collect counts the incidents and sends the series.
func (c *alertCollector) Collect(ch chan<- prometheus.Metric) {
	defer c.errors.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.store.CountAlertIncidents(ctx)
	if err != nil {
		c.errors.Inc()
		return
	}
	var open int64
	for _, n := range counts {
		rule := strconv.FormatInt(n.RuleID, 10)
		ch <- prometheus.MustNewConstMetric(c.opened, prometheus.CounterValue, float64(n.Opened), rule)
		ch <- prometheus.MustNewConstMetric(c.resolved, prometheus.CounterValue, float64(n.Resolved), rule)
		open += n.Open
	}
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open))
}
