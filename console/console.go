// Package console is the operator console: server-rendered HTML pages at
// /console/ for people who do not write curl commands. They sign in with
// the API's users (email, password, TOTP), search FailedCheckin records
// with every filter of the API, read one record (and ask whether its
// coworker would get in now: the API's dry run, fc.EvaluateAll), see charts of the
// current selection drawn as SVG on the server, and download it as CSV.
//
// The console imports only the domain and the packages the API shares with
// it: people sign in through package signin, the same Service as the API's
// token endpoint, and searches are parsed by package searchparams, the
// API's parser, so the console and the API cannot disagree about a filter
// or a password. Every read carries the signed-in user's scope, exactly as
// in the API.
//
// The console has no mux or server of its own: it hands its handlers to
// the server (package api, which lists every route in api/routes.go and
// gives console requests the same request id, access log, metrics,
// security headers, body limit and panic recovery as the API's). What it
// adds is its own: sessions, CSRF protection, and the Content-Security-
// Policy of its pages (middleware.go).
//
// Templates, CSS and the little JavaScript there is are embedded: there is
// no build step. Sessions live in the database (only a hash of the cookie's
// token), so any server behind a load balancer serves any request.
package console

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// Path is where the console is mounted.
const Path = "/console/"

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Store is what the console reads: records, their export and statistics,
// users and console sessions. One *sqlite.DB or *postgres.DB is all of it.
type Store interface {
	fc.FailedCheckinStore
	fc.FailedCheckinReportStore
	fc.ConsoleSessionStore
}

// Config is what the console needs from the outside. Store and SignIn are
// required.
type Config struct {
	Store Store
	// SignIn checks credentials, with the same throttling as the API's
	// token endpoint and Basic auth (one Service serves both).
	SignIn *signin.Service
	// InsecureCookie drops the Secure attribute of the session cookie. Set
	// it only when serving plain HTTP on a loopback address (a browser does
	// not send Secure cookies over plain HTTP, so sign-in would not stick);
	// anywhere else put TLS in front and leave it false.
	InsecureCookie bool
	// Checkins and Directory let the record page answer "would they get
	// in now?" (fc.EvaluateAll, as POST /api/spaces/checkins/evaluate);
	// either nil leaves the check out.
	Checkins  fc.CheckinStore
	Directory fc.DirectoryStore
	// Webhooks serves the webhooks pages (webhooks.go); nil leaves them
	// out. WebhookAllowPrivate and WebhookResolver are the API's
	// (serve --webhook-allow-private; nil is net.DefaultResolver), so a
	// webhook saved here is checked as one saved through the API.
	Webhooks            fc.WebhookStore
	WebhookAllowPrivate bool
	WebhookResolver     webhook.Resolver
	// Alerts serves the alerts page (alerts.go); nil leaves it out.
	Alerts fc.AlertStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
}

// Console serves the console pages. It holds no mutable state.
type Console struct {
	cfg         Config
	pages       map[string]*template.Template
	crossOrigin *http.CrossOriginProtection
}

// New returns the console for cfg. It fails only if an embedded template
// does not parse, which is a build mistake.
func New(cfg Config) (*Console, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	return &Console{cfg: cfg, pages: pages, crossOrigin: http.NewCrossOriginProtection()}, nil
}

// The handlers the server mounts (api.Console; the paths are in
// api/routes.go, the one list of routes). Each is wrapped by page.

// Assets serves the embedded CSS and script, cacheable for an hour.
func (c *Console) Assets() http.Handler {
	assets, _ := fs.Sub(assetFiles, "assets")
	return c.page(http.StripPrefix(Path+"assets/", cacheAssets(http.FileServerFS(assets))))
}

// Home sends everyone to the records (and so, unless signed in, to sign in).
func (c *Console) Home() http.Handler { return c.page(http.HandlerFunc(c.home)) }

// SignInPage shows the sign-in form.
func (c *Console) SignInPage() http.Handler { return c.page(http.HandlerFunc(c.signInPage)) }

// SignIn checks the form and starts a session.
func (c *Console) SignIn() http.Handler { return c.page(http.HandlerFunc(c.signIn)) }

