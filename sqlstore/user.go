package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// UserColumns are the columns of a user row, in the order ScanUser reads
// them.
const UserColumns = `id, email, password_hash, admin, roles, businesses, totp_secret, enabled, created_on, mask_personal_data`

// UserByAccessTokenSQL reads the owner of an unexpired access token:
// arguments the token's hash and now (Dialect.Accounts). It runs on every
// authenticated request, so each store runs it its cheapest way (SQLite
// prepared once on the reader pool, PostgreSQL on the pool); the lookup
// is by index on the hash, so no secret is compared in Go.
const UserByAccessTokenSQL = `SELECT ` + UserColumns + ` FROM users WHERE id =
		(SELECT user_id FROM access_tokens WHERE token_hash = $1 AND expires_on > $2)`

// FindUserByAccessToken returns the owner of the access token whose hash
// is accessHash when the token is unexpired at now, or an ErrNotFound
// error: UserByAccessTokenSQL, run in tx (a store's point lookups, with
// no transaction: this runs on every authenticated request).
func FindUserByAccessToken(ctx context.Context, d Dialect, tx Tx, accessHash string, now time.Time) (*fc.User, error) {
	return ScanUser(d, tx.QueryRow(ctx, UserByAccessTokenSQL, accessHash, d.Accounts.Value(now)))
}

// ScanUser reads one row of UserColumns, or returns an ErrNotFound error
// when there was none. The lists are decoded as d.Lists stores them.
func ScanUser(d Dialect, row Row) (*fc.User, error) {
	var u fc.User
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Admin, d.Lists.StringsDest(&u.Roles), d.Lists.IntsDest(&u.Businesses),
		&u.TOTPSecret, &u.Enabled, d.Accounts.Dest(&u.CreatedOn), &u.MaskPersonalData)
	if errors.Is(err, ErrNoRows) {
		return nil, fc.Errorf(fc.ErrNotFound, "no such user")
	}
	if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	return &u, nil
}

// FindUserByID reads the user with the given id in tx, or returns an
// ErrNotFound error.
func FindUserByID(ctx context.Context, d Dialect, tx Tx, id int64) (*fc.User, error) {
	return ScanUser(d, tx.QueryRow(ctx, `SELECT `+UserColumns+` FROM users WHERE id = $1`, id))
}

// Users is the users store (fc.UserStore) of both databases: each store's
// DB embeds one, with its own ways to read and write.
type Users struct {
	D Dialect
	// Read runs one or more reads: a snapshot (SQLite's read
	// transaction) or single statements on a pool (PostgreSQL).
	Read ReadFunc
	// Write runs fn in a write transaction with one "now", which it
	// commits when fn returns nil: the store's DB.write.
	Write func(ctx context.Context, fn func(tx WriteTx, now time.Time) error) error
}

var _ fc.UserStore = Users{}

