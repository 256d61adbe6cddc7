package main

import (
	"strings"
	"testing"
)

// TestServeSMTPFlags: --smtp-url must be an smtp:// URL and needs
// --smtp-from, an address; both are checked before anything starts.
func TestServeSMTPFlags(t *testing.T) {
	for _, tc := range []struct {
		url, from, want string
	}{
		{"smtp://mail.example.com", "", "--smtp-from"},
		{"http://mail.example.com", "alerts@example.com", "--smtp-url"},
		{"smtp://mail.example.com", "Alerts <alerts@example.com>", "--smtp-from"},
		{"smtp://u:p@mail.example.com:2525", "alerts@example.com", ""},
	} {
		c := defaultServeConfig()
		c.SMTPURL, c.SMTPFrom = tc.url, tc.from
		err := c.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("--smtp-url %q --smtp-from %q: %v; want an error naming %q", tc.url, tc.from, err, tc.want)
		}
	}
}
