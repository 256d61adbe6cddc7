package main

import (
	"context"
	"fmt"
	"io"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
)

// findUser looks a user up by email with an error a person can act on.
func findUser(ctx context.Context, db store, email string) (*fc.User, error) {
	u, err := db.FindUserByEmail(ctx, email)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		return nil, fc.Errorf(fc.ErrNotFound, "no user with the email %s (see: failedcheckins users list)", email)
	}
	return u, err
}

// setEnabled disables or enables a user. A disabled user's tokens and
// Basic credentials stop working at the next request, since every request
// checks the flag; disabling also revokes the tokens and ends the console
// sessions (as users passwd does), so that enabling the user again does
// not bring back sessions that may have been the reason for disabling.
func setEnabled(ctx context.Context, db store, email string, enabled bool, stdout io.Writer) error {
	u, err := findUser(ctx, db, email)
	if err != nil {
		return err
	}
	u.Enabled = enabled
	if err := db.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("update %s: %w", email, err)
	}
	if !enabled {
		if err := db.DeleteUserTokens(ctx, u.ID); err != nil {
			return fmt.Errorf("revoke the tokens of %s: %w", email, err)
		}
		fmt.Fprintf(stdout, "%s is now disabled; its tokens are revoked and its console sessions ended\n", u.Email)
		return nil
	}
	fmt.Fprintf(stdout, "%s is now enabled\n", u.Email)
	return nil
}

// changePassword sets a new password read from stdin, revokes the user's
// tokens and ends their console sessions, so whoever signed in with the
// old (perhaps leaked) password is out. The command line has no session
// of its own to keep.
func changePassword(ctx context.Context, db store, email string, stdin io.Reader, stdout io.Writer) error {
	u, err := findUser(ctx, db, email)
	if err != nil {
		return err
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	if u.PasswordHash, err = fc.HashPassword(password); err != nil {
		return fmt.Errorf("users passwd: %w", err)
	}
	if err := db.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("update %s: %w", email, err)
	}
	if err := db.DeleteUserTokens(ctx, u.ID); err != nil {
		return fmt.Errorf("revoke the tokens of %s: %w", email, err)
	}
	fmt.Fprintf(stdout, "changed the password of %s; its tokens are revoked and its console sessions ended\n", u.Email)
	return nil
}

// enableTOTP gives the user a new two-factor secret (replacing any old
// one) and prints the otpauth:// URI to load into an authenticator app.
func enableTOTP(ctx context.Context, db store, email string, stdout io.Writer) error {
	u, err := findUser(ctx, db, email)
	if err != nil {
		return err
	}
	secret, uri, err := signin.NewTOTPSecret(u.Email)
	if err != nil {
		return err
	}
	u.TOTPSecret = secret
	if err := db.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("update %s: %w", email, err)
	}
	fmt.Fprintf(stdout, "two-factor sign-in is on for %s; add this to an authenticator app:\n%s\n", u.Email, uri)
	fmt.Fprintln(stdout, "token requests must now also send totp=<the 6-digit code>")
	return nil
}

// setMasked turns masking of personal data on or off for a user
// (docs/api.md#masked-users). Every request reads the user afresh, so the
// change applies from the user's next request on, tokens and console
// sessions included: none has to be revoked.
func setMasked(ctx context.Context, db store, email string, mask bool, stdout io.Writer) error {
	u, err := findUser(ctx, db, email)
	if err != nil {
		return err
	}
	u.MaskPersonalData = mask
	if err := db.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("update %s: %w", email, err)
	}
	if mask {
		fmt.Fprintf(stdout, "%s now sees names as initials, MAC addresses as their last two octets and no teams, and may not filter or sort by them\n", u.Email)
		return nil
	}
	fmt.Fprintf(stdout, "%s now sees personal data unmasked\n", u.Email)
	return nil
}
