package signin

import (
	"crypto/subtle"
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
	_, ok := MatchTOTP(secret, code, now)
	return ok
}

// MatchTOTP reports whether code is valid for secret at now and, if so,
// the 30-second time step it belongs to (Unix seconds / 30): the current
// step or one on either side, for clock drift. The step is what a sign-in
// claims (LoginFailureStore.ClaimTOTPStep), so that a code once accepted
// is never accepted again (RFC 6238 section 5.2).
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	opts := totpOptions()
	if len(code) != opts.Digits.Length() {
		return 0, false
	}
	for _, skew := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(skew*int64(opts.Period)) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / int64(opts.Period), true
		}
	}
	return 0, false
}

// TOTPCode returns the code of secret at now; tests and tools use it.
func TOTPCode(secret string, now time.Time) (string, error) {
	code, err := totp.GenerateCodeCustom(secret, now, totpOptions())
	if err != nil {
		return "", fmt.Errorf("TOTP code: %w", err)
	}
	return code, nil
}
