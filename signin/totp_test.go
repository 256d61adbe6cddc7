package signin

import (
	"strings"
	"testing"
	"time"
)

func TestTOTP(t *testing.T) {
	secret, uri, err := NewTOTPSecret("ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(uri, "otpauth://totp/failedcheckins:ana@example.com?") || !strings.Contains(uri, "secret="+secret) {
		t.Errorf("URI = %q; want an otpauth://totp URI with the secret", uri)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	code, err := TOTPCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{{now, true}, {now.Add(30 * time.Second), true}, {now.Add(2 * time.Minute), false}} {
		if got := CheckTOTP(secret, code, tc.at); got != tc.want {
			t.Errorf("CheckTOTP(code, %v) = %v; want %v", tc.at, got, tc.want)
		}
	}
	if CheckTOTP(secret, "", now) || CheckTOTP(secret, "abcdef", now) {
		t.Error("CheckTOTP accepted an empty or non-numeric code")
	}
}
