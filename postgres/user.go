package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var (
	_ fc.UserStore         = (*DB)(nil)
	_ fc.TokenStore        = (*DB)(nil)
	_ fc.LoginFailureStore = (*DB)(nil)
)

const userColumns = `id, email, password_hash, admin, roles, businesses, totp_secret, enabled, created_on`

// CreateUser stores u and sets its ID and CreatedOn. An email that is
// already taken (case-insensitively) is an ErrConflict error; the unique
// index on the folded email decides, so two servers cannot both win.
func (db *DB) CreateUser(ctx context.Context, u *fc.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return db.withTx(ctx, func(tx pgx.Tx, now time.Time) error {
		now = millis(now)
		err := tx.QueryRow(ctx, `INSERT INTO users (email, email_fold, password_hash, admin, roles, businesses, totp_secret, enabled, created_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			u.Email, fc.Fold(u.Email), u.PasswordHash, u.Admin, lists(u.Roles), lists(u.Businesses), u.TOTPSecret, u.Enabled, now).Scan(&u.ID)
		if err != nil {
			return emailError(u.Email, fmt.Errorf("insert user: %w", err))
		}
		u.CreatedOn = now
		return nil
	})
}

// UpdateUser saves every field of u but CreatedOn. An unknown ID is an
// ErrNotFound error, an email taken by another user an ErrConflict error.
func (db *DB) UpdateUser(ctx context.Context, u *fc.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return db.withTx(ctx, func(tx pgx.Tx, _ time.Time) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET email = $1, email_fold = $2, password_hash = $3, admin = $4,
			roles = $5, businesses = $6, totp_secret = $7, enabled = $8 WHERE id = $9`,
			u.Email, fc.Fold(u.Email), u.PasswordHash, u.Admin, lists(u.Roles), lists(u.Businesses), u.TOTPSecret, u.Enabled, u.ID)
		if err != nil {
			return emailError(u.Email, fmt.Errorf("update user %d: %w", u.ID, err))
		}
		if tag.RowsAffected() == 0 {
			return fc.Errorf(fc.ErrNotFound, "no user with id %d", u.ID)
		}
		return nil
	})
}

// lists returns a non-nil slice: the columns are NOT NULL arrays.
func lists[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// emailError turns the violation of the unique folded email into
// ErrConflict.
func emailError(email string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "users_email_fold_key" {
		return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrConflict, "a user with the email %s already exists", email), err)
	}
	return err
}

// FindUserByID returns the user with the given id or an ErrNotFound error.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*fc.User, error) {
	return scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// FindUserByEmail returns the user with the given email (compared
// case-insensitively) or an ErrNotFound error.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*fc.User, error) {
	return scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email_fold = $1`, fc.Fold(email)))
}

// FindUsers returns every user ordered by id.
func (db *DB) FindUsers(ctx context.Context) ([]*fc.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, classify(fmt.Errorf("list users: %w", err))
	}
	defer rows.Close()
	var users []*fc.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("list users: %w", err))
	}
	return users, nil
}

// scanUser reads one row of userColumns (a pgx.Row or a sqlstore.Row);
// it is the sqlstore.ScanUser of this store.
func scanUser(row sqlstore.Row) (*fc.User, error) {
	var u fc.User
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Admin, &u.Roles, &u.Businesses, &u.TOTPSecret, &u.Enabled, &u.CreatedOn)
	if errors.Is(err, pgx.ErrNoRows) || errors.Is(err, sqlstore.ErrNoRows) {
		return nil, fc.Errorf(fc.ErrNotFound, "no such user")
	}
	if err != nil {
		return nil, classify(fmt.Errorf("read user: %w", err))
	}
	u.CreatedOn = u.CreatedOn.UTC()
	return &u, nil
}
