package failedcheckins

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the api package; anything
// that is not an *Error is treated as ErrInternal and never shown to clients.
const (
	ErrInvalid      = "invalid"      // bad input; nothing was changed
	ErrNotFound     = "not_found"    // no such record, or not visible to the caller
	ErrConflict     = "conflict"     // the write clashes with existing data (duplicate id)
	ErrUnauthorized = "unauthorized" // no or bad credentials
	ErrForbidden    = "forbidden"    // valid credentials, missing role
	ErrTooMany      = "too_many"     // rate limited
	ErrInternal     = "internal"     // a bug or an outage; details go to the log only
	ErrUnavailable  = "unavailable"  // the database is not reachable or the schema is wrong
)

// Error is the project's error: a code that decides the HTTP status, a
// message that is safe to show to a client, and for ErrInvalid the list of
// every bad field of the request.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

// FieldError describes one invalid input field, in the Nexudus shape.
type FieldError struct {
	Property       string // the parameter or column name as the client spelled it
	Message        string // what is wrong, for a person
	AttemptedValue string // the value that was rejected
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	msg := ""
	for i, f := range e.Fields {
		if i > 0 {
			msg += "; "
		}
		msg += f.Property + ": " + f.Message
	}
	return msg
}

// Errorf returns an *Error with the given code and a formatted, client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidFields returns an ErrInvalid error listing every bad field; its
// message is "Property: Message" of each field, joined by "; " (one field
// reads exactly as the example of docs/api.md#errors).
func InvalidFields(fields []FieldError) *Error {
	e := &Error{Code: ErrInvalid, Fields: fields}
	e.Message = e.Error()
	return e
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// ErrInternal otherwise. A nil error has no code.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}

// ErrorMessage returns the client-safe message of err if it is an *Error and
// a generic text otherwise, so that internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}
