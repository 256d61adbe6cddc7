package api

import (
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads the pool statistics at every scrape, so the numbers
// are current without a background goroutine.
type poolCollector struct {
	pools                                 PoolStatsReporter
	open, inUse, idle, maxOpen, waitCount *prometheus.Desc
	waitSeconds, closedIdle, closedLife   *prometheus.Desc
}

func newPoolCollector(pools PoolStatsReporter) *poolCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("failedcheckins_db_pool_"+name, help, []string{"pool"}, nil)
	}
	return &poolCollector{pools: pools,
		open:        desc("open_connections", "Connections open (in use and idle), by pool."),
		inUse:       desc("in_use_connections", "Connections in use, by pool."),
		idle:        desc("idle_connections", "Idle connections, by pool."),
		maxOpen:     desc("max_open_connections", "The most connections the pool may open (0 = no limit)."),
		waitCount:   desc("wait_count_total", "Times a request waited for a free connection."),
		waitSeconds: desc("wait_seconds_total", "Total time spent waiting for a free connection."),
		closedIdle:  desc("max_idle_closed_total", "Connections closed because too many were idle."),
		closedLife:  desc("max_lifetime_closed_total", "Connections closed because they reached their lifetime."),
	}
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.inUse, c.idle, c.maxOpen, c.waitCount, c.waitSeconds, c.closedIdle, c.closedLife} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, st := range c.pools.PoolStats() {
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
		}
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, name)
		}
		gauge(c.open, float64(st.OpenConnections))
		gauge(c.inUse, float64(st.InUse))
		gauge(c.idle, float64(st.Idle))
		gauge(c.maxOpen, float64(st.MaxOpenConnections))
		counter(c.waitCount, float64(st.WaitCount))
		counter(c.waitSeconds, st.WaitDuration.Seconds())
		counter(c.closedIdle, float64(st.MaxIdleClosed))
		counter(c.closedLife, float64(st.MaxLifetimeClosed))
	}
}
