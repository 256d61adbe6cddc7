package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// jsonOf is v as writeJSON's encoder writes it, without the final newline.
func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// pieces of the random strings: the characters encoding/json treats
// specially (HTML, the JavaScript line separators, control characters,
// quote and backslash), valid multi-byte runes and invalid UTF-8 (a lone
// continuation byte, a truncated sequence, an encoded surrogate, an
// overlong form, 0xff).
var jsonPieces = []string{
	"a", "Z", "0", " ", "<", ">", "&", "\"", "\\", "/", "'", "\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f",
	"\x7f", "é", "Ж", "😀", "\u2028", "\u2029", "\u2027", "\u202a", "\ufffd", "\x80", "\xc3", "\xe2\x80", "\xed\xa0\x80",
	"\xc0\xaf", "\xff", "ATION 003", "e6:7", "Desk Annual",
}

func randomJSONString(rng *rand.Rand) string {
	var sb strings.Builder
	for range rng.IntN(12) {
		if rng.IntN(8) == 0 {
			sb.WriteByte(byte(rng.IntN(256)))
			continue
		}
		sb.WriteString(jsonPieces[rng.IntN(len(jsonPieces))])
	}
	return sb.String()
}

// TestAppendJSONString holds appendJSONString to encoding/json with
// SetEscapeHTML(false) (writeJSON's encoder), byte for byte.
func TestAppendJSONString(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 1))
	cases := append([]string{}, jsonPieces...)
	for c := range 256 {
		cases = append(cases, string([]byte{byte(c)}), "x"+string([]byte{byte(c)})+"y")
	}
	for range 20000 {
		cases = append(cases, randomJSONString(rng))
	}
	for _, s := range cases {
		if got, want := appendJSONString([]byte("prefix"), s), append([]byte("prefix"), jsonOf(t, s)...); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s; want %s", s, got, want)
		}
	}
}

// TestAppendJSONStringWords puts every byte value, and the first byte of
// U+2028 and of a two-byte rune, at every place of plain strings 8 to 24
// bytes long, so that each lands in every position of a word plainWord
// tests at once, and in the tail it does not.
func TestAppendJSONStringWords(t *testing.T) {
	const plain = "abcdefghijklmnopqrstuvwx"
	var pieces []string
	for c := range 256 {
		pieces = append(pieces, string([]byte{byte(c)}))
	}
	pieces = append(pieces, "\u2028", "é", "\u2029z")
	for n := 8; n <= len(plain); n++ {
		for at := range n {
			for _, p := range pieces {
				s := plain[:at] + p + plain[at:n]
				if got, want := appendJSONString(nil, s), jsonOf(t, s); !bytes.Equal(got, want) {
					t.Fatalf("appendJSONString(%q) = %s; want %s", s, got, want)
				}
			}
		}
	}
	for c := range 256 { // plainWord alone, a byte among plain ones
		for at := range 8 {
			w := []byte("abcdefgh")
			w[at] = byte(c)
			if got, want := plainWord(loadWord(string(w))), c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; got != want {
				t.Fatalf("plainWord(%q) = %v; want %v", w, got, want)
			}
		}
	}
}

// TestClockDates writes runs of times through one clock as a page does:
// the same day again (its kept date), days that share a place among the
// kept ones (4 apart), days before 1970 and around leap days, each
// compared with formatUTC and formatLocal.
func TestClockDates(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 5))
	var k clock
	starts := []time.Time{time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 25, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 26, 0, 0, 0, 0, time.UTC), time.Date(2000, 2, 27, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 20, 0, 0, 0, 0, time.UTC)}
	for range 20000 {
		start := starts[rng.IntN(len(starts))]
		at := start.Add(time.Duration(rng.IntN(12)) * 24 * time.Hour).Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
		if at.Year() > 9999 {
			continue
		}
		want := `"` + formatUTC(at) + `"`
		if got := k.appendUTC([]byte{}, at); string(got) != want {
			t.Fatalf("appendUTC(%v) = %s; want %s", at, got, want)
		}
		want = `"` + formatLocal(at) + `"`
		if got := k.appendLocal([]byte{}, at); string(got) != want {
			t.Fatalf("appendLocal(%v) = %s; want %s", at, got, want)
		}
	}
}

// TestClockDatesFresh writes each time with a clock of its own, so that
// its slot was never filled: a day whose key was the empty slot's 0
// (1969-12-31 when the key counted from 1970) came out as ten NUL bytes
// (wt-E's review).
func TestClockDatesFresh(t *testing.T) {
	for _, at := range []time.Time{time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.FixedZone("", 5*3600)).UTC()} {
		var k clock
		if got, want := string(k.appendUTC(nil, at)), `"`+formatUTC(at)+`"`; got != want {
			t.Errorf("appendUTC(%v) = %q; want %q", at, got, want)
		}
		var l clock
		if got, want := string(l.appendLocal(nil, at)), `"`+formatLocal(at)+`"`; got != want {
			t.Errorf("appendLocal(%v) = %q; want %q", at, got, want)
		}
	}
}

