package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
)

// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Config is what the API needs from the outside. Store and Authenticator are
// required; the other fields have safe defaults.
type Config struct {
	Store         fc.FailedCheckinStore
	Authenticator Authenticator
	// Ready reports whether the service can answer (database reachable,
	// schema current); nil means always ready.
	Ready func(context.Context) error
	// Logger receives one line per request and the detail of internal
	// errors; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes caps every request body; 0 means DefaultMaxBodyBytes.
	// Console requests have a lower cap of their own (routes.go).
	MaxBodyBytes int64
	// Token serves POST /api/token (Auth.ServeToken); nil leaves the
	// route out.
	Token http.Handler
	// Checkins serves the check-in and directory endpoints (attempt.go);
	// nil leaves them out.
	Checkins *CheckinConfig
	// Webhooks serves /api/sys/webhooks (webhook.go); nil leaves it out.
	Webhooks *WebhookConfig
	// Alerts serves /api/alerts (alert.go); nil leaves it out.
	Alerts *AlertConfig
	// Console is the operator console, served under ConsolePath behind
	// the same middleware as the API; nil leaves it out.
	Console Console
	// Pools reports the database connection pools for /metrics; nil leaves
	// the pool series out.
	Pools PoolStatsReporter
	// MetricsAllow lists the client addresses that may read /metrics
	// without credentials; everyone else needs a full administrator. nil
	// means DefaultMetricsAllow (loopback only); an empty non-nil slice
	// means no address.
	MetricsAllow []netip.Prefix
	// Auditor writes the audit trail (api/audit.go, package audit); nil
	// audits nothing. GET /api/audit reads it when Store is an
	// fc.AuditStore.
	Auditor *audit.Auditor
	// Streams tunes the live streams (stream.go); the zero value takes
	// the defaults. They need a Store that is also an fc.RecordTailStore
	// (both stores are); with another, they answer 404.
	Streams StreamOptions
}

// Server is the HTTP front of the service: the API, and the operator
// console when Config.Console is set, on one mux behind one middleware
// stack. Its only mutable state is the live streams' (stream.go, behind
// a lock), so one Server serves any number of concurrent requests.
type Server struct {
	store        fc.FailedCheckinStore
	reports      fc.FailedCheckinReportStore // store's export and stats; nil if it has none
	auth         Authenticator
	ready        func(context.Context) error
	log          *slog.Logger
	maxBodyBytes int64
	token        http.Handler
	handler      http.Handler
	checkins     *CheckinConfig
	webhooks     *WebhookConfig
	alerts       *AlertConfig
	console      Console
	metrics      *Metrics
	metricsAllow []netip.Prefix
	auditor      *audit.Auditor
	audits       fc.AuditStore   // store's audit trail; nil if it has none
	privacy      fc.PrivacyStore // store's erasure; nil if it has none
	streams      *streamHub      // the live streams (stream.go)
}

// New returns a Server for cfg, with defaults filled in.
func New(cfg Config) *Server {
	s := &Server{
		store:        cfg.Store,
		auth:         cfg.Authenticator,
		ready:        cfg.Ready,
		log:          cfg.Logger,
		maxBodyBytes: cfg.MaxBodyBytes,
		token:        cfg.Token,
		checkins:     cfg.Checkins,
		webhooks:     cfg.Webhooks,
		alerts:       cfg.Alerts,
		console:      cfg.Console,
		metrics:      newMetrics(cfg.Pools),
		metricsAllow: cfg.MetricsAllow,
		auditor:      cfg.Auditor,
	}
	s.reports, _ = cfg.Store.(fc.FailedCheckinReportStore)
	s.audits, _ = cfg.Store.(fc.AuditStore)
	s.privacy, _ = cfg.Store.(fc.PrivacyStore)
	if s.auditor != nil {
		s.metrics.registry.MustRegister(s.auditor.Collectors()...)
	}
	if s.auditor != nil {
		s.metrics.auditEnabled.Set(1) // 0 without: serve's benchmark-only switch
	}
	if s.alerts != nil {
		if counter, ok := s.alerts.Store.(fc.AlertIncidentCounter); ok {
			s.metrics.registry.MustRegister(newAlertCollector(counter))
		}
	}
	if s.metricsAllow == nil {
		s.metricsAllow = DefaultMetricsAllow()
	}
	if s.ready == nil {
		s.ready = func(context.Context) error { return nil }
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	tails, _ := cfg.Store.(fc.RecordTailStore) // nil: the streams answer 404
	s.streams = newStreamHub(cfg.Streams, tails, s.log, s.metrics.streamsOpen.Add)
	if s.maxBodyBytes <= 0 {
		s.maxBodyBytes = DefaultMaxBodyBytes
	}
	if s.checkins != nil && s.checkins.Now == nil {
		s.checkins.Now = time.Now
	}
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = s.wrap(mux)
	return s
}

// Handler returns every route (routes.go) with all middleware applied: the
// one handler serve gives its http.Server.
func (s *Server) Handler() http.Handler { return s.handler }

// Metrics returns the Prometheus series of this Server, served at /metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

// NewHTTPServer returns an http.Server for h with timeouts, so that a slow
// or stalled client cannot hold a connection (and its goroutine) forever.
// Its header limit is maxHeaderBytes (cleanpath.go).
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}
