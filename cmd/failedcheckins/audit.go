package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/user"
	"strconv"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// testAuditDelay, when set by a test, replaces the Auditor's batch delay
// (audit.DefaultDelay), so that a test can tell the shutdown's write from
// the writer loop's.
var testAuditDelay time.Duration

// benchmarkAuditOffEnv turns the audit trail off in serve, for one purpose
// only: measuring what it costs (issue 16's target, "auditing costs at
// most 10% of the CPU per search request", needs the same server with it
// off; fcbench -audit-pairs, docs/benchmarks.md, "Audit"). PRIVACY.md
// section 1 requires an entry for every read, so this is deliberately not
// a flag nor a setting of the configuration reference: it must be set to
// exactly benchmarkAuditOffValue, serve then listens on a literal loopback
// IP only and without --trusted-proxies (refusing anything else), warns at
// start and at shutdown, and /metrics says failedcheckins_audit_enabled 0.
//
// The loopback rule alone does not tell a benchmark from production: the
// default --addr is 127.0.0.1:8080, and a production server behind a
// reverse proxy on the same host binds loopback too. Such a server names
// its proxy in --trusted-proxies (docs/configuration.md), which is why
// that flag is refused here; the gauge lets a monitor catch the rest.
const (
	benchmarkAuditOffEnv   = "FAILEDCHECKINS_BENCHMARK_AUDIT_OFF"
	benchmarkAuditOffValue = "benchmark-only"
)

// benchmarkAuditOff reads benchmarkAuditOffEnv: false when unset, true
// when set to benchmarkAuditOffValue, addr's host is a loopback IP
// (127.0.0.1, ::1; not a name such as localhost, which resolves as the
// system says) and trustedProxies is none; an error otherwise (any other
// value, an address others can reach, or a server behind a proxy).
func benchmarkAuditOff(addr, trustedProxies string) (bool, error) {
	v := os.Getenv(benchmarkAuditOffEnv)
	if v == "" {
		return false, nil
	}
	if v != benchmarkAuditOffValue {
		return false, fmt.Errorf("%s=%q: this variable turns the audit trail off for benchmarks only; its one accepted value is %q (unset it to audit)",
			benchmarkAuditOffEnv, v, benchmarkAuditOffValue)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("--addr %q: %w", addr, err)
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return false, fmt.Errorf("%s: a server without its audit trail listens on a loopback IP address only (--addr 127.0.0.1:PORT or [::1]:PORT), not %q",
			benchmarkAuditOffEnv, addr)
	}
	if proxies, err := parsePrefixes("--trusted-proxies", trustedProxies); err != nil || len(proxies) > 0 {
		return false, fmt.Errorf("%s: a server without its audit trail is for benchmarks, never behind a reverse proxy: --trusted-proxies %q must be none (unset the variable to serve)",
			benchmarkAuditOffEnv, trustedProxies)
	}
	return true, nil
}

// closeAuditor writes the audit entries serve still holds, once the HTTP
// server has let its last request finish (PRIVACY.md section 1: a clean
// shutdown writes all of them). It has the shutdown timeout to do it.
func closeAuditor(a *audit.Auditor, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return a.Close(ctx)
}

// auditConfig is the configuration of `failedcheckins audit`.
type auditConfig struct {
	dbConfig
	User, Since, Until, Path, Channel string
}

// auditPageSize is how many entries each read of `failedcheckins audit`
// fetches; the command pages through all of them by Id.
const auditPageSize = 1000

