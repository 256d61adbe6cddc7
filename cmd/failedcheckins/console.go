package main

import (
	"log/slog"
	"net"
	"net/http"

	"github.com/failedcheckins/failedcheckins/console"
	"github.com/failedcheckins/failedcheckins/signin"
)

// withConsole mounts the operator console at /console/ beside the API.
// The console signs people in with the API's sign-in service (same
// throttling); it parses filters with the API's parser (searchparams). Its session cookie is Secure
// unless serve listens on a loopback address (plain HTTP for local use),
// where a browser would otherwise drop it.
func withConsole(db store, signIn *signin.Service, apiHandler http.Handler, addr string, logger *slog.Logger) (http.Handler, error) {
	cs, ok := db.(console.Store)
	if !ok {
		logger.Warn("this database backend has no console support yet: /console/ is not served")
		return apiHandler, nil
	}
	c, err := console.New(console.Config{
		Store: cs, SignIn: signIn,
		InsecureCookie: isLoopback(addr), Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(console.Path, c.Handler())
	mux.Handle("/console", http.RedirectHandler(console.Path, http.StatusMovedPermanently))
	mux.Handle("/", apiHandler)
	return mux, nil
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
