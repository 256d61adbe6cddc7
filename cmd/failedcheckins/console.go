package main

import (
	"log/slog"
	"net"

	"github.com/failedcheckins/failedcheckins/console"
	"github.com/failedcheckins/failedcheckins/signin"
)

// newConsole builds the operator console the API server mounts at
// /console/, or returns nil when the database backend has no console
// support. The console signs people in with the API's sign-in service
// (same throttling). Its session cookie is Secure unless serve listens on
// a loopback address (plain HTTP for local use), where a browser would
// otherwise drop it. Its webhooks pages check a URL as the API does
// (allowPrivate is serve --webhook-allow-private).
func newConsole(db store, signIn *signin.Service, addr string, allowPrivate bool, logger *slog.Logger) (*console.Console, error) {
	cs, ok := db.(console.Store)
	if !ok {
		logger.Warn("this database backend has no console support yet: /console/ is not served")
		return nil, nil
	}
	return console.New(console.Config{Store: cs, Checkins: db, Directory: db, SignIn: signIn, InsecureCookie: isLoopback(addr),
		Webhooks: db, WebhookAllowPrivate: allowPrivate, Alerts: db, Logger: logger})
}

// isLoopback reports whether a listen address is on the loopback interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
