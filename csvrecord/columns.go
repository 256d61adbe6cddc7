package csvrecord

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	fc "github.com/failedcheckins/failedcheckins"
)

// column knows how to read one field of the record from its CSV text and
// how to write it back.
type column struct {
	name   string
	parse  func(rec *fc.FailedCheckin, text string) error
	format func(rec *fc.FailedCheckin) string
}

const (
	utcLayout   = "2006-01-02T15:04:05Z07:00"
	localLayout = "2006-01-02T15:04:05"
)

var requiredColumns = []string{"Id", "BusinessId", "CheckinAttemptTime", "CheckinAttemptTimeLocal", "Source"}

// columns is every field of docs/api.md#the-failedcheckin-record, in its order. IsNew is
// accepted (exports carry it) but must be false: imported records are
// history, never new.
var columns = []column{
	{"Id", func(r *fc.FailedCheckin, s string) (err error) { r.ID, err = parseID(s); return err },
		func(r *fc.FailedCheckin) string { return strconv.FormatInt(r.ID, 10) }},
	{"UniqueId", parseUniqueID, func(r *fc.FailedCheckin) string { return r.UniqueID }},
	{"CoworkerId", parseCoworkerID, func(r *fc.FailedCheckin) string { return formatOptInt(r.CoworkerID) }},
	{"CoworkerFullName", text(fc.FieldCoworkerFullName, func(r *fc.FailedCheckin) *string { return &r.CoworkerFullName }),
		func(r *fc.FailedCheckin) string { return r.CoworkerFullName }},
	{"BusinessId", func(r *fc.FailedCheckin, s string) (err error) { r.BusinessID, err = parseID(s); return err },
		func(r *fc.FailedCheckin) string { return strconv.FormatInt(r.BusinessID, 10) }},
	{"BusinessName", text(fc.FieldBusinessName, func(r *fc.FailedCheckin) *string { return &r.BusinessName }),
		func(r *fc.FailedCheckin) string { return r.BusinessName }},
	{"CheckinAttemptTime", utcTime(func(r *fc.FailedCheckin) *time.Time { return &r.CheckinAttemptTime }, true),
		func(r *fc.FailedCheckin) string { return formatUTC(r.CheckinAttemptTime) }},
	{"Source", parseSource, func(r *fc.FailedCheckin) string { return strconv.Itoa(int(r.Source)) }},
	{"MacAddresses", text(fc.FieldMacAddresses, func(r *fc.FailedCheckin) *string { return &r.MacAddresses }),
		func(r *fc.FailedCheckin) string { return r.MacAddresses }},
	{"TeamsAtTheTimeOfCheckin", text(fc.FieldTeams, func(r *fc.FailedCheckin) *string { return &r.Teams }),
		func(r *fc.FailedCheckin) string { return r.Teams }},
	{"TariffAtTheTimeOfCheckin", text(fc.FieldTariff, func(r *fc.FailedCheckin) *string { return &r.Tariff }),
		func(r *fc.FailedCheckin) string { return r.Tariff }},
	{"Description", text(fc.FieldDescription, func(r *fc.FailedCheckin) *string { return &r.Description }),
		func(r *fc.FailedCheckin) string { return r.Description }},
	{"CheckinAttemptTimeLocal", parseLocalTime, func(r *fc.FailedCheckin) string { return r.CheckinAttemptTimeLocal.Format(localLayout) }},
	{"CreatedOn", utcTime(func(r *fc.FailedCheckin) *time.Time { return &r.CreatedOn }, false),
		func(r *fc.FailedCheckin) string { return formatUTC(r.CreatedOn) }},
	{"UpdatedOn", utcTime(func(r *fc.FailedCheckin) *time.Time { return &r.UpdatedOn }, false),
		func(r *fc.FailedCheckin) string { return formatUTC(r.UpdatedOn) }},
	{"UpdatedBy", optText(fc.FieldUpdatedBy, func(r *fc.FailedCheckin) **string { return &r.UpdatedBy }),
		func(r *fc.FailedCheckin) string { return formatOptText(r.UpdatedBy) }},
	{"IsNew", parseIsNew, func(*fc.FailedCheckin) string { return "false" }},
	{"SystemId", optText(fc.FieldSystemID, func(r *fc.FailedCheckin) **string { return &r.SystemID }),
		func(r *fc.FailedCheckin) string { return formatOptText(r.SystemID) }},
	{"Reason", optText(fc.FieldReason, func(r *fc.FailedCheckin) **string { return &r.Reason }),
		func(r *fc.FailedCheckin) string { return formatOptText(r.Reason) }},
	// A resolution (docs/checkins.md#did-they-get-in-anyway): both empty, or
	// both given (the store refuses one without the other).
	{"ResolvedByCheckinId", parseResolvedBy, func(r *fc.FailedCheckin) string { return formatOptInt(r.ResolvedByCheckinID) }},
	{"ResolvedOn", parseResolvedOn, func(r *fc.FailedCheckin) string { return formatOptUTC(r.ResolvedOn) }},
}

