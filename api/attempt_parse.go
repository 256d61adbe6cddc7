package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	fc "github.com/failedcheckins/failedcheckins"
)

// minFromTime is the earliest FromTime an attempt may carry. Older times
// are device clocks that were never set (0001-01-01 is Go's and .NET's
// zero time); storing them would only hide the attempt from every
// sensible date range, and years before 1 cannot be stored at all.
func minFromTime() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }

// maxAttemptedValue bounds an AttemptedValue echoed back to the client.
const maxAttemptedValue = 100

// bodyProperty is the PropertyName of an error about the whole body.
const bodyProperty = "body"

// attemptExample shows a well-formed body in error messages.
const attemptExample = `{"BusinessId": 1001, "Source": 2, "CoworkerId": 100001}`

// attemptFieldNames are the body's fields as docs/checkins.md spells them;
// other spellings in another case are the same field, as encoding/json
// would read them, so that a duplicate in another case is still caught.
var attemptFieldNames = [...]string{"BusinessId", "Source", "CoworkerId", "MacAddresses", "AccessCardId", "FromTime"}

// parseAttempt reads and validates the body of POST /api/spaces/checkins;
// every problem is a 400 (or 413 for an oversized body), never a 500.
// The body must be exactly one JSON object, each field at most once;
// unknown fields are ignored, as Nexudus clients send extras.
func parseAttempt(body []byte, now time.Time) (*fc.Attempt, error) {
	var fields attemptFields
	if err := readObject(body, &fields); err != nil {
		return nil, err
	}
	a := &fc.Attempt{FromTime: now.UTC().Truncate(time.Second)}
	var bad []fc.FieldError
	add := func(fe *fc.FieldError) {
		if fe != nil {
			bad = append(bad, *fe)
		}
	}
	add(requiredInt(fields[fieldBusinessID], "BusinessId", &a.BusinessID))
	add(source(fields[fieldSource], &a.Source))
	add(optionalInt(fields[fieldCoworkerID], "CoworkerId", &a.CoworkerID))
	add(optionalString(fields[fieldMacAddresses], "MacAddresses", &a.MacAddresses))
	add(optionalString(fields[fieldAccessCardID], "AccessCardId", &a.AccessCardID))
	add(fromTime(fields[fieldFromTime], &a.FromTime))
	if len(bad) > 0 {
		return nil, fc.InvalidFields(bad)
	}
	return a, a.Validate(now)
}

// Indexes of attemptFieldNames in attemptFields.
const (
	fieldBusinessID = iota
	fieldSource
	fieldCoworkerID
	fieldMacAddresses
	fieldAccessCardID
	fieldFromTime
)

// attemptFields holds the raw value of each known field, indexed like
// attemptFieldNames: a fixed array rather than a map, as this runs on
// every check-in attempt.
type attemptFields [len(attemptFieldNames)]json.RawMessage

// readObject splits a body holding exactly one JSON object into its known
// fields. Trailing data and duplicate keys (known or not) are refused: a
// body that two JSON readers could understand differently is not
// recorded. The bodies devices send are read in one pass by scanObject;
// any other is tokenised once by encoding/json's decoder. The field
// readers below convert the common values without a second JSON pass.
func readObject(body []byte, fields *attemptFields) error {
	if scanObject(body, fields) {
		return nil
	}
	*fields = attemptFields{}
	return decodeObject(body, fields)
}

// decodeObject is readObject with encoding/json's decoder, for any body.
func decodeObject(body []byte, fields *attemptFields) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return malformedBody(body, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return bodyError("must be a JSON object such as "+attemptExample, body)
	}
	var seen [len(attemptFieldNames)]bool
	var unknown map[string]bool // made only when a body has extra fields
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformedBody(body, err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return malformedBody(body, err)
		}
		key, ok := tok.(string)
		if !ok {
			return bodyError("must be a JSON object such as "+attemptExample, body)
		}
		dup := false
		if i := fieldIndex(key); i >= 0 {
			dup, seen[i], fields[i] = seen[i], true, raw
			key = attemptFieldNames[i]
		} else {
			if unknown == nil {
				unknown = map[string]bool{}
			}
			dup, unknown[key] = unknown[key], true
		}
		if dup {
			if key == "" {
				key = bodyProperty // an empty key, twice
			}
			return fc.InvalidFields([]fc.FieldError{{Property: key,
				Message: "appears more than once in the body; give each field once", AttemptedValue: attempted(raw)}})
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return malformedBody(body, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return bodyError("must be one JSON object with nothing after it", body)
	}
	return nil
}

// fieldIndex is the index in attemptFieldNames of key in any case, as
// encoding/json would match it, or -1 for another field.
func fieldIndex(key string) int {
	for i, name := range attemptFieldNames {
		if strings.EqualFold(key, name) {
			return i
		}
	}
	return -1
}