// runAudit prints the audit trail as CSV (docs/cli.md#failedcheckins-audit),
// oldest first, filtered as GET /api/audit filters: the flags become that
// endpoint's parameters and searchparams.Audit reads them, so a bad value
// gets the same message as over HTTP.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := auditConfig{dbConfig: defaultDBConfig()}
	fs := newFlagSet("audit", "audit [--db DB] [--user EMAIL] [--since 2026-12-01] [--until 2026-12-31] [--path TEXT] [--channel Api,Console,Stream,Cli]", stderr)
	cfg.register(fs)
	fs.StringVar(&cfg.User, "user", "", "only entries of this user `email` (case-insensitive; a comma-separated list for several)")
	fs.StringVar(&cfg.Since, "since", "", "only entries on or after this `date-time` (2026-12-01, 2026-12-01T10:30, UTC unless an offset is given)")
	fs.StringVar(&cfg.Until, "until", "", "only entries up to the end of this `date-time` (2026-12-31 keeps all of that day)")
	fs.StringVar(&cfg.Path, "path", "", "only entries whose path contains this `text` (/console/coworkers/100042)")
	fs.StringVar(&cfg.Channel, "channel", "", "only entries of these `channels` (Api, Console, Stream, Cli; comma-separated)")
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("audit takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()}
	}
	params := url.Values{}
	for name, v := range map[string]string{"Audit_User": cfg.User, "from_Audit_On": cfg.Since, "to_Audit_On": cfg.Until,
		"Audit_Path": cfg.Path, "Audit_Channel": cfg.Channel} {
		if v != "" {
			params.Set(name, v)
		}
	}
	params.Set("orderBy", "Id")
	params.Set("dir", "asc")
	params.Set("size", strconv.Itoa(auditPageSize))
	flagNames := map[string]string{"audit_user": "--user", "from_audit_on": "--since", "to_audit_on": "--until",
		"audit_path": "--path", "audit_channel": "--channel"}
	if _, err := searchparams.Audit.Parse(params.Encode()); err != nil {
		return &usageError{msg: "audit: " + flagMessage(err, flagNames)}
	}
	db, err := openMigrated(ctx, cfg.dbConfig)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	w := csv.NewWriter(stdout)
	if err := w.Write([]string{"Id", "On", "UserEmail", "ClientAddress", "Channel", "Method", "Path", "Query", "Status", "ResultCount", "TotalItems"}); err != nil {
		return err
	}
	// Page by Id (from_Audit_Id past the last one printed): entries
	// written meanwhile come later in that order, so none is skipped or
	// printed twice.
	for after := int64(0); ; {
		params.Set("from_Audit_Id", strconv.FormatInt(after+1, 10))
		q, err := searchparams.Audit.Parse(params.Encode())
		if err != nil {
			return err
		}
		q.Scope = fc.AllBusinesses()
		page, err := db.FindAuditEntries(ctx, q)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		for _, e := range page.Entries {
			total := ""
			if e.TotalItems != nil {
				total = strconv.FormatInt(*e.TotalItems, 10)
			}
			if err := w.Write([]string{strconv.FormatInt(e.ID, 10), e.On.UTC().Format(time.RFC3339), e.UserEmail, e.ClientAddress,
				string(e.Channel), e.Method, e.Path, e.Query, strconv.Itoa(e.Status), strconv.FormatInt(e.ResultCount, 10), total}); err != nil {
				return err
			}
			after = e.ID
		}
		if len(page.Entries) < auditPageSize {
			break
		}
	}
	w.Flush()
	return w.Error()
}

// flagMessage rewrites the parameter names of a search error into the
// flags the operator typed.
func flagMessage(err error, names map[string]string) string {
	fe, ok := err.(*fc.Error)
	if !ok || len(fe.Fields) == 0 {
		return fc.ErrorMessage(err)
	}
	msg := ""
	for i, f := range fe.Fields {
		name := f.Property
		if n, ok := names[fc.Fold(name)]; ok {
			name = n
		}
		if i > 0 {
			msg += "; "
		}
		msg += name + " " + strconv.Quote(f.AttemptedValue) + ": " + f.Message
	}
	return msg
}

// cliUser names who runs a command in the audit trail: the account that
// ran it (the one behind sudo, when there is one) at this host, as
// name@host. The command line has no sign-in of its own; whoever can run
// it can read the database.
func cliUser() string {
	name := os.Getenv("SUDO_USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		} else {
			name = "unknown"
		}
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return name + "@" + host
}

// auditCLI writes the audit entry of a change made from the command line
// (users, directory import), at once: the process is about to end, so
// there is no batch to wait for. command is the path ("users disable"),
// params what it was given (never a password), count the records or
// people it changed, and result the command's error (nil for success).
// A failed write is returned: the change is made but not audited, which
// the operator must hear about.
func auditCLI(ctx context.Context, db fc.AuditStore, command string, params url.Values, count int64, result error) error {
	e := &fc.AuditEntry{On: time.Now().UTC(), UserEmail: cliUser(), Channel: fc.ChannelCLI, Method: "CLI",
		Path: command, Query: params.Encode(), Status: cliStatus(result), ResultCount: count}
	if err := db.AppendAuditEntries(context.WithoutCancel(ctx), []*fc.AuditEntry{e}); err != nil {
		return fmt.Errorf("the change is made but its audit entry could not be written: %w", err)
	}
	return nil
}

// cliStatus is the HTTP status the same outcome would have over the API.
func cliStatus(err error) int {
	switch fc.ErrorCode(err) {
	case "":
		return 200
	case fc.ErrInvalid:
		return 400
	case fc.ErrUnauthorized:
		return 401
	case fc.ErrForbidden:
		return 403
	case fc.ErrNotFound:
		return 404
	case fc.ErrConflict:
		return 409
	case fc.ErrTooMany:
		return 429
	case fc.ErrUnavailable:
		return 503
	}
	return 500
}