func columnByName(name string) (column, bool) {
	for _, c := range columns {
		if strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	return column{}, false
}

func columnNames() []string {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
	}
	return names
}

func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q is not a whole number of at least 1", s)
	}
	return n, nil
}

func parseUniqueID(r *fc.FailedCheckin, s string) error {
	if s == "" {
		return nil // the store assigns a new one
	}
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return fmt.Errorf("%q is not a GUID such as 7027fe43-2106-43e4-9a6e-9fd39905ec49", s)
	}
	r.UniqueID = id.String()
	return nil
}

func parseCoworkerID(r *fc.FailedCheckin, s string) error {
	if s == "" {
		return nil
	}
	id, err := parseID(s)
	if err != nil {
		return fmt.Errorf("%w, or empty for no coworker", err)
	}
	r.CoworkerID = &id
	return nil
}

func parseResolvedBy(r *fc.FailedCheckin, s string) error {
	if s == "" {
		return nil
	}
	id, err := parseID(s)
	if err != nil {
		return fmt.Errorf("%w (a check-in Id), or empty when not resolved", err)
	}
	r.ResolvedByCheckinID = &id
	return nil
}

func parseResolvedOn(r *fc.FailedCheckin, s string) error {
	if s == "" {
		return nil
	}
	var t time.Time
	if err := utcTime(func(*fc.FailedCheckin) *time.Time { return &t }, true)(r, s); err != nil {
		return err
	}
	r.ResolvedOn = &t
	return nil
}

func parseSource(r *fc.FailedCheckin, s string) (err error) {
	r.Source, err = fc.ParseSource(s)
	return err
}

func parseIsNew(_ *fc.FailedCheckin, s string) error {
	if b, err := strconv.ParseBool(s); s != "" && (err != nil || b) {
		return errors.New("imported records are history: IsNew must be false or empty")
	}
	return nil
}

// text reads a text column, checked as text of its field's kind
// (fc.FieldText): what one store keeps, the other keeps too.
func text(f fc.Field, field func(*fc.FailedCheckin) *string) func(*fc.FailedCheckin, string) error {
	kind, _ := fc.FieldText(f)
	return func(r *fc.FailedCheckin, s string) error {
		if err := checkText(kind, s); err != nil {
			return err
		}
		*field(r) = s
		return nil
	}
}

// optText reads a nullable text column: empty is null.
func optText(f fc.Field, field func(*fc.FailedCheckin) **string) func(*fc.FailedCheckin, string) error {
	kind, _ := fc.FieldText(f)
	return func(r *fc.FailedCheckin, s string) error {
		if s == "" {
			return nil
		}
		if err := checkText(kind, s); err != nil {
			return err
		}
		*field(r) = &s
		return nil
	}
}

func checkText(kind fc.TextKind, s string) error {
	if !utf8.ValidString(s) {
		return errors.New("the text is not valid UTF-8; save the file as UTF-8")
	}
	if msg := kind.Problem(s); msg != "" {
		return errors.New("the text " + msg)
	}
	return nil
}

// utcTime reads an RFC 3339 time with Z or an offset and keeps it in UTC,
// truncated to whole seconds (the precision of the record).
func utcTime(field func(*fc.FailedCheckin) *time.Time, required bool) func(*fc.FailedCheckin, string) error {
	return func(r *fc.FailedCheckin, s string) error {
		if s == "" && !required {
			return nil
		}
		t, err := fc.ParseRFC3339(s)
		if err != nil {
			return fmt.Errorf("%q is not a UTC time such as 2026-01-15T10:30:00Z", s)
		}
		*field(r) = t.UTC().Truncate(time.Second)
		return nil
	}
}

// parseLocalTime reads a wall-clock time without offset and keeps it in a
// UTC time.Time, as the domain holds local times.
func parseLocalTime(r *fc.FailedCheckin, s string) error {
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return fmt.Errorf("%q is not a local time such as 2026-01-15T11:30:00 (no offset)", s)
	}
	r.CheckinAttemptTimeLocal = t.Truncate(time.Second)
	return nil
}

func formatUTC(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(utcLayout)
}

func formatOptUTC(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatUTC(*t)
}

func formatOptInt(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

func formatOptText(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