// malformedBody describes a body that is not JSON at all; an oversized
// body keeps its own error (413).
func malformedBody(body []byte, err error) error {
	if maxErr := (*http.MaxBytesError)(nil); errors.As(err, &maxErr) {
		return err
	}
	msg := "must be a JSON object such as " + attemptExample
	if syn := (*json.SyntaxError)(nil); errors.As(err, &syn) {
		msg = fmt.Sprintf("is not valid JSON (at byte %d): %s", syn.Offset, syn.Error())
	} else if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		msg = "ends before the JSON object does; send one object such as " + attemptExample
	}
	return bodyError(msg, body)
}

func bodyError(msg string, body []byte) error {
	return fc.InvalidFields([]fc.FieldError{{Property: bodyProperty, Message: msg, AttemptedValue: attempted(body)}})
}

// attempted is a raw JSON value as echoed in AttemptedValue: at most
// maxAttemptedValue bytes, invalid UTF-8 replaced.
func attempted(raw []byte) string {
	v := string(bytes.TrimSpace(raw))
	if len(v) > maxAttemptedValue {
		cut := maxAttemptedValue
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut] + "..."
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}

// isAbsent reports a field that is missing or null.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// jsonInt reads a whole number from one JSON value the decoder has
// already checked: for such a value strconv.ParseInt accepts exactly what
// json.Unmarshal into an int64 does (a number literal without fraction or
// exponent, in range), without scanning it again.
func jsonInt(raw json.RawMessage) (int64, bool) {
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	return n, err == nil
}

// jsonString reads a JSON string value. A string without escapes in valid
// UTF-8 (what devices send) is its own text; anything else goes through
// encoding/json, which undoes escapes and replaces invalid UTF-8.
func jsonString(raw json.RawMessage) (string, bool) {
	v := bytes.TrimSpace(raw)
	if n := len(v); n >= 2 && v[0] == '"' && v[n-1] == '"' {
		if inner := v[1 : n-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return string(inner), true
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func requiredInt(raw json.RawMessage, name string, dst *int64) *fc.FieldError {
	if isAbsent(raw) {
		return &fc.FieldError{Property: name, Message: "is required: a whole number", AttemptedValue: attempted(raw)}
	}
	n, ok := jsonInt(raw)
	if !ok {
		return &fc.FieldError{Property: name, Message: "must be a whole number", AttemptedValue: attempted(raw)}
	}
	*dst = n
	return nil
}

func optionalInt(raw json.RawMessage, name string, dst **int64) *fc.FieldError {
	if isAbsent(raw) {
		return nil
	}
	n, ok := jsonInt(raw)
	if !ok {
		return &fc.FieldError{Property: name, Message: "must be a whole number", AttemptedValue: attempted(raw)}
	}
	*dst = &n
	return nil
}

func optionalString(raw json.RawMessage, name string, dst *string) *fc.FieldError {
	if isAbsent(raw) {
		return nil
	}
	s, ok := jsonString(raw)
	if !ok {
		return &fc.FieldError{Property: name, Message: "must be text in double quotes", AttemptedValue: attempted(raw)}
	}
	*dst = s
	return nil
}

// source reads Source, which docs/checkins.md always gives: 0-5 or a name.
func source(raw json.RawMessage, dst *fc.Source) *fc.FieldError {
	const want = "0-5 or a source name such as DoorAccess"
	if isAbsent(raw) {
		return &fc.FieldError{Property: "Source", Message: "is required: " + want, AttemptedValue: attempted(raw)}
	}
	if n, ok := jsonInt(raw); ok && n >= math.MinInt && n <= math.MaxInt && fc.Source(n).Valid() {
		*dst = fc.Source(n)
		return nil
	}
	if name, ok := jsonString(raw); ok {
		if s, err := fc.ParseSource(name); err == nil {
			*dst = s
			return nil
		}
	}
	return &fc.FieldError{Property: "Source", Message: "must be " + want, AttemptedValue: attempted(raw)}
}

// fromTime reads FromTime; absent keeps the default (now).
func fromTime(raw json.RawMessage, dst *time.Time) *fc.FieldError {
	if isAbsent(raw) {
		return nil
	}
	bad := &fc.FieldError{Property: "FromTime", Message: "must be a time such as 2026-03-29T00:30:00Z", AttemptedValue: attempted(raw)}
	s, ok := jsonString(raw)
	if !ok {
		return bad
	}
	t, err := fc.ParseRFC3339(s)
	if err != nil {
		return bad
	}
	if t.Before(minFromTime()) {
		bad.Message = "must be " + minFromTime().Format(time.RFC3339) + " or later (an older time is a device clock that was never set)"
		return bad
	}
	*dst = t.UTC().Truncate(time.Second)
	return nil
}