// SignOut ends the session; it needs the session's CSRF token.
func (c *Console) SignOut() http.Handler { return c.page(c.requireSession(c.signOut)) }

// List is the records page, for FailedCheckin-List.
func (c *Console) List() http.Handler {
	return c.page(c.requireRole(fc.RoleFailedCheckinList, c.listPage))
}

// Export downloads the selection as CSV, for FailedCheckin-List.
func (c *Console) Export() http.Handler {
	return c.page(c.requireRole(fc.RoleFailedCheckinList, c.export))
}

// Detail is one record's page, for FailedCheckin-Read.
func (c *Console) Detail() http.Handler {
	return c.page(c.requireRole(fc.RoleFailedCheckinRead, c.detailPage))
}

// Evaluate is the record page's "would they get in now?" check, a POST
// with the session's CSRF token, for FailedCheckin-Read and
// Checkin-Evaluate (evaluate.go).
func (c *Console) Evaluate() http.Handler {
	return c.page(c.requireRole(fc.RoleFailedCheckinRead, c.evaluateRecord))
}

// Coworker is a coworker's page: their attempts and the directory's view
// of them, for FailedCheckin-List (coworker.go).
func (c *Console) Coworker() http.Handler {
	return c.page(c.requireRole(fc.RoleFailedCheckinList, c.coworkerPage))
}

// EvaluateCoworker is the coworker page's "would they get in now?" check
// at a chosen location, a POST with the session's CSRF token, for
// FailedCheckin-List and Checkin-Evaluate (coworker.go).
func (c *Console) EvaluateCoworker() http.Handler {
	return c.page(c.requireRole(fc.RoleFailedCheckinList, c.evaluateCoworker))
}

// Webhooks is the list of the session's webhooks with the create form,
// for WebHook-List (webhooks.go).
func (c *Console) Webhooks() http.Handler {
	return c.page(c.requireRole(fc.RoleWebhookList, c.webhooksPage))
}

// CreateWebhook is the create form's POST, with the session's CSRF token,
// for WebHook-Create.
func (c *Console) CreateWebhook() http.Handler {
	return c.page(c.requireRole(fc.RoleWebhookCreate, c.createWebhook))
}

// Webhook is one webhook's page with its delivery log, for WebHook-Read.
func (c *Console) Webhook() http.Handler {
	return c.page(c.requireRole(fc.RoleWebhookRead, c.webhookPage))
}

// EnableWebhook and DisableWebhook turn a webhook on or off, a POST with
// the session's CSRF token, for WebHook-Edit.
func (c *Console) EnableWebhook() http.Handler {
	return c.page(c.requireRole(fc.RoleWebhookEdit, c.setWebhookActive(true)))
}

// DisableWebhook: see EnableWebhook.
func (c *Console) DisableWebhook() http.Handler {
	return c.page(c.requireRole(fc.RoleWebhookEdit, c.setWebhookActive(false)))
}

// RedeliverWebhook queues deliveries of a webhook again, a POST with the
// session's CSRF token, for WebHook-Edit.
func (c *Console) RedeliverWebhook() http.Handler {
	return c.page(c.requireRole(fc.RoleWebhookEdit, c.redeliver))
}

// Alerts is the alerts page: open incidents with their refusals, and the
// rules, for AlertIncident-List (alerts.go).
func (c *Console) Alerts() http.Handler {
	return c.page(c.requireRole(fc.RoleAlertIncidentList, c.alertsPage))
}

// AcknowledgeIncident acknowledges an incident, a POST with the session's
// CSRF token, for AlertIncident-Edit.
func (c *Console) AcknowledgeIncident() http.Handler {
	return c.page(c.requireRole(fc.RoleAlertIncidentEdit, c.acknowledgeIncident))
}

// NotFound is the console's 404 page, for every other path under Path.
func (c *Console) NotFound() http.Handler { return c.page(http.HandlerFunc(c.notFound)) }

// home sends a signed-in user to the records, anyone else to sign in.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/console/failedcheckins", http.StatusSeeOther)
}
