package searchparams

import (
	"testing"
	"time"
)

func TestParseDateTime(t *testing.T) {
	for _, c := range []struct {
		in         string
		start, end string // RFC 3339 with nanoseconds, UTC
		offset     bool
	}{
		{"2026-01-15", "2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z", false},
		{"2026-12-31", "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z", false},
		{"2024-02-29", "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z", false},
		{"2026-01-15T10:30", "2026-01-15T10:30:00Z", "2026-01-15T10:31:00Z", false},
		{"2026-01-15t10:30", "2026-01-15T10:30:00Z", "2026-01-15T10:31:00Z", false},
		{"2026-01-15 10:30", "2026-01-15T10:30:00Z", "2026-01-15T10:31:00Z", false},
		{"2026-01-15T10:30:59", "2026-01-15T10:30:59Z", "2026-01-15T10:31:00Z", false},
		{"2026-01-15T10:30:00.5", "2026-01-15T10:30:00.5Z", "2026-01-15T10:30:00.6Z", false},
		{"2026-01-15T10:30:00.123456789", "2026-01-15T10:30:00.123456789Z", "2026-01-15T10:30:00.12345679Z", false},
		{"2026-01-15T10:30Z", "2026-01-15T10:30:00Z", "2026-01-15T10:31:00Z", true},
		{"2026-01-15T10:30:00z", "2026-01-15T10:30:00Z", "2026-01-15T10:30:01Z", true},
		{"2026-01-15T10:30+02:00", "2026-01-15T08:30:00Z", "2026-01-15T08:31:00Z", true},
		{"2026-01-15T10:30 02:00", "2026-01-15T08:30:00Z", "2026-01-15T08:31:00Z", true},
		{"2026-01-15T01:30:00-05:30", "2026-01-15T07:00:00Z", "2026-01-15T07:00:01Z", true},
		{"2026-01-01T00:30+01:00", "2025-12-31T23:30:00Z", "2025-12-31T23:31:00Z", true},
		{"2026-01-15Z", "2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z", true},
		{"2026-01-15+02:00", "2026-01-14T22:00:00Z", "2026-01-15T22:00:00Z", true},
		{"2026-01-15-05:00", "2026-01-15T05:00:00Z", "2026-01-16T05:00:00Z", true},
		{"0001-01-01", "0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", false},
		{"9999-12-31", "9999-12-31T00:00:00Z", "10000-01-01T00:00:00Z", false},
	} {
		got, err := parseDateTime(c.in)
		if err != nil {
			t.Errorf("parseDateTime(%q) = %v; want %s", c.in, err, c.start)
			continue
		}
		start, end := got.Start.Format(time.RFC3339Nano), got.End.Format(time.RFC3339Nano)
		if start != c.start || end != c.end || got.HasOffset != c.offset {
			t.Errorf("parseDateTime(%q) = [%s, %s) offset %v; want [%s, %s) offset %v", c.in, start, end, got.HasOffset, c.start, c.end, c.offset)
		}
	}
}

func TestParseDateTimeRejects(t *testing.T) {
	for _, in := range []string{
		"", "2026", "2026-01", "2026-1-15", "26-01-15", "2026-01-15T", "2026-01-15T10", "2026-01-15T10:3",
		"2026-01-15T10:30:", "2026-01-15T10:30:5", "2026-01-15T10:30:00.", "2026-01-15T10:30:00.1234567890",
		"2026-13-01", "2026-00-10", "2026-02-29", "2026-04-31", "2026-01-00", "0000-01-01", "2026-01-15T24:00",
		"2026-01-15T23:60", "2026-01-15T23:59:60", "2026-01-15T10:30+2:00", "2026-01-15T10:30+0200",
		"2026-01-15T10:30+24:00", "2026-01-15T10:30+02:60", "2026-01-15ZZ", "2026-01-15+2:00", "2026-01-15T10:30ZZ",
		"2026-01-15X10:30", "２０２６-01-15", "2026-01-15T10:30:00,5", " 2026-01-15", "2026-01-15T10:30.5",
		"-2026-01-15", "+2026-01-15", "2026-01-15T10:30:00.5.5",
	} {
		if got, err := parseDateTime(in); err == nil {
			t.Errorf("parseDateTime(%q) = [%v, %v); want an error", in, got.Start, got.End)
		}
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, seed := range []string{"2026-01-15", "2026-01-15T10:30", "2026-01-15T10:30:00", "2026-01-15T10:30:00.123Z",
		"2026-01-15T10:30+02:00", "2026-01-15 10:30 02:00", "9999-12-31T23:59:59.999999999-23:59", "2026-02-30", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseDateTime(in)
		if err != nil {
			return
		}
		unit := got.End.Sub(got.Start)
		switch unit {
		case 24 * time.Hour, time.Minute, time.Second, 100 * time.Millisecond, 10 * time.Millisecond, time.Millisecond,
			100 * time.Microsecond, 10 * time.Microsecond, time.Microsecond, 100, 10, 1:
		default:
			t.Fatalf("parseDateTime(%q) unit = %v; want a day, minute, second or decimal fraction", in, unit)
		}
		if got.Start.Location() != time.UTC || got.End.Location() != time.UTC {
			t.Fatalf("parseDateTime(%q) = %v; want UTC times", in, got.Start)
		}
		// Without an offset the value names itself: formatting it back in
		// the same precision gives the input (up to the T separator).
		if !got.HasOffset && len(in) >= 16 && unit == time.Minute {
			if back := got.Start.Format("2006-01-02T15:04"); back[:10] != in[:10] || back[11:] != in[11:] {
				t.Fatalf("parseDateTime(%q) = %s; want the same wall clock", in, back)
			}
		}
	})
}
