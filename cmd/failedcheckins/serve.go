package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"os"
	"runtime/debug"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/alertmail"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/proxyaddr"
	"github.com/failedcheckins/failedcheckins/retention"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// demoSeed fixes the demo data set, so every demo shows the same locations
// and people (only the dates move with the clock).
const demoSeed = 1

// serveConfig is the configuration of `failedcheckins serve`.
type serveConfig struct {
	dbConfig
	Addr string
	Demo bool
	// ShutdownTimeout bounds how long in-flight requests may take to
	// finish after SIGINT/SIGTERM before their connections are closed.
	ShutdownTimeout time.Duration
	Auth            authConfig // auth.go
	// MetricsAllow lists the client addresses (CIDR prefixes or single
	// addresses, comma-separated, or "none") that may read /metrics without
	// credentials; everyone else needs a full administrator.
	MetricsAllow string
	// TrustedProxies lists the reverse proxies (CIDR prefixes or single
	// addresses, comma-separated, or "none") whose X-Forwarded-For names
	// the client; see package proxyaddr.
	TrustedProxies string
	// WebhookAllowPrivate lets webhook URLs reach loopback and private
	// addresses (webhooks.go).
	WebhookAllowPrivate bool
	// WebhookDefer bounds how long webhook deliveries wait while the
	// check-ins are saturated (webhook.Config.Defer); 0 never defers.
	WebhookDefer time.Duration
	// WebhookBehind: the deferral engages only once the oldest due
	// webhook work has waited this long (webhook.Config.Behind); 0
	// defers whenever the check-ins are saturated.
	WebhookBehind time.Duration
	// AnonymizeAfter, DeleteAfter and AuditRetention are the retention
	// windows (package retention); 0 keeps everything.
	AnonymizeAfter, DeleteAfter, AuditRetention days
	// WebhookLogRetention is how long webhook deliveries that ended stay
	// in the delivery log (retention.Windows.WebhookLogRetention); 0
	// keeps them.
	WebhookLogRetention days
	// SMTPURL and SMTPFrom send alert incidents to email receivers
	// (smtp://user:password@host:587; alertmail); empty sends no email.
	SMTPURL, SMTPFrom string
	// onShutdown, when set, is called once the server has begun its
	// graceful shutdown (listeners closed, in-flight requests running);
	// tests use it instead of polling the log.
	onShutdown func()
}

func defaultServeConfig() serveConfig {
	return serveConfig{dbConfig: defaultDBConfig(), Addr: "127.0.0.1:8080", ShutdownTimeout: 15 * time.Second, Auth: defaultAuthConfig(),
		MetricsAllow: defaultMetricsAllow, TrustedProxies: "none", WebhookDefer: webhook.DefaultDefer,
		WebhookBehind: webhook.DefaultBehind, WebhookLogRetention: days(defaultWebhookLogRetention)}
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.dbConfig.register(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "`host:port` to listen on (port 0 picks a free port)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "on an empty database, first load a realistic demo data set")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long in-flight requests may finish after SIGINT/SIGTERM")
	c.Auth.register(fs)
	fs.StringVar(&c.MetricsAllow, "metrics-allow", c.MetricsAllow, "client `addresses` (CIDR prefixes or IPs, comma-separated; none for nobody) that may read /metrics without credentials; others need an administrator")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", c.WebhookAllowPrivate, "let webhook URLs reach loopback, private, link-local and other internal addresses (on-premises receivers); refused by default")
	fs.DurationVar(&c.WebhookDefer, "webhook-defer", c.WebhookDefer, "while check-ins are saturated, webhook deliveries wait for them, at most this long (then they go regardless); 0: never wait")
	fs.DurationVar(&c.WebhookBehind, "webhook-behind", c.WebhookBehind, "webhook deliveries wait for saturated check-ins (--webhook-defer) only once the oldest due webhook work (a delivery due or a record queued, on the database) has waited this long (the dispatcher is behind); 0: whenever the check-ins are saturated")
	fs.Var(&c.AnonymizeAfter, "anonymize-after", "anonymize records whose attempt is older than this many `days` (90d; default: never), in the background at start and every hour")
	fs.Var(&c.DeleteAfter, "delete-after", "delete records whose attempt is older than this many `days` (730d; default: never); longer than --anonymize-after")
	fs.Var(&c.AuditRetention, "audit-retention", "delete audit entries older than this many `days` (400d; default: never)")
	fs.Var(&c.WebhookLogRetention, "webhook-log-retention", "delete webhook deliveries that were delivered or failed longer ago than this many `days` from the delivery log, in the background at start and every hour; pending ones are kept (0d: keep all)")
	fs.StringVar(&c.SMTPURL, "smtp-url", c.SMTPURL, "the SMTP server that sends alert incidents to email receivers, smtp://user:password@host:587 (STARTTLS when offered); empty: no email receivers")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "the From `address` of alert emails (required with --smtp-url)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "reverse proxy `addresses` (CIDR prefixes or IPs, comma-separated; none for nobody) whose X-Forwarded-For names the client, for the sign-in throttle and /metrics")
}

