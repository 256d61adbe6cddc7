package api

// scanObject is readObject's fast path, one pass over the bodies devices
// send: a single flat object whose keys are the known fields spelled in
// ASCII without escapes, each at most once, and whose values are numbers,
// strings without escapes or control characters, true, false or null,
// with nothing after the object but white space. It fills fields with
// sub-slices of body and reports true. For anything else (another key,
// a nested value, an escape, a duplicate, invalid JSON) it reports false
// and leaves fields partly filled: readObject then runs encoding/json's
// decoder on the body, which accepts or refuses it and words the error.
// So the fast path only has to accept a subset of what the decoder
// accepts, reading the same values (FuzzScanObject checks both).
func scanObject(body []byte, fields *attemptFields) bool {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return skipSpace(body, i+1) == len(body)
	}
	var seen [len(attemptFieldNames)]bool
	for {
		end := plainString(body, i, false)
		if end < 0 {
			return false
		}
		k := asciiFieldIndex(body[i+1 : end-1])
		if k < 0 || seen[k] {
			return false
		}
		i = skipSpace(body, end)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipSpace(body, i+1)
		end = valueEnd(body, i)
		if end < 0 {
			return false
		}
		seen[k], fields[k] = true, body[i:end]
		i = skipSpace(body, end)
		if i >= len(body) {
			return false
		}
		switch body[i] {
		case ',':
			i = skipSpace(body, i+1)
		case '}':
			return skipSpace(body, i+1) == len(body)
		default:
			return false
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// plainString returns the index after the string starting at b[i], or -1
// when b[i] starts no string, or the string has an escape or a control
// character (invalid JSON), or, unless nonASCII, a byte above 0x7f.
func plainString(b []byte, i int, nonASCII bool) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c == '\\' || c < 0x20 || (c >= 0x80 && !nonASCII):
			return -1
		}
	}
	return -1
}

// valueEnd returns the index after the value starting at b[i], or -1 when
// it is not a number, a plain string (see plainString; any UTF-8 is left
// to the field readers), true, false or null.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return plainString(b, i, true)
	case c == '-' || (c >= '0' && c <= '9'):
		return numberEnd(b, i)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return i + len(lit)
		}
	}
	return -1
}

// numberEnd returns the index after the JSON number starting at b[i]
// (-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?), or -1. What
// follows it is the caller's to check.
func numberEnd(b []byte, i int) int {
	digits := func(i int) int { // index after a run of at least one digit, or -1
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(i + 1); i < 0 {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i = digits(i); i < 0 {
			return -1
		}
	}
	return i
}

// asciiFieldIndex is fieldIndex for an ASCII key: its index in
// attemptFieldNames ignoring ASCII case (for ASCII text that is what
// strings.EqualFold does), or -1.
func asciiFieldIndex(key []byte) int {
	for i, name := range attemptFieldNames {
		if len(key) != len(name) {
			continue
		}
		same := true
		for j := 0; j < len(key) && same; j++ {
			a, b := key[j], name[j]
			if 'A' <= a && a <= 'Z' {
				a += 'a' - 'A'
			}
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			same = a == b
		}
		if same {
			return i
		}
	}
	return -1
}
