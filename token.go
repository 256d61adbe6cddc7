package failedcheckins

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// RefreshTokenLifetime is how long a refresh token stays valid
// (docs/api.md#authentication).
const RefreshTokenLifetime = 15 * 24 * time.Hour

// DefaultAccessTokenLifetime is the default lifetime of an access token
// ("expires_in": 3600).
const DefaultAccessTokenLifetime = time.Hour

// NewToken returns a fresh bearer or refresh token: 256 bits from
// crypto/rand, base64url-encoded without padding (43 characters).
func NewToken() string {
	var b [32]byte
	// crypto/rand.Read never returns an error since Go 1.24; it panics
	// instead when the system has no randomness at all.
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the hash under which a token is stored. A plain SHA-256
// is enough for a 256-bit random token (unlike a password it cannot be
// guessed), and it lets the store look the token up by an index.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenGrant is one issue of tokens to a user and client: the hashes of a
// new access token and refresh token and when each expires.
type TokenGrant struct {
	// IssuedOn is when the grant is made; stores sweep tokens that expired
	// before it.
	IssuedOn         time.Time
	UserID           int64
	ClientID         string
	AccessHash       string
	AccessExpiresOn  time.Time
	RefreshHash      string
	RefreshExpiresOn time.Time
}

// TokenStore keeps access and refresh tokens, as hashes only. A user has at
// most one live refresh token per client id.
type TokenStore interface {
	// CreateTokens stores g, replacing the refresh token the user already
	// had for g.ClientID.
	CreateTokens(ctx context.Context, g *TokenGrant) error
	// RotateRefreshToken atomically consumes the refresh token whose hash is
	// refreshHash and stores next in its place, setting next.UserID and
	// next.ClientID from the consumed token. The token must be unexpired at
	// now, belong to an enabled user and to clientID ("" means the default
	// client id, the owner's folded email). Otherwise it returns an
	// ErrNotFound error and changes nothing. Of two concurrent calls with the
	// same token exactly one succeeds.
	RotateRefreshToken(ctx context.Context, refreshHash, clientID string, now time.Time, next *TokenGrant) (*User, error)
	// FindUserByAccessToken returns the owner of the access token whose hash
	// is accessHash if it is unexpired at now, or an ErrNotFound error. It
	// does not check whether the user is enabled; callers must.
	FindUserByAccessToken(ctx context.Context, accessHash string, now time.Time) (*User, error)
	// DeleteUserTokens revokes every access and refresh token of a user
	// and ends their console sessions, all at once: a changed password or
	// a disabled account leaves no way in that predates it.
	DeleteUserTokens(ctx context.Context, userID int64) error
}

// DefaultClientID is the client id of a grant made without a client_id
// header: the user's email, folded so that it does not depend on how the
// user typed it.
func DefaultClientID(email string) string { return Fold(email) }
