package webhook

import (
	"context"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// RuleValidator checks an alert rule before it is saved (PUSH.md section
// 3). The API and the command line both save through it, so a rule is
// valid or not whichever way it arrives.
type RuleValidator struct {
	// Scope is the saver's: the BusinessId rule of webhooks, and the
	// receiver webhooks must be ones it sees.
	Scope fc.Scope
	// Webhooks looks the receiver webhooks up.
	Webhooks fc.WebhookStore
	// Email says email receivers can be sent (serve --smtp-url).
	Email bool
	// EmailHint names what enables email receivers, for the message of a
	// refused one; empty is "--smtp-url".
	EmailHint string
}

// Validate returns every problem of r, each under the field's API name
// (Name, GroupBy, Receivers.Webhooks, ...): empty when r may be saved.
// Fields named in skip (lower-case) were already reported by the caller
// (they did not decode) and are not checked again; business says whether
// BusinessId is set by this save (a create, or an edit that gives it).
// The error is only for a failure other than bad input.
func (v RuleValidator) Validate(ctx context.Context, r *fc.AlertRule, business bool, skip map[string]bool) ([]fc.FieldError, error) {
	var bad []fc.FieldError
	check := func(name string, ok bool, msg string) {
		if !skip[strings.ToLower(name)] && !ok {
			bad = append(bad, fc.FieldError{Property: name, Message: msg})
		}
	}
	check("Name", strings.TrimSpace(r.Name) != "" && utf8.RuneCountInString(r.Name) <= fc.MaxAlertRuleNameLength &&
		utf8.ValidString(r.Name) && !strings.ContainsRune(r.Name, 0), "is required, at most 200 characters of text")
	check("Threshold", r.Threshold >= 1, "must be a number from 1")
	check("WindowMinutes", r.WindowMinutes >= 1 && r.WindowMinutes <= fc.MaxAlertWindowMinutes, "must be a number of minutes from 1 to 1440")
	check("RepeatMinutes", r.RepeatMinutes >= 1 && r.RepeatMinutes <= fc.MaxAlertRepeatMinutes, "must be a number of minutes from 1 to 525600 (a year)")
	check("ResolveMinutes", r.ResolveMinutes >= 1 && r.ResolveMinutes <= fc.MaxAlertRepeatMinutes, "must be a number of minutes from 1 to 525600 (a year)")
	check("GroupBy", len(r.GroupBy) > 0, "must name at least one of CoworkerId, MacAddresses, BusinessId, Reason, Source")
	filterOK := utf8.RuneCountInString(r.Filter) <= MaxFilterLength
	check("Filter", filterOK, "must be at most 8000 characters")
	if filterOK && !skip["filter"] {
		if _, err := searchparams.WebhookFilter(fc.ActionFailedCheckin, r.Filter); err != nil {
			var fe *fc.Error
			if !errors.As(err, &fe) {
				return nil, err
			}
			bad = append(bad, fe.Fields...)
		}
	}
	if business && !skip["businessid"] {
		switch {
		case r.BusinessID != nil && *r.BusinessID < 1:
			check("BusinessId", false, "must be a location id or null")
		case r.BusinessID == nil && !v.Scope.All():
			check("BusinessId", false, "is required: give one of your locations (only a full administrator may cover every location)")
		case r.BusinessID != nil && !v.Scope.Allows(*r.BusinessID):
			check("BusinessId", false, "must be one of your locations")
		}
	}
	if skip["receivers"] {
		return bad, nil
	}
	rec := r.Receivers
	if len(rec.Webhooks) > 100 || len(rec.Emails) > 100 {
		return append(bad, fc.FieldError{Property: "Receivers", Message: "must name at most 100 webhooks and 100 emails"}), nil
	}
	for _, id := range rec.Webhooks {
		h, err := v.Webhooks.FindWebhookByID(ctx, v.Scope, id)
		if err != nil && fc.ErrorCode(err) != fc.ErrNotFound {
			return nil, err
		}
		if err != nil || h.Action != fc.ActionAlertIncident {
			bad = append(bad, fc.FieldError{Property: "Receivers.Webhooks", Message: "must name webhooks of yours with Action 1001 (AlertIncident)",
				AttemptedValue: strconv.FormatInt(id, 10)})
		}
	}
	if len(rec.Emails) > 0 && !v.Email {
		hint := v.EmailHint
		if hint == "" {
			hint = "--smtp-url"
		}
		return append(bad, fc.FieldError{Property: "Receivers.Emails", Message: "email receivers need the server to run with " + hint}), nil
	}
	for _, e := range rec.Emails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			bad = append(bad, fc.FieldError{Property: "Receivers.Emails", Message: "must be email addresses", AttemptedValue: fc.ShortValue(e)})
		}
	}
	return bad, nil
}

// ParseGroupBy reads GroupBy names (any case) into fields in
// fc.AlertGroupFields order, without repeats; ok is false when one names
// no such field.
func ParseGroupBy(names []string) (fields []fc.Field, ok bool) {
	for _, g := range names {
		found := false
		for _, f := range fc.AlertGroupFields {
			if strings.EqualFold(string(f), strings.TrimSpace(g)) {
				found = true
				if !containsField(fields, f) {
					fields = append(fields, f)
				}
			}
		}
		if !found {
			return nil, false
		}
	}
	return fields, true
}

func containsField(fields []fc.Field, f fc.Field) bool {
	for _, x := range fields {
		if x == f {
			return true
		}
	}
	return false
}