func (c serveConfig) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: want host:port, such as 127.0.0.1:8080 or :8080 for every interface", c.Addr)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("--shutdown-timeout %v: want a positive duration such as 15s", c.ShutdownTimeout)
	}
	if c.WebhookDefer < 0 {
		return fmt.Errorf("--webhook-defer %v: want a duration of 0 or more, such as 5s", c.WebhookDefer)
	}
	if c.WebhookBehind < 0 {
		return fmt.Errorf("--webhook-behind %v: want a duration of 0 or more, such as 1s", c.WebhookBehind)
	}
	if err := c.Auth.Validate(); err != nil {
		return err
	}
	if _, err := parseMetricsAllow(c.MetricsAllow); err != nil {
		return err
	}
	if _, err := parsePrefixes("--trusted-proxies", c.TrustedProxies); err != nil {
		return err
	}
	if err := c.windows().Validate(); err != nil {
		return err
	}
	if c.SMTPURL != "" {
		if _, err := alertmail.ParseURL(c.SMTPURL); err != nil {
			return fmt.Errorf("--smtp-url: %v", err)
		}
		if a, err := mail.ParseAddress(c.SMTPFrom); err != nil || a.Address != c.SMTPFrom {
			return fmt.Errorf("--smtp-from %q: want the From address of alert emails, such as alerts@example.com", c.SMTPFrom)
		}
	}
	return c.dbConfig.Validate()
}

// windows are the retention windows the flags set.
func (c serveConfig) windows() retention.Windows {
	return retention.Windows{AnonymizeAfter: time.Duration(c.AnonymizeAfter), DeleteAfter: time.Duration(c.DeleteAfter),
		AuditRetention: time.Duration(c.AuditRetention), WebhookLogRetention: time.Duration(c.WebhookLogRetention)}
}

// defaultWebhookLogRetention is serve's --webhook-log-retention: a month
// of the delivery log is enough to look into a receiver's trouble and
// redeliver, and keeps the outbox table from growing with every refusal
// for ever (three rows per refusal with three webhooks).
const defaultWebhookLogRetention = 30 * retention.Day

// days is a retention window flag: a whole number of days with a d
// suffix (retention.ParseDays); empty is off.
type days time.Duration

func (d *days) String() string { return retention.FormatDays(time.Duration(*d)) }

func (d *days) Set(s string) error {
	v, err := retention.ParseDays(s)
	if err != nil {
		return err
	}
	*d = days(v)
	return nil
}

// serveGCPercent is the garbage collector's GOGC of a server, unless the
// GOGC environment variable sets one. The live heap of a server is small
// (about 8 MB under a load of 1000-record pages on 1M records) and a page
// of 1000 records allocates about 1 MB (the drivers' strings and boxed
// values): at Go's default of 100 it collected 25 times a second under
// that load, a fifth of the server's CPU per page; at 400 about 4 times,
// for about 40 MB more resident memory (docs/benchmarks.md, issue 17).
const serveGCPercent = 400

// serveMemoryLimit is the soft limit of the Go heap that serveGC sets
// beside serveGCPercent, unless GOMEMLIMIT sets one: GOGC 400 lets the
// heap grow to five times whatever is live, so a burst of large requests
// would have no ceiling; near this limit the collector runs as often as
// it must, whatever GOGC says (review of wt-E). SQLite's own memory is not
// Go's and not counted. Issue 17 asks for under 512 MiB of RSS at 10M
// records.
const serveMemoryLimit = 256 << 20

// serveGC sets serveGCPercent unless the environment chose a GOGC, and
// then serveMemoryLimit unless it chose a GOMEMLIMIT.
func serveGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(serveMemoryLimit)
		}
	}
}

