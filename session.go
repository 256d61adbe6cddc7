package failedcheckins

import (
	"context"
	"time"
)

// ConsoleSessionLifetime is how long a console sign-in lasts. It is not
// extended by use: after it the user signs in again (with TOTP, if set).
const ConsoleSessionLifetime = 12 * time.Hour

// ConsoleSession is one browser sign-in to the console. The cookie holds a
// random token (NewToken); the store keeps only its hash (HashToken), so a
// copy of the database signs no one in. Sessions live in the database, not
// in a server's memory, so any API server can serve any request.
type ConsoleSession struct {
	TokenHash string
	UserID    int64
	CreatedOn time.Time
	ExpiresOn time.Time
}

// ConsoleSessionStore keeps console sessions.
type ConsoleSessionStore interface {
	// CreateConsoleSession stores s; expired sessions of every user are
	// swept on the way, so the table does not grow without bound.
	CreateConsoleSession(ctx context.Context, s *ConsoleSession) error
	// FindUserByConsoleSession returns the owner of the session whose hash
	// is tokenHash if it is unexpired at now, or an ErrNotFound error. It
	// does not check whether the user is enabled; callers must.
	FindUserByConsoleSession(ctx context.Context, tokenHash string, now time.Time) (*User, error)
	// DeleteConsoleSession ends one session (signing out); deleting a
	// session that does not exist is not an error.
	DeleteConsoleSession(ctx context.Context, tokenHash string) error
}