// CreateUser stores u and sets its ID and CreatedOn (now, to the
// millisecond, as Dialect.Accounts keeps it on both databases). An email
// that is already taken (case-insensitively) is an ErrConflict error.
func (s Users) CreateUser(ctx context.Context, u *fc.User) error {
	roles, businesses, err := s.check(u)
	if err != nil {
		return err
	}
	var id int64
	var created time.Time
	err = s.Write(ctx, func(tx WriteTx, now time.Time) error {
		if err := s.claimEmail(ctx, tx, u.Email, 0); err != nil {
			return err
		}
		created = now.UTC().Truncate(time.Millisecond)
		err := tx.QueryRow(ctx, `INSERT INTO users (email, email_fold, password_hash, admin, roles, businesses, totp_secret, enabled, created_on,
			mask_personal_data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			u.Email, fc.Fold(u.Email), u.PasswordHash, u.Admin, roles, businesses, u.TOTPSecret, u.Enabled, s.D.Accounts.Value(created),
			u.MaskPersonalData).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	u.ID, u.CreatedOn = id, created
	return nil
}

// UpdateUser saves every field of u but CreatedOn. An email taken by
// another user is an ErrConflict error, an unknown ID an ErrNotFound
// error.
func (s Users) UpdateUser(ctx context.Context, u *fc.User) error {
	roles, businesses, err := s.check(u)
	if err != nil {
		return err
	}
	return s.Write(ctx, func(tx WriteTx, _ time.Time) error {
		if err := s.claimEmail(ctx, tx, u.Email, u.ID); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE users SET email = $1, email_fold = $2, password_hash = $3, admin = $4,
			roles = $5, businesses = $6, totp_secret = $7, enabled = $8, mask_personal_data = $9 WHERE id = $10`,
			u.Email, fc.Fold(u.Email), u.PasswordHash, u.Admin, roles, businesses, u.TOTPSecret, u.Enabled, u.MaskPersonalData, u.ID)
		if err != nil {
			return fmt.Errorf("update user %d: %w", u.ID, err)
		}
		if n == 0 {
			return fc.Errorf(fc.ErrNotFound, "no user with id %d", u.ID)
		}
		return nil
	})
}

// claimEmail fails with ErrConflict when a user other than id has email.
// The check and the write that follows are one step for every writer:
// SQLite has a single writer connection, PostgreSQL writers take
// Dialect.LockUsers first.
func (s Users) claimEmail(ctx context.Context, tx Tx, email string, id int64) error {
	if s.D.LockUsers != "" {
		if _, err := tx.Exec(ctx, s.D.LockUsers); err != nil {
			return fmt.Errorf("lock users: %w", err)
		}
	}
	var other int64
	err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email_fold = $1`, fc.Fold(email)).Scan(&other)
	switch {
	case errors.Is(err, ErrNoRows) || (err == nil && other == id):
		return nil
	case err != nil:
		return fmt.Errorf("look up email: %w", err)
	}
	return fc.Errorf(fc.ErrConflict, "a user with the email %s already exists", email)
}

// check validates u and returns the arguments that store its roles and
// businesses.
func (s Users) check(u *fc.User) (roles, businesses any, err error) {
	if err := u.Validate(); err != nil {
		return nil, nil, err
	}
	if roles, err = s.D.Lists.Strings(u.Roles); err != nil {
		return nil, nil, fmt.Errorf("encode roles: %w", err)
	}
	if businesses, err = s.D.Lists.Ints(u.Businesses); err != nil {
		return nil, nil, fmt.Errorf("encode businesses: %w", err)
	}
	return roles, businesses, nil
}

// FindUserByID returns the user with the given id or an ErrNotFound error.
func (s Users) FindUserByID(ctx context.Context, id int64) (*fc.User, error) {
	return s.findUser(ctx, `SELECT `+UserColumns+` FROM users WHERE id = $1`, id)
}

// FindUserByEmail returns the user with the given email (compared
// case-insensitively) or an ErrNotFound error.
func (s Users) FindUserByEmail(ctx context.Context, email string) (*fc.User, error) {
	return s.findUser(ctx, `SELECT `+UserColumns+` FROM users WHERE email_fold = $1`, fc.Fold(email))
}

func (s Users) findUser(ctx context.Context, query string, args ...any) (*fc.User, error) {
	return ReadValue(ctx, s.Read, func(tx Tx) (*fc.User, error) {
		return ScanUser(s.D, tx.QueryRow(ctx, query, args...))
	})
}

// FindUsers returns every user ordered by id.
func (s Users) FindUsers(ctx context.Context) ([]*fc.User, error) {
	return ReadValue(ctx, s.Read, func(tx Tx) ([]*fc.User, error) {
		rows, err := tx.Query(ctx, `SELECT `+UserColumns+` FROM users ORDER BY id`)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		return ScanRows(rows, "list users", func(r Rows) (*fc.User, error) { return ScanUser(s.D, r) })
	})
}
