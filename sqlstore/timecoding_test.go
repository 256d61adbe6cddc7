package sqlstore

import (
	"testing"
	"time"
)

// TestTimeCodingRoundTrip stores and reads back an instant in every
// coding, as the driver would hand the stored value back.
func TestTimeCodingRoundTrip(t *testing.T) {
	in := time.Date(2026, 3, 29, 1, 30, 15, 123456789, time.FixedZone("x", 3600))
	for c, want := range map[TimeCoding]time.Time{
		UnixSeconds:     time.Date(2026, 3, 29, 0, 30, 15, 0, time.UTC),
		UnixMillis:      time.Date(2026, 3, 29, 0, 30, 15, 123000000, time.UTC),
		Timestamp:       in.UTC(),
		TimestampMillis: time.Date(2026, 3, 29, 0, 30, 15, 123000000, time.UTC),
	} {
		var got time.Time
		if err := c.Dest(&got).(*timeDest).Scan(c.Value(in)); err != nil {
			t.Fatalf("coding %d: %v", c, err)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("coding %d: %v, want %v in UTC", c, got, want)
		}
		var opt *time.Time
		if err := c.OptionalDest(&opt).(*timeDest).Scan(c.Optional(nil)); err != nil || opt != nil {
			t.Errorf("coding %d: NULL read as %v, %v", c, opt, err)
		}
	}
	// No guessing: a value of the other kind is an error, not a time.
	var got time.Time
	if err := UnixSeconds.Dest(&got).(*timeDest).Scan(time.Now()); err == nil {
		t.Error("a timestamp read as Unix seconds")
	}
	if err := Timestamp.Dest(&got).(*timeDest).Scan(int64(5)); err == nil {
		t.Error("an integer read as a timestamp")
	}
	if err := Timestamp.Dest(&got).(*timeDest).Scan(nil); err == nil {
		t.Error("NULL read into a NOT NULL time")
	}
	if w := UnixSeconds.Wall(in); w != time.Date(2026, 3, 29, 1, 30, 15, 0, time.UTC).Unix() {
		t.Errorf("wall clock of %v stored as %v", in, w)
	}
}
