package api

import (
	"database/sql"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	fc "github.com/failedcheckins/failedcheckins"
)

// MetricsPath is where the Prometheus metrics are served.
const MetricsPath = "/metrics"

// routeUnmatched labels a request that never reached the router (a
// request the middleware answered itself); the catch-all 404 route keeps
// its own pattern "/". Labels are always patterns, never raw paths, so a
// client cannot create series by inventing URLs.
const routeUnmatched = "unmatched"

// PoolStatsReporter is what the Server needs of a store to report the use
// of its connection pools: a snapshot per pool, keyed by a short fixed
// name ("reader", "writer"). The standard sql.DBStats is the common shape;
// a store whose pool is not database/sql fills in the fields it has.
type PoolStatsReporter interface {
	PoolStats() map[string]sql.DBStats
}

// Metrics holds the Prometheus series of one Server, in a registry the
// Server owns (never the global default one), so two Servers in one
// process, as in tests, never share or clash.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	searchTotal *prometheus.HistogramVec
	searchPage  *prometheus.HistogramVec
	tokens      *prometheus.CounterVec
	verdicts    *prometheus.CounterVec
	streamsOpen prometheus.Gauge // live streams open (stream.go)
	// auditEnabled is 1 when the Server has an Auditor, 0 without one
	// (serve's benchmark-only switch): a monitor can alert on 0, and
	// fcbench -audit-pairs checks it.
	auditEnabled prometheus.Gauge
	// routeSeries caches, per route pattern and status, the series
	// instrument feeds (a routeKey's *routeSeries): looking a series up by
	// label values hashes the labels every time. Routes and statuses are
	// bounded, so is the cache.
	routeSeries sync.Map
}

// routeKey names the series of one route pattern and status code.
type routeKey struct {
	route  string
	status int
}

// routeSeries are the series one request of a routeKey updates.
type routeSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// seriesFor returns the cached series of route and status, creating them
// on first use.
func (m *Metrics) seriesFor(route string, status int) *routeSeries {
	key := routeKey{route, status}
	if v, ok := m.routeSeries.Load(key); ok {
		return v.(*routeSeries)
	}
	rs := &routeSeries{requests: m.requests.WithLabelValues(route, strconv.Itoa(status)),
		duration: m.duration.WithLabelValues(route)}
	v, _ := m.routeSeries.LoadOrStore(key, rs)
	return v.(*routeSeries)
}

// newMetrics registers every series; pools may be nil (no pool metrics).
func newMetrics(pools PoolStatsReporter) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "failedcheckins_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "failedcheckins_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		searchTotal: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "failedcheckins_search_total_items",
			Help:    "TotalItems of the searches answered, by entity.",
			Buckets: prometheus.ExponentialBuckets(1, 10, 8)}, []string{"entity"}),
		searchPage: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "failedcheckins_search_page_records",
			Help:    "Records returned in one search page, by entity.",
			Buckets: []float64{0, 1, 10, 25, 100, 250, 500, 1000}}, []string{"entity"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "failedcheckins_token_requests_total",
			Help: "Token endpoint requests, by grant type and outcome (granted, rejected, throttled, error)."},
			[]string{"grant_type", "outcome"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "failedcheckins_checkin_verdicts_total",
			Help: "Check-in attempts judged, by reason code (Accepted when accepted)."}, []string{"reason"}),
		streamsOpen: prometheus.NewGauge(prometheus.GaugeOpts{Name: "failedcheckins_streams_open",
			Help: "Live streams (Server-Sent Events) open on this server."}),
		auditEnabled: prometheus.NewGauge(prometheus.GaugeOpts{Name: "failedcheckins_audit_enabled",
			Help: "1 when this server writes the audit trail, 0 when it does not (serve's benchmark-only FAILEDCHECKINS_BENCHMARK_AUDIT_OFF)."}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.searchTotal, m.searchPage, m.tokens, m.verdicts, m.streamsOpen, m.auditEnabled,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pools != nil {
		m.registry.MustRegister(newPoolCollector(pools))
	}
	return m
}

// Registry returns the registry holding every series, for a caller that
// wants to add its own collectors or gather in tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// verdictAccepted is the reason label of an accepted attempt.
const verdictAccepted = "Accepted"

