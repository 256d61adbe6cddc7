package audit

import "context"

// Note is what a request's layers learn for its audit entry: the caller,
// once authenticated, and the records the answer held. The middleware that
// writes the entry puts one in the request context (WithNote); the
// functions below fill it and do nothing when there is none, so a handler
// never needs to know whether its route is audited. A Note belongs to one
// request and is filled by the goroutine serving it.
type Note struct {
	UserEmail   string
	ResultCount int64
	// TotalItems is set by SetPage (searches) only.
	TotalItems *int64
	// Counted says a handler reported a count (even 0), so the
	// middleware's default for the route does not apply.
	Counted bool
	// Query, when set (SetQuery), replaces the query string as sent in
	// the entry: an erasure records the hash of whom it erased, never
	// the identifier.
	Query *string
	total int64
}

// NoteKey is the context key NoteFrom asks for: ctx.Value(NoteKey{}) is
// the request's *Note. WithNote adds one; a layer that already gives each
// request a context of its own may answer the key from it instead (the
// API's request context holds the Note, which saves two allocations a
// request: docs/benchmarks.md, "Audit"). Only the layer that writes the
// request's entry may answer it: a handler that shadowed the Note would
// take the user and counts away from the entry.
type NoteKey struct{}

// WithNote returns ctx carrying a new Note, and the Note.
func WithNote(ctx context.Context) (context.Context, *Note) {
	n := &Note{}
	return context.WithValue(ctx, NoteKey{}, n), n
}

// NoteFrom returns the Note of ctx, or nil.
func NoteFrom(ctx context.Context) *Note {
	n, _ := ctx.Value(NoteKey{}).(*Note)
	return n
}

// SetUser records who the caller is (their email).
func SetUser(ctx context.Context, email string) {
	if n := NoteFrom(ctx); n != nil {
		n.UserEmail = email
	}
}

// SetCount records that the answer held n records (or personal entries).
func SetCount(ctx context.Context, count int64) {
	if n := NoteFrom(ctx); n != nil {
		n.ResultCount, n.Counted = count, true
	}
}

// AddCount adds to the count, for answers that stream their records.
func AddCount(ctx context.Context, count int64) {
	if n := NoteFrom(ctx); n != nil {
		n.ResultCount += count
		n.Counted = true
	}
}

// SetPage records a search's answer: the page's records and the total.
func SetPage(ctx context.Context, records int, total int64) {
	if n := NoteFrom(ctx); n != nil {
		n.ResultCount, n.total, n.Counted = int64(records), total, true
		n.TotalItems = &n.total
	}
}

// SetQuery makes q the entry's Query instead of the request's query
// string.
func SetQuery(ctx context.Context, q string) {
	if n := NoteFrom(ctx); n != nil {
		n.Query = &q
	}
}