func randomTime(rng *rand.Rand) time.Time {
	switch rng.IntN(20) {
	case 0: // years Format writes with a sign or more digits, year 0, and the ends of the years 1-9999
		return []time.Time{
			time.Date(-5, 3, 4, 5, 6, 7, 0, time.UTC), time.Date(0, 12, 31, 23, 59, 59, 999, time.UTC),
			time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(12345, 3, 4, 5, 6, 7, 0, time.UTC),
		}[rng.IntN(6)]
	case 1: // a zone other than UTC: appendUTC converts, appendLocal does not
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(time.FixedZone("x", -5*3600-30*60))
	case 2: // any second of the years 1-9999 (leap years, centuries)
		return time.Unix(-62135596800+rng.Int64N(253402300800+62135596800), rng.Int64N(1e9)).UTC()
	}
	return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).UTC()
}

func maybe[T any](rng *rand.Rand, v T) *T {
	if rng.IntN(3) == 0 {
		return nil
	}
	return &v
}

func randomFailedCheckin(rng *rand.Rand) *fc.FailedCheckin {
	return &fc.FailedCheckin{
		ID: rng.Int64(), UniqueID: randomJSONString(rng), CoworkerID: maybe(rng, rng.Int64N(1e6)-10),
		CoworkerFullName: randomJSONString(rng), BusinessID: rng.Int64N(2000), BusinessName: randomJSONString(rng),
		CheckinAttemptTime: randomTime(rng), Source: fc.Source(rng.IntN(8)), MacAddresses: randomJSONString(rng),
		Teams: randomJSONString(rng), Tariff: randomJSONString(rng), Description: randomJSONString(rng),
		CheckinAttemptTimeLocal: randomTime(rng), CreatedOn: randomTime(rng), UpdatedOn: randomTime(rng),
		UpdatedBy: maybe(rng, randomJSONString(rng)), SystemID: maybe(rng, randomJSONString(rng)),
		Reason: maybe(rng, randomJSONString(rng)), ResolvedByCheckinID: maybe(rng, rng.Int64()),
		ResolvedOn: maybe(rng, randomTime(rng)),
	}
}

func randomCheckin(rng *rand.Rand) *fc.Checkin {
	return &fc.Checkin{
		ID: rng.Int64(), UniqueID: randomJSONString(rng), CoworkerID: rng.Int64N(1e6) - 10,
		CoworkerFullName: randomJSONString(rng), BusinessID: rng.Int64N(2000), BusinessName: randomJSONString(rng),
		Source: fc.Source(rng.IntN(8)), FromTime: randomTime(rng), ToTime: maybe(rng, randomTime(rng)),
		FromTimeLocal: randomTime(rng), ToTimeLocal: maybe(rng, randomTime(rng)), MacAddresses: randomJSONString(rng),
		Teams: randomJSONString(rng), Tariff: randomJSONString(rng), CreatedOn: randomTime(rng), UpdatedOn: randomTime(rng),
		UpdatedBy: maybe(rng, randomJSONString(rng)), SystemID: maybe(rng, randomJSONString(rng)),
	}
}

func randomPageQuery(rng *rand.Rand) fc.Query {
	return fc.Query{
		OrderBy: fc.Field(randomJSONString(rng)), Descending: rng.IntN(2) == 0,
		Page: []int64{1, 2, rng.Int64N(1e6), 1 << 62}[rng.IntN(4)], Size: 1 + rng.IntN(fc.MaxPageSize),
	}
}

// pageCallers are the callers whose pages are compared: none (the
// command line), an administrator, a location manager, and a manager
// who sees personal data masked.
var pageCallers = []*fc.Caller{
	nil,
	{UserID: 1, Admin: true, Scope: fc.AllBusinesses()},
	{UserID: 2, Roles: []string{"manager"}},
	{UserID: 3, Roles: []string{"manager"}, MaskPersonalData: true},
}

// recordedPage is the status, headers and body a page writer answers.
func recordedPage(write func(http.ResponseWriter)) (int, http.Header, []byte) {
	w := httptest.NewRecorder()
	write(w)
	return w.Code, w.Header(), w.Body.Bytes()
}

