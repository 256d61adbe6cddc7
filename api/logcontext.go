package api

import (
	"context"
	"log/slog"
)

// LogHandler returns a handler that adds the request id of the record's
// context (as request_id) to every record logged with one of the
// *Context methods inside a request, when the record does not carry one
// already. The server's own lines name the id themselves; this gives it
// to every other line written while serving a request (the console's
// error lines, say), so that an error reported with an X-Request-Id can be
// found in the log. cmd wraps the process's logger with it.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestID(ctx); id != "" && !hasAttr(r, "request_id") {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// hasAttr reports whether r has a top-level attribute called key.
func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}
