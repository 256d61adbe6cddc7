package failedcheckins

import (
	"context"
	"strings"
	"time"
)

// User is a person or a client program allowed to call the API
// (docs/api.md#authentication). Passwords are kept only as hashes (see HashPassword).
type User struct {
	ID    int64
	Email string
	// PasswordHash is an argon2id hash in PHC form, never the password.
	PasswordHash string
	// Admin marks a full administrator: every role, every location.
	Admin bool
	// Roles are <Entity>-<Action> names, matched case-insensitively.
	Roles []string
	// Businesses are the locations a non-administrator may see.
	Businesses []int64
	// TOTPSecret is the base32 secret of two-factor authentication, or ""
	// when the user has none. It is a shared secret and cannot be hashed.
	TOTPSecret string
	// Enabled is false for a disabled user, whose credentials and tokens
	// stop working at once.
	Enabled bool
	// MaskPersonalData makes the user see CoworkerFullName, MacAddresses
	// and TeamsAtTheTimeOfCheckin masked on every channel, and refuses
	// filtering or sorting by them (Caller.Restrict, docs/api.md#masked-users).
	MaskPersonalData bool
	CreatedOn        time.Time
}

// Caller returns what an authenticated user may do: every role and every
// location for an administrator, the user's roles and locations otherwise
// (nothing at all for a user bound to no location).
func (u *User) Caller() *Caller {
	c := &Caller{UserID: u.ID, Email: u.Email, Admin: u.Admin, Roles: append([]string(nil), u.Roles...),
		MaskPersonalData: u.MaskPersonalData}
	if u.Admin {
		c.Scope = AllBusinesses()
	} else {
		c.Scope = BusinessScope(u.Businesses...)
	}
	return c
}

// Validate checks the fields a store does not check itself and returns an
// ErrInvalid error naming every bad one.
func (u *User) Validate() error {
	var fields []FieldError
	if !validEmail(u.Email) {
		fields = append(fields, FieldError{Property: "Email", Message: "must be an email address", AttemptedValue: ShortValue(u.Email)})
	} else if fe := EmailText.Check("Email", u.Email); fe != nil {
		fields = append(fields, *fe) // a NUL or broken UTF-8: no store could look it up
	}
	if u.PasswordHash == "" {
		fields = append(fields, FieldError{Property: "Password", Message: "must not be empty"})
	}
	for _, r := range u.Roles {
		if !validRole(r) {
			fields = append(fields, FieldError{Property: "Roles", Message: "must be named Entity-Action", AttemptedValue: r})
		}
	}
	for _, b := range u.Businesses {
		if b <= 0 {
			fields = append(fields, FieldError{Property: "Businesses", Message: "must be positive location ids"})
			break
		}
	}
	if len(fields) > 0 {
		return InvalidFields(fields)
	}
	return nil
}

// validEmail is deliberately loose: the email is a login name, not a
// mailbox we write to, so it only has to look like one and have no spaces.
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && len(s) <= 254 && !strings.ContainsAny(s, " \t\r\n,:")
}

func validRole(r string) bool {
	entity, action, ok := strings.Cut(r, "-")
	return ok && entity != "" && action != "" && !strings.ContainsAny(r, " \t\r\n,")
}

// UserStore keeps users. Email addresses are unique case-insensitively
// (after Fold).
type UserStore interface {
	// CreateUser stores u and sets its ID and CreatedOn; a taken email is an
	// ErrConflict error.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns the user or an ErrNotFound error.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByEmail finds the user case-insensitively or returns an
	// ErrNotFound error.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// FindUsers returns every user, ordered by ID.
	FindUsers(ctx context.Context) ([]*User, error)
	// UpdateUser saves every field of u (found by ID) but CreatedOn; an
	// unknown ID is an ErrNotFound error.
	UpdateUser(ctx context.Context, u *User) error
}
