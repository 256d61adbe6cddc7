package api

import "net/http"

// ConsolePath is where the operator console is mounted.
const ConsolePath = "/console/"

// Console is the operator console as the server mounts it under
// ConsolePath (package console implements it; cmd passes it in Config).
// The server gives console requests the same middleware as the API's
// (request id, access log, metrics, security headers, body limit, panic
// recovery); each handler here adds only what is the console's own: its
// session and role checks, CSRF protection, and its Content-Security-Policy
// and referrer policy for HTML pages. routes.go says which path each
// serves.
type Console interface {
	Assets() http.Handler     // embedded CSS and script
	Home() http.Handler       // /console/: to the records or to sign in
	SignInPage() http.Handler // the sign-in form
	SignIn() http.Handler     // the form's POST: starts a session
	SignOut() http.Handler    // ends the session (CSRF token required)
	List() http.Handler       // the records, filtered, with charts
	Export() http.Handler     // the selection as CSV
	// Stream is the list page's live view: serve (the API's live stream
	// of FailedCheckins) for the signed-in user, with the console's
	// filter turned into the API's.
	Stream(serve StreamFunc) http.Handler
	Detail() http.Handler   // one record
	Evaluate() http.Handler // "would they get in now?" on a record (POST, CSRF token)
	Coworker() http.Handler // a coworker's attempts and directory view
	// EvaluateCoworker is "would they get in now?" on a coworker (POST, CSRF token).
	EvaluateCoworker() http.Handler
	// The webhooks pages (/api/sys/webhooks by another door): the list
	// with the create form, its POST, one webhook with its delivery log,
	// and the POSTs (CSRF token) that turn it on or off and queue
	// deliveries again.
	Webhooks() http.Handler
	CreateWebhook() http.Handler
	Webhook() http.Handler
	EnableWebhook() http.Handler
	DisableWebhook() http.Handler
	RedeliverWebhook() http.Handler
	Alerts() http.Handler
	AcknowledgeIncident() http.Handler
	NotFound() http.Handler // the console's 404 page
}