// runServe migrates the schema, loads the demo data when asked, and serves
// the API until ctx is cancelled, then lets in-flight requests finish.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := defaultServeConfig()
	fs := newFlagSet("serve", "serve [--db DB] [--addr 127.0.0.1:8080] [--demo]", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("serve takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()} // a wrong setting: exit status 2
	}
	off, err := benchmarkAuditOff(cfg.Addr, cfg.TrustedProxies) // audit.go: for measuring only
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	logger := slog.New(api.LogHandler(slog.NewTextHandler(stderr, nil)))
	serveGC()
	db, err := openMigrated(ctx, cfg.dbConfig)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	if cfg.Demo {
		if err := loadDemo(ctx, db, logger, time.Now()); err != nil {
			return err
		}
		if err := createDemoUsers(ctx, db, stdout); err != nil {
			return err
		}
	}
	var auditor *audit.Auditor // nil: nothing audited (the benchmark's switch only)
	if off {
		logger.Warn("THE AUDIT TRAIL IS OFF: no read or change is recorded, against PRIVACY.md section 1; "+
			"this is for measuring its cost only (docs/benchmarks.md, \"Audit\")", "variable", benchmarkAuditOffEnv)
		defer logger.Warn("the audit trail was off: nothing this server answered is in it", "variable", benchmarkAuditOffEnv)
	} else {
		auditor = audit.New(db, audit.Options{Logger: logger, Delay: testAuditDelay})         // audit.go
		defer func() { err = errors.Join(err, closeAuditor(auditor, cfg.ShutdownTimeout)) }() // after the HTTP server, before the store
	}
	signIn := cfg.Auth.newSignIn(db) // auth.go
	auth := api.NewAuth(signIn, logger)
	checkins, stopCheckins, busy := checkinConfig(db)                           // directory.go
	defer stopCheckins()                                                        // after the HTTP server: drains queued attempts
	metricsAllow, _ := parseMetricsAllow(cfg.MetricsAllow)                      // checked by Validate
	pools, _ := db.(api.PoolStatsReporter)                                      // nil: no pool series
	c, err := newConsole(db, signIn, cfg.Addr, cfg.WebhookAllowPrivate, logger) // console.go
	if err != nil {
		return err
	}
	var cons api.Console // stays a nil interface when there is no console
	if c != nil {
		cons = c
	}
	// One server for the API and the console: one mux, one middleware
	// stack (api/routes.go lists every route).
	server := api.New(api.Config{
		Pools:         pools,
		MetricsAllow:  metricsAllow,
		Store:         db,
		Authenticator: auth,
		Checkins:      checkins,
		Webhooks:      &api.WebhookConfig{Store: db, AllowPrivate: cfg.WebhookAllowPrivate},
		Alerts:        &api.AlertConfig{Store: db, Webhooks: db, Email: cfg.SMTPURL != ""},
		Token:         http.HandlerFunc(auth.ServeToken),
		Console:       cons,
		Ready:         db.Ping, // the reader pool only: a long import must not make the service "unready"
		Logger:        logger,
		Auditor:       auditor,
	})
	stopWebhooks, err := startWebhooks(ctx, db, server, webhookOptions{allowPrivate: cfg.WebhookAllowPrivate, busy: busy,
		deferBound: cfg.WebhookDefer, behind: cfg.WebhookBehind, smtpURL: cfg.SMTPURL, smtpFrom: cfg.SMTPFrom}, logger) // webhooks.go
	if err != nil {
		return err
	}
	defer stopWebhooks()
	// The retention windows (PRIVACY.md section 3): at start and every
	// hour, stopped before the store closes.
	stopRetention := (&retention.Runner{Store: db, Windows: cfg.windows(), Log: logger}).Start(ctx)
	defer stopRetention()
	// Outermost: the client's address is settled before anything (the
	// sign-in throttles, /metrics, the access log) reads it.
	proxies, _ := parsePrefixes("--trusted-proxies", cfg.TrustedProxies) // checked by Validate
	// Live streams never end by themselves: Shutdown ends them (CloseStreams)
	// rather than wait --shutdown-timeout for them and then cut everything.
	return serveHTTP(ctx, cfg, proxyaddr.Trusted(proxies).Wrap(server.Handler()), logger, server.CloseStreams)
}

// loadDemo fills an empty database with the demo: a directory and the
// history its simulated attempts produce (demo.go), ending now; a database
// that already holds records is left alone, so restarting with --demo
// never duplicates or mixes data.
func loadDemo(ctx context.Context, db store, logger *slog.Logger, now time.Time) error {
	page, err := db.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1})
	if err != nil {
		return fmt.Errorf("check whether the database is empty: %w", err)
	}
	if page.TotalItems > 0 {
		logger.Info("the database already holds records: --demo loads nothing", "records", page.TotalItems)
		return nil
	}
	// The demo users are created by createDemoUsers (auth.go).
	return loadDemoHistory(ctx, db, logger, now)
}

// serveHTTP listens first, so the log shows the address actually bound
// (with port 0 a free one), then serves until ctx is cancelled. Each of
// onShutdown runs when shutdown begins.
func serveHTTP(ctx context.Context, cfg serveConfig, handler http.Handler, logger *slog.Logger, onShutdown ...func()) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", cfg.Addr, err)
	}
	srv := api.NewHTTPServer(ln.Addr().String(), handler)
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	if cfg.onShutdown != nil {
		srv.RegisterOnShutdown(cfg.onShutdown)
	}
	for _, f := range onShutdown {
		srv.RegisterOnShutdown(f)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("serving the API", "addr", ln.Addr().String(), "db", displayDB(cfg.DB))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: letting in-flight requests finish", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return errors.Join(fmt.Errorf("shutdown: requests still running after %v were cut off: %w", cfg.ShutdownTimeout, err), srv.Close())
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}
