package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestSignatures: the signatures written piece by piece are the
// library's (Standard Webhooks) and the plain HMAC's (Nexudus), for a
// generated secret, for one that is not base64, and for "whsec_" (an
// empty key, which the library refuses: keyed with the secret's bytes).
func TestSignatures(t *testing.T) {
	body := []byte(`[{"Id":42,"Description":"caf\u00e9"}]`)
	at := time.Unix(1_780_000_000, 0)
	for _, secret := range []string{fc.NewWebhookSecret(), "not base64: a secret set by hand", fc.WebhookSecretPrefix} {
		sw, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			sw, err = standardwebhooks.NewWebhookRaw([]byte(secret))
		}
		if err != nil {
			t.Fatal(err)
		}
		want, err := sw.Sign("msg_x_1_2", at, body)
		if err != nil {
			t.Fatal(err)
		}
		if got := StandardSignature(secret, "msg_x_1_2", strconv.FormatInt(at.Unix(), 10), body); got != want {
			t.Errorf("StandardSignature(%q) = %s; want %s", secret, got, want)
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if got, want := NexudusSignature(secret, body), strings.ToUpper(hex.EncodeToString(mac.Sum(nil))); got != want {
			t.Errorf("NexudusSignature(%q) = %s; want %s", secret, got, want)
		}
	}
}
