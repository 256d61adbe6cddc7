package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
)

// authConfig holds the authentication settings of `serve`.
type authConfig struct {
	AccessTokenLifetime time.Duration
	NoBasicAuth         bool
	RateLimit           float64
	RateBurst           int
}

func defaultAuthConfig() authConfig {
	return authConfig{AccessTokenLifetime: fc.DefaultAccessTokenLifetime, RateLimit: signin.DefaultRateLimit, RateBurst: signin.DefaultRateBurst}
}

func (c *authConfig) register(fs *flag.FlagSet) {
	fs.DurationVar(&c.AccessTokenLifetime, "access-token-lifetime", c.AccessTokenLifetime, "how long an access token is valid (expires_in)")
	fs.BoolVar(&c.NoBasicAuth, "no-basic-auth", c.NoBasicAuth, "refuse Authorization: Basic; accept bearer tokens only")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "requests per second one user may make, all their access tokens and Basic auth together (per server); negative turns the limit off")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "requests one access token may make at once")
}

func (c authConfig) Validate() error {
	switch {
	case c.AccessTokenLifetime < time.Minute || c.AccessTokenLifetime > 24*time.Hour:
		return fmt.Errorf("--access-token-lifetime %v: want between 1m and 24h", c.AccessTokenLifetime)
	case c.RateLimit == 0:
		return errors.New("--rate-limit 0: give a positive rate, or a negative one to turn the limit off")
	case c.RateBurst < 1:
		return fmt.Errorf("--rate-burst %d: want at least 1", c.RateBurst)
	}
	return nil
}

// newSignIn builds the sign-in service on db; the API and the console
// share it, and with it the throttles and the rate limit.
func (c authConfig) newSignIn(db store) *signin.Service {
	return signin.New(signin.Config{Users: db, Tokens: db, Failures: db, AccessTokenLifetime: c.AccessTokenLifetime,
		DisableBasic: c.NoBasicAuth, RateLimit: c.RateLimit, RateBurst: c.RateBurst})
}

// Demo accounts. Their passwords are random and printed once: a fixed,
// documented demo password would be a known credential on any demo server
// reachable from a network, and the operator can reset it with
// `users passwd` if the output is lost.
const (
	demoAdminEmail   = "admin@demo.example"
	demoManagerEmail = "manager@demo.example"
)

// createDemoUsers adds a demo administrator and a manager who sees one
// location, on a database without users, and prints their credentials.
func createDemoUsers(ctx context.Context, db store, stdout io.Writer) error {
	users, err := db.FindUsers(ctx)
	if err != nil || len(users) > 0 {
		return err
	}
	page, err := db.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1})
	if err != nil {
		return fmt.Errorf("pick the demo manager's location: %w", err)
	}
	manager := &fc.User{Email: demoManagerEmail, Roles: []string{fc.RoleFailedCheckinList, fc.RoleFailedCheckinRead}, Enabled: true}
	if len(page.Records) > 0 {
		manager.Businesses = []int64{page.Records[0].BusinessID}
	}
	admin := &fc.User{Email: demoAdminEmail, Admin: true, Enabled: true}
	for _, u := range []*fc.User{admin, manager} {
		password := fc.NewToken()[:20]
		if u.PasswordHash, err = fc.HashPassword(password); err != nil {
			return err
		}
		if err := db.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("create demo user %s: %w", u.Email, err)
		}
		fmt.Fprintf(stdout, "demo user: %s  password: %s  (%s)\n", u.Email, password, describeUser(u))
	}
	return nil
}
