package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

const userColumns = `id, email, password_hash, admin, roles, businesses, totp_secret, enabled, created_on`

// CreateUser stores u and sets its ID and CreatedOn. An email that is
// already taken (case-insensitively) is an ErrConflict error.
func (db *DB) CreateUser(ctx context.Context, u *fc.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	roles, businesses, err := userLists(u)
	if err != nil {
		return err
	}
	return db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if err := checkEmailFree(ctx, tx, u.Email, 0); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users (email, email_fold, password_hash, admin, roles, businesses, totp_secret, enabled, created_on)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.Email, fc.Fold(u.Email), u.PasswordHash, u.Admin, roles, businesses, u.TOTPSecret, u.Enabled, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		if u.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		u.CreatedOn = now.Truncate(time.Millisecond)
		return nil
	})
}

// UpdateUser saves every field of u but CreatedOn. An unknown ID is an
// ErrNotFound error, an email taken by another user an ErrConflict error.
func (db *DB) UpdateUser(ctx context.Context, u *fc.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	roles, businesses, err := userLists(u)
	if err != nil {
		return err
	}
	return db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if err := checkEmailFree(ctx, tx, u.Email, u.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET email = ?, email_fold = ?, password_hash = ?, admin = ?,
			roles = ?, businesses = ?, totp_secret = ?, enabled = ? WHERE id = ?`,
			u.Email, fc.Fold(u.Email), u.PasswordHash, u.Admin, roles, businesses, u.TOTPSecret, u.Enabled, u.ID)
		if err != nil {
			return fmt.Errorf("update user %d: %w", u.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(fc.Errorf(fc.ErrNotFound, "no user with id %d", u.ID), err)
		}
		return nil
	})
}

// checkEmailFree fails with ErrConflict when another user than id has email.
// The single writer connection makes the check and the write atomic.
func checkEmailFree(ctx context.Context, tx *sql.Tx, email string, id int64) error {
	var other int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email_fold = ?`, fc.Fold(email)).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && other == id):
		return nil
	case err != nil:
		return fmt.Errorf("look up email: %w", err)
	}
	return fc.Errorf(fc.ErrConflict, "a user with the email %s already exists", email)
}

func userLists(u *fc.User) (roles, businesses string, err error) {
	r, err := json.Marshal(append([]string{}, u.Roles...))
	if err != nil {
		return "", "", fmt.Errorf("encode roles: %w", err)
	}
	b, err := json.Marshal(append([]int64{}, u.Businesses...))
	if err != nil {
		return "", "", fmt.Errorf("encode businesses: %w", err)
	}
	return string(r), string(b), nil
}

// FindUserByID returns the user with the given id or an ErrNotFound error.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*fc.User, error) {
	return db.findUser(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
}

// FindUserByEmail returns the user with the given email (compared
// case-insensitively) or an ErrNotFound error.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*fc.User, error) {
	return db.findUser(ctx, `SELECT `+userColumns+` FROM users WHERE email_fold = ?`, fc.Fold(email))
}

func (db *DB) findUser(ctx context.Context, query string, args ...any) (*fc.User, error) {
	var u *fc.User
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = db.scanUser(tx.QueryRowContext(ctx, query, args...))
		return err
	})
	return u, err
}

// FindUsers returns every user ordered by id.
func (db *DB) FindUsers(ctx context.Context) ([]*fc.User, error) {
	var users []*fc.User
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			u, err := db.scanUser(rows)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return rows.Err()
	})
	return users, err
}

// scanUser reads one row of userColumns; the roles and businesses JSON
// goes through db.lists, so a known list is not decoded again.
func (db *DB) scanUser(s sqlstore.Row) (*fc.User, error) {
	var u fc.User
	var roles, businesses string
	var created int64
	err := s.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Admin, &roles, &businesses, &u.TOTPSecret, &u.Enabled, &created)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, sqlstore.ErrNoRows) {
		return nil, fc.Errorf(fc.ErrNotFound, "no such user")
	}
	if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	if u.Roles, err = db.lists.decodeRoles(roles); err != nil {
		return nil, fmt.Errorf("user %d roles: %w", u.ID, err)
	}
	if u.Businesses, err = db.lists.decodeBusinesses(businesses); err != nil {
		return nil, fmt.Errorf("user %d businesses: %w", u.ID, err)
	}
	u.CreatedOn = time.UnixMilli(created).UTC()
	return &u, nil
}
