package failedcheckins

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAttemptValidateSizes: the identities a device sends are bounded, as
// they are stored with every record (twice for a FailedCheckin).
func TestAttemptValidateSizes(t *testing.T) {
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	macs := func(n int) string {
		list := make([]string, n)
		for i := range list {
			list[i] = fmt.Sprintf("a4-5e-60-c2-%02x-%02x", i/256, i%256)
		}
		return strings.Join(list, ",")
	}
	tests := []struct {
		name, macs, card string
		wantErr          string // "" means valid
	}{
		{"32 MACs", macs(32), "", ""},
		{"33 MACs", macs(33), "", "at most 32"},
		{"58,000 MACs", macs(58_000), "", "at most 32"},
		{"32 MACs over 1000 bytes", strings.ReplaceAll(macs(32), ",", strings.Repeat(" ", 20)+","), "", "at most 1000"},
		// The refusal keeps the list as sent: whitespace that TrimSpace
		// takes but a record cannot hold was a 500 that split its batch.
		{"tab before a MAC", "\ta4-5e-60-c2-19-0c", "", "control characters"},
		{"NEL after a MAC", "a4-5e-60-c2-19-0c\u0085", "", "control characters"},
		{"a MAC and 990 spaces", "a4-5e-60-c2-19-0c" + strings.Repeat(" ", 990), "", "at most 1000"},
		{"64-byte card", "", strings.Repeat("c", 64), ""},
		{"65-byte card", "", strings.Repeat("c", 65), "at most 64"},
		{"1 MiB card", "", strings.Repeat("c", 1<<20), "at most 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Attempt{BusinessID: 1, Source: SourceDoorAccess, MacAddresses: tt.macs, AccessCardID: tt.card, FromTime: now}
			err := a.Validate(now)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (ErrorCode(err) != ErrInvalid || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate = %v; want %q", err, tt.wantErr)
			}
			if err != nil && len(err.Error()) > 400 {
				t.Errorf("error of %d bytes echoes the value; want a short message", len(err.Error()))
			}
		})
	}
}
