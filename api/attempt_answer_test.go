package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestAppendOutcomeMatchesJSON: the hand-built answer is byte for byte what
// writeJSON made of outcomeJSON, so replays and older clients see no change.
func TestAppendOutcomeMatchesJSON(t *testing.T) {
	outs := []*fc.Outcome{
		{Accepted: true, ID: 42},
		{Accepted: true, ID: -1},
		{ID: 7, Reason: "OutsideAccessHours", Description: "The coworker's plan does not allow access at this time."},
		{ID: 8, Reason: "", Description: ""},
		{ID: 9, Reason: `we"ird\`, Description: "tab\there <b>&</b> \u2028 é \x01 \xff"},
	}
	for _, out := range outs {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(outcomeJSON(out)); err != nil {
			t.Fatal(err)
		}
		if got := appendOutcome(nil, out); !bytes.Equal(got, buf.Bytes()) {
			t.Errorf("appendOutcome(%+v) = %s; want %s", out, got, buf.Bytes())
		}
	}
}

// TestFieldReadersMatchUnmarshal: the fast readers accept and return exactly
// what json.Unmarshal does, for values the decoder has already checked.
func TestFieldReadersMatchUnmarshal(t *testing.T) {
	values := []string{`0`, `-0`, `12`, `-12`, `9223372036854775807`, `9223372036854775808`, `-9223372036854775809`,
		`1.0`, `1e3`, `"3"`, `true`, `null`, `[1]`, `{}`, `""`, `"abc"`, `"a\"b"`, `"\u00e9"`, `"é"`, "\"\xff\"", `"a\\b"`, `null`}
	for _, v := range values {
		if v == `null` {
			continue // null is absent before either reader runs
		}
		var wantN int64
		wantErr := json.Unmarshal([]byte(v), &wantN)
		if n, ok := jsonInt(json.RawMessage(v)); ok != (wantErr == nil) || (ok && n != wantN) {
			t.Errorf("jsonInt(%s) = %d, %v; json.Unmarshal gives %d, %v", v, n, ok, wantN, wantErr)
		}
		var wantS string
		wantErr = json.Unmarshal([]byte(v), &wantS)
		if s, ok := jsonString(json.RawMessage(v)); ok != (wantErr == nil) || (ok && s != wantS) {
			t.Errorf("jsonString(%s) = %q, %v; json.Unmarshal gives %q, %v", v, s, ok, wantS, wantErr)
		}
	}
}

// BenchmarkParseAttempt: the body parse of every check-in attempt.
func BenchmarkParseAttempt(b *testing.B) {
	body := []byte(`{"BusinessId": 1, "Source": 3, "MacAddresses": "a4-5e-60-c2-19-0b", "FromTime": "2026-07-01T10:00:00Z"}`)
	now := time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseAttempt(body, now); err != nil {
			b.Fatal(err)
		}
	}
}
