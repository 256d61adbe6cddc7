package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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

// attemptFieldNames are the body's fields as CHECKINS.md spells them;
// other spellings in another case are the same field, as encoding/json
// would read them, so that a duplicate in another case is still caught.
var attemptFieldNames = [...]string{"BusinessId", "Source", "CoworkerId", "MacAddresses", "AccessCardId", "FromTime"}

// parseAttempt reads and validates the body of POST /api/spaces/checkins;
// every problem is a 400 (or 413 for an oversized body), never a 500.
// The body must be exactly one JSON object, each field at most once;
// unknown fields are ignored, as Nexudus clients send extras.
func parseAttempt(body []byte, now time.Time) (*fc.Attempt, error) {
	fields, err := readObject(body)
	if err != nil {
		return nil, err
	}
	a := &fc.Attempt{FromTime: now.UTC().Truncate(time.Second)}
	var bad []fc.FieldError
	add := func(fe *fc.FieldError) {
		if fe != nil {
			bad = append(bad, *fe)
		}
	}
	add(requiredInt(fields, "BusinessId", &a.BusinessID))
	add(source(fields, &a.Source))
	add(optionalInt(fields, "CoworkerId", &a.CoworkerID))
	add(optionalString(fields, "MacAddresses", &a.MacAddresses))
	add(optionalString(fields, "AccessCardId", &a.AccessCardID))
	add(fromTime(fields, &a.FromTime))
	if len(bad) > 0 {
		return nil, fc.InvalidFields(bad)
	}
	return a, a.Validate(now)
}

// readObject splits a body holding exactly one JSON object into its
// fields. Trailing data and duplicate keys are refused: a body that two
// JSON readers could understand differently is not recorded.
func readObject(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, malformedBody(body, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, bodyError("must be a JSON object such as "+attemptExample, body)
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformedBody(body, err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, malformedBody(body, err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, bodyError("must be a JSON object such as "+attemptExample, body)
		}
		name := canonicalField(key)
		if _, dup := fields[name]; dup {
			if name == "" {
				name = bodyProperty // an empty key, twice
			}
			return nil, fc.InvalidFields([]fc.FieldError{{Property: name,
				Message: "appears more than once in the body; give each field once", AttemptedValue: attempted(raw)}})
		}
		fields[name] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, malformedBody(body, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, bodyError("must be one JSON object with nothing after it", body)
	}
	return fields, nil
}

func canonicalField(key string) string {
	for _, name := range attemptFieldNames {
		if strings.EqualFold(key, name) {
			return name
		}
	}
	return key
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

func requiredInt(fields map[string]json.RawMessage, name string, dst *int64) *fc.FieldError {
	raw := fields[name]
	if isAbsent(raw) {
		return &fc.FieldError{Property: name, Message: "is required: a whole number", AttemptedValue: attempted(raw)}
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return &fc.FieldError{Property: name, Message: "must be a whole number", AttemptedValue: attempted(raw)}
	}
	return nil
}

func optionalInt(fields map[string]json.RawMessage, name string, dst **int64) *fc.FieldError {
	raw := fields[name]
	if isAbsent(raw) {
		return nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return &fc.FieldError{Property: name, Message: "must be a whole number", AttemptedValue: attempted(raw)}
	}
	*dst = &n
	return nil
}

func optionalString(fields map[string]json.RawMessage, name string, dst *string) *fc.FieldError {
	raw := fields[name]
	if isAbsent(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return &fc.FieldError{Property: name, Message: "must be text in double quotes", AttemptedValue: attempted(raw)}
	}
	return nil
}

// source reads Source, which CHECKINS.md always gives: 0-5 or a name.
func source(fields map[string]json.RawMessage, dst *fc.Source) *fc.FieldError {
	const want = "0-5 or a source name such as DoorAccess"
	raw := fields["Source"]
	if isAbsent(raw) {
		return &fc.FieldError{Property: "Source", Message: "is required: " + want, AttemptedValue: attempted(raw)}
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil && fc.Source(n).Valid() {
		*dst = fc.Source(n)
		return nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		if s, err := fc.ParseSource(name); err == nil {
			*dst = s
			return nil
		}
	}
	return &fc.FieldError{Property: "Source", Message: "must be " + want, AttemptedValue: attempted(raw)}
}

// fromTime reads FromTime; absent keeps the default (now).
func fromTime(fields map[string]json.RawMessage, dst *time.Time) *fc.FieldError {
	raw := fields["FromTime"]
	if isAbsent(raw) {
		return nil
	}
	bad := &fc.FieldError{Property: "FromTime", Message: "must be a time such as 2026-03-29T00:30:00Z", AttemptedValue: attempted(raw)}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return bad
	}
	t, err := time.Parse(time.RFC3339, s)
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
