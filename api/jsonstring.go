package api

import "unicode/utf8"

// appendJSONString appends s quoted as encoding/json writes a string with
// SetEscapeHTML(false) (writeJSON's choice): <, > and & as they are; ", \
// and the control characters escaped, \b \f \n \r \t by their short forms
// and the others as \u00xx; every invalid UTF-8 byte as \ufffd; U+2028 and
// U+2029 as \u2028 and \u2029. It is written out rather than left to
// encoding/json because the hand-written answers (the attempt outcome,
// pagejson.go) call it for every string of every record;
// TestAppendJSONString holds it to encoding/json on random strings.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plainWord(loadWord(s[i:i+8])) {
			i += 8
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			if plainJSON[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainJSON marks the ASCII bytes a JSON string holds as they are: all
// but the control characters, " and \. A table, because the test of
// three comparisons per byte was most of appendJSONString's time on a
// page of records, whose strings are nearly all plain.
var plainJSON = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// loadWord returns the first 8 bytes of w as one little-endian word (the
// compiler merges the loads into one).
func loadWord(w string) uint64 {
	_ = w[7]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// plainWord reports whether the 8 bytes of x (loadWord) are all plain
// (plainJSON), testing them at once: a page's strings are nearly all
// plain ASCII, and the test of byte after byte was about half of
// appendJSONString's time on a page of 1000 records. A byte is not plain
// when it is below 0x20, is '"' or '\\', or has its top bit set (not
// ASCII); each test is exact for the word (no byte is reported that is
// not there: Hacker's Delight's "has a byte less than n", n <= 128).
func plainWord(x uint64) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	q, bs := x^'"'*ones, x^'\\'*ones
	return ((x-0x20*ones)&^x|(q-ones)&^q|(bs-ones)&^bs|x)&high == 0
}