// comparePages checks that the hand-written page (the handlers' path)
// answers what writeJSON of newPageJSON with the wire structs answered
// before it, for every caller.
func comparePages[R, T any](t *testing.T, rng *rand.Rand, random func(*rand.Rand) R,
	appender func(*fc.Caller) func([]byte, R) []byte, toWire func(*fc.Caller) func(R) T) {
	t.Helper()
	for round := range 300 {
		records := make([]R, rng.IntN(40))
		if round%50 == 0 {
			records = make([]R, 1000)
		}
		for i := range records {
			records[i] = random(rng)
		}
		q, total := randomPageQuery(rng), rng.Int64N(2e6)
		for _, caller := range pageCallers {
			oldStatus, oldHeader, oldBody := recordedPage(func(w http.ResponseWriter) {
				writeJSON(w, http.StatusOK, newPageJSON(q, records, total, toWire(caller)))
			})
			newStatus, newHeader, newBody := recordedPage(func(w http.ResponseWriter) {
				writeRecordPage(w, q, records, total, appender(caller))
			})
			if newStatus != oldStatus || !equalHeaders(newHeader, oldHeader) {
				t.Fatalf("page status %d headers %v; want %d %v", newStatus, newHeader, oldStatus, oldHeader)
			}
			if !bytes.Equal(newBody, oldBody) {
				i := 0
				for i < min(len(newBody), len(oldBody)) && newBody[i] == oldBody[i] {
					i++
				}
				t.Fatalf("caller %+v, %d records: page differs at byte %d:\n got %.200q\nwant %.200q",
					caller, len(records), i, newBody[max(0, i-80):], oldBody[max(0, i-80):])
			}
		}
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\n") != strings.Join(b[k], "\n") {
			return false
		}
	}
	return true
}

// TestFailedCheckinPageMatchesJSON checks the search page of failed
// check-ins byte for byte against encoding/json of failedCheckinJSON, on
// random records (every optional field nil or set, strings with every
// escape, times in other zones and years), for masked and unmasked callers.
func TestFailedCheckinPageMatchesJSON(t *testing.T) {
	comparePages(t, rand.New(rand.NewPCG(17, 2)), randomFailedCheckin, failedCheckinAppender,
		func(caller *fc.Caller) func(*fc.FailedCheckin) failedCheckinJSON {
			return func(r *fc.FailedCheckin) failedCheckinJSON { return toFailedCheckinJSON(caller.MaskFailedCheckin(r)) }
		})
}

// TestCheckinPageMatchesJSON is TestFailedCheckinPageMatchesJSON for
// check-ins.
func TestCheckinPageMatchesJSON(t *testing.T) {
	comparePages(t, rand.New(rand.NewPCG(17, 3)), randomCheckin, checkinAppender,
		func(caller *fc.Caller) func(*fc.Checkin) checkinJSON {
			return func(c *fc.Checkin) checkinJSON { return toCheckinJSON(caller.MaskCheckin(c)) }
		})
}

// benchmarkPage is a page of 1000 records like the 1M benchmark's
// (plain names and descriptions, most optional fields set).
func benchmarkPage() []*fc.FailedCheckin {
	rng := rand.New(rand.NewPCG(17, 4))
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	records := make([]*fc.FailedCheckin, 1000)
	for i := range records {
		id, coworker, by, sys, reason := int64(i+1), rng.Int64N(50000), "admin@example.com", "sys-123", "OutsideAllowedHours"
		records[i] = &fc.FailedCheckin{
			ID: id, UniqueID: "75e31282-d6c8-496c-b74e-d309f3676b82", CoworkerID: &coworker,
			CoworkerFullName: "Marie-Hélène Dupont", BusinessID: 1001, BusinessName: "Location 003",
			CheckinAttemptTime: at, Source: 2, MacAddresses: "96:65:0C:25:AA:B8, E9:E7:C9:21:00:01",
			Teams: "Atlas, Copper Eagles", Tariff: "Desk Annual", Description: "Outside allowed hours",
			CheckinAttemptTimeLocal: at, CreatedOn: at, UpdatedOn: at, UpdatedBy: &by, SystemID: &sys, Reason: &reason,
		}
	}
	return records
}

// BenchmarkFailedCheckinPage measures writing a page of 1000 records, the
// encoder of the search handler (the hand-written appender since issue 17)
// against the wire structs and encoding/json it replaced.
func BenchmarkFailedCheckinPage(b *testing.B) {
	records, q := benchmarkPage(), fc.Query{OrderBy: "UpdatedOn", Page: 1, Size: 1000}
	caller := &fc.Caller{Admin: true, Scope: fc.AllBusinesses()}
	b.Run("appender", func(b *testing.B) {
		b.ReportAllocs()
		w := httptest.NewRecorder()
		for b.Loop() {
			w.Body.Reset()
			writeRecordPage(w, q, records, 1e6, failedCheckinAppender(caller))
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		w := httptest.NewRecorder()
		for b.Loop() {
			w.Body.Reset()
			writeJSON(w, http.StatusOK, newPageJSON(q, records, 1e6, func(r *fc.FailedCheckin) failedCheckinJSON {
				return toFailedCheckinJSON(caller.MaskFailedCheckin(r))
			}))
		}
	})
}
