package signin

import (
	"context"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Tokens are a freshly issued access and refresh token, in clear: only
// their hashes are stored, so this is the one time they exist.
type Tokens struct {
	Access, Refresh string
	// AccessLifetime is how long the access token is valid.
	AccessLifetime time.Duration
}

// Issue creates tokens for u, a user SignIn has just returned, for the
// client clientID ("" means the default, the user's folded email).
func (s *Service) Issue(ctx context.Context, u *fc.User, clientID string) (Tokens, error) {
	if fe := fc.ClientIDText.Check("client_id", clientID); fe != nil {
		return Tokens{}, fc.InvalidFields([]fc.FieldError{*fe})
	}
	if clientID == "" {
		clientID = fc.DefaultClientID(u.Email)
	}
	g, t := s.newGrant(s.now())
	g.UserID, g.ClientID = u.ID, clientID
	if err := s.tokens.CreateTokens(ctx, g); err != nil {
		return Tokens{}, fmt.Errorf("issue tokens: %w", err)
	}
	return t, nil
}

// Refresh exchanges a refresh token for new tokens (the old refresh token
// stops working). An unknown, expired, replaced or oversized refresh
// token, or one of another client, is ErrBadCredentials.
func (s *Service) Refresh(ctx context.Context, refresh, clientID string) (Tokens, error) {
	if len(refresh) > MaxCredentialLength {
		return Tokens{}, ErrBadCredentials
	}
	if fe := fc.ClientIDText.Check("client_id", clientID); fe != nil {
		return Tokens{}, fc.InvalidFields([]fc.FieldError{*fe})
	}
	now := s.now()
	g, t := s.newGrant(now)
	_, err := s.tokens.RotateRefreshToken(ctx, fc.HashToken(refresh), clientID, now, g)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		return Tokens{}, ErrBadCredentials
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh tokens: %w", err)
	}
	return t, nil
}

// newGrant makes fresh tokens; only their hashes go into the grant.
func (s *Service) newGrant(now time.Time) (*fc.TokenGrant, Tokens) {
	access, refresh := fc.NewToken(), fc.NewToken()
	g := &fc.TokenGrant{IssuedOn: now,
		AccessHash: fc.HashToken(access), AccessExpiresOn: now.Add(s.accessLifetime),
		RefreshHash: fc.HashToken(refresh), RefreshExpiresOn: now.Add(fc.RefreshTokenLifetime)}
	return g, Tokens{Access: access, Refresh: refresh, AccessLifetime: s.accessLifetime}
}

// Bearer returns the caller of an access token. It checks on every request
// that the user is still enabled, so disabling a user stops their tokens
// at once, and counts the request against the user's rate limit.
func (s *Service) Bearer(ctx context.Context, token string) (*fc.Caller, error) {
	return s.bearer(ctx, token, true)
}

// RecheckBearer is Bearer for a credential already accepted, checked again
// while a long request (a live stream) runs: the token must still be
// unexpired and its user enabled, and the caller is read afresh (roles,
// locations), but the check is not a request of the user's and does not
// count against their rate limit.
func (s *Service) RecheckBearer(ctx context.Context, token string) (*fc.Caller, error) {
	return s.bearer(ctx, token, false)
}

func (s *Service) bearer(ctx context.Context, token string, limit bool) (*fc.Caller, error) {
	if len(token) > MaxCredentialLength {
		return nil, ErrBadCredentials
	}
	now := s.now()
	u, err := s.tokens.FindUserByAccessToken(ctx, fc.HashToken(token), now)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate bearer token: %w", err)
	}
	if !u.Enabled {
		return nil, ErrBadCredentials
	}
	// The bucket is the user's, not the token's: getting a new token must
	// not reset the limit. Basic auth shares the same bucket.
	if !limit {
		return u.Caller(), nil
	}
	if wait := s.limiter.allow(userBucket(u), now); wait > 0 {
		return nil, tooMany(wait, "Too many requests for this user.")
	}
	return u.Caller(), nil
}