// isKnownReason bounds the reason label to the codes of
// docs/checkins.md#reason-codes, so a bug can never create unbounded series.
func isKnownReason(reason string) bool {
	switch reason {
	case fc.ReasonUnrecognisedDevice, fc.ReasonUnknownCoworker, fc.ReasonAccountInactive,
		fc.ReasonAccountSuspended, fc.ReasonNoActivePlan, fc.ReasonPlanNotStarted,
		fc.ReasonPlanExpired, fc.ReasonLocationNotAllowed, fc.ReasonOutsideAllowedHours,
		fc.ReasonCheckinLimitReached, fc.ReasonUnpaidInvoices:
		return true
	}
	return false
}

// ObserveVerdict counts one judged check-in attempt: reason is the
// Verdict's Reason code, "" for an accepted attempt. An unknown code is
// counted as "Other". The check-in handler calls it once per attempt it
// judged (not for a replayed idempotent answer).
func (m *Metrics) ObserveVerdict(reason string) {
	switch {
	case reason == "":
		reason = verdictAccepted
	case !isKnownReason(reason):
		reason = "Other"
	}
	m.verdicts.WithLabelValues(reason).Inc()
}

// ObserveSearch records the size of one search answer: the TotalItems of
// the query and the number of records on the page. entity names what was
// searched ("FailedCheckin", "Checkin").
func (m *Metrics) ObserveSearch(entity string, totalItems int64, pageRecords int) {
	m.searchTotal.WithLabelValues(entity).Observe(float64(totalItems))
	m.searchPage.WithLabelValues(entity).Observe(float64(pageRecords))
}

// instrument counts every request by route pattern and status and times
// it. It sits outside panic recovery, so a panic is counted as the 500 it
// becomes.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := routeUnmatched
		if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok && info.pattern != "" {
			route = info.pattern
		}
		rs := s.metrics.seriesFor(route, cmpOr(rec.status, http.StatusOK))
		rs.requests.Inc()
		rs.duration.Observe(time.Since(start).Seconds())
	})
}

// instrumentToken counts token requests by grant type and outcome. The
// token handler parses the form on the request it is given, so its grant
// type is known once it has answered.
func (m *Metrics) instrumentToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		grant := r.PostForm.Get("grant_type")
		if grant != "password" && grant != "refresh_token" {
			grant = "other" // bounded: the value is the client's
		}
		outcome := "error"
		switch status := cmpOr(rec.status, http.StatusOK); {
		case status == http.StatusOK:
			outcome = "granted"
		case status == http.StatusTooManyRequests:
			outcome = "throttled"
		case status < 500:
			outcome = "rejected"
		}
		m.tokens.WithLabelValues(grant, outcome).Inc()
	})
}

// DefaultMetricsAllow is who may read /metrics without credentials when
// Config.MetricsAllow is nil: the loopback addresses only.
func DefaultMetricsAllow() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// serveMetrics answers GET /metrics: without credentials for a client
// address in the allow-list, otherwise only for a full administrator.
func (s *Server) serveMetrics(h http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.metricsAllowed(r) {
			_, res := s.authenticate(r)
			switch {
			case res.err != nil && fc.ErrorCode(res.err) != fc.ErrUnauthorized:
				s.writeError(w, r, res.err)
				return
			case res.err != nil || res.caller == nil:
				s.writeError(w, r, fc.Errorf(fc.ErrUnauthorized, "Authentication is required."))
				return
			case !res.caller.Admin:
				s.writeError(w, r, fc.Errorf(fc.ErrForbidden, "Only a full administrator may read the metrics from this address."))
				return
			}
		}
		h.ServeHTTP(w, r)
	}
}

// metricsAllowed reports whether the request comes from an address that
// may read the metrics without credentials. The address is RemoteAddr
// (set from X-Forwarded-For only behind --trusted-proxies); the header
// itself is never read, since a client could forge it.
func (s *Server) metricsAllowed(r *http.Request) bool {
	addr, err := netip.ParseAddr(clientAddress(r))
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range s.metricsAllow {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// metricsHandler serves the registry in the Prometheus text format.
func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Register adds series kept elsewhere (the webhook dispatcher's) to the
// Server's registry, so /metrics serves them too.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}
