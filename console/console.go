// Package console is the operator console: server-rendered HTML pages at
// /console/ for people who do not write curl commands. They sign in with
// the API's users (email, password, TOTP), search FailedCheckin records
// with every filter of the API, read one record, see charts of the
// current selection drawn as SVG on the server, and download it as CSV.
//
// The console imports only the domain and the packages the API shares with
// it: people sign in through package signin, the same Service as the API's
// token endpoint, and searches are parsed by package searchparams, the
// API's parser, so the console and the API cannot disagree about a filter
// or a password. Every read carries
// the signed-in user's scope, exactly as in the API.
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
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
}

// Console serves the console pages. It holds no mutable state.
type Console struct {
	cfg     Config
	pages   map[string]*template.Template
	handler http.Handler
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
	c := &Console{cfg: cfg, pages: pages}
	c.handler = c.routes()
	return c, nil
}

// Handler returns the console with its middleware; mount it at Path.
func (c *Console) Handler() http.Handler { return c.handler }

// routes registers every page of the console in one place.
func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	assets, _ := fs.Sub(assetFiles, "assets")
	mux.Handle("GET /console/assets/", http.StripPrefix("/console/assets/", cacheAssets(http.FileServerFS(assets))))
	mux.HandleFunc("GET /console/{$}", c.home)
	mux.HandleFunc("GET /console/signin", c.signInPage)
	mux.HandleFunc("POST /console/signin", c.signIn)
	mux.Handle("POST /console/signout", c.requireSession(c.signOut))
	mux.Handle("GET /console/failedcheckins", c.requireRole(fc.RoleFailedCheckinList, c.listPage))
	mux.Handle("GET /console/failedcheckins/export", c.requireRole(fc.RoleFailedCheckinList, c.export))
	mux.Handle("GET /console/failedcheckins/{id}", c.requireRole(fc.RoleFailedCheckinRead, c.detailPage))
	mux.HandleFunc("/console/", c.notFound)
	// Go's cross-origin protection (Sec-Fetch-Site / Origin) refuses every
	// cross-site POST before the handlers' own CSRF token is even checked.
	return securityHeaders(recoverPanic(c.cfg.Logger, http.NewCrossOriginProtection().Handler(limitBody(mux))))
}

// home sends a signed-in user to the records, anyone else to sign in.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/console/failedcheckins", http.StatusSeeOther)
}
