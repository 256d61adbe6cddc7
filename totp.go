package failedcheckins

import (
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpOptions are the usual authenticator-app settings (RFC 6238: SHA-1,
// six digits, 30-second steps), accepting one step of clock drift.
func totpOptions() totp.ValidateOpts {
	return totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
}

// NewTOTPSecret creates a two-factor secret for email and returns the
// base32 secret to store and the otpauth:// URI to show as a QR code.
func NewTOTPSecret(email string) (secret, uri string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "failedcheckins", AccountName: email})
	if err != nil {
		return "", "", fmt.Errorf("generate TOTP secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// CheckTOTP reports whether code is valid for secret at now.
func CheckTOTP(secret, code string, now time.Time) bool {
	ok, err := totp.ValidateCustom(code, secret, now, totpOptions())
	return err == nil && ok
}

// TOTPCode returns the code of secret at now; tests and tools use it.
func TOTPCode(secret string, now time.Time) (string, error) {
	code, err := totp.GenerateCodeCustom(secret, now, totpOptions())
	if err != nil {
		return "", fmt.Errorf("TOTP code: %w", err)
	}
	return code, nil
}
