package webhook

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// Limits of a webhook's text fields, beyond fc.MaxWebhookNameLength.
const (
	MaxDescriptionLength = 4000
	MaxURLLength         = 2000
	MaxFilterLength      = 8000
	MaxSecretLength      = 200
)

// Changes names the fields a save of a webhook sets: every one for a
// create (AllChanges), those given for an edit. Only they are checked, so
// that an edit of the name does not fail on a URL saved before the rules
// grew stricter.
type Changes struct {
	Name, Description, URL, Filter, Secret, Action, BusinessID bool
}

// AllChanges is what a create sets.
var AllChanges = Changes{Name: true, Description: true, URL: true, Filter: true, Secret: true, Action: true, BusinessID: true}

// Validator checks a webhook before it is saved. The API, the console and
// the command line all save through it, so a webhook is valid or not
// whichever way it arrives (PUSH.md section 1).
type Validator struct {
	// Scope is the saver's: a location must be one of theirs, and only a
	// full administrator may cover every location.
	Scope fc.Scope
	// AllowPrivate accepts URLs of private addresses.
	AllowPrivate bool
	// Resolver looks up a URL's host; nil is net.DefaultResolver.
	Resolver Resolver
	// PrivateHint names what allows a private address, for the message
	// of a refused one; empty is "serve --webhook-allow-private".
	PrivateHint string
}

// Validate checks the fields of w that c names and returns every problem,
// each under the field's API name (Name, URL, BusinessId, ...), in one
// list: empty when w may be saved. A problem's AttemptedValue is left
// empty (except a Filter's, which is the filter), for the caller to fill
// in as it received the field; a Secret is never echoed. The error is
// only for a failure other than bad input.
func (v Validator) Validate(ctx context.Context, w *fc.Webhook, c Changes) ([]fc.FieldError, error) {
	var bad []fc.FieldError
	fail := func(name, msg string) { bad = append(bad, fc.FieldError{Property: name, Message: msg}) }
	// text checks a text field and reports whether it passed.
	text := func(change bool, name, value string, required bool, limit int) bool {
		switch {
		case !change:
			return false
		case required && strings.TrimSpace(value) == "":
			fail(name, "is required")
		case utf8.RuneCountInString(value) > limit:
			fail(name, "must be at most "+strconv.Itoa(limit)+" characters")
		case !utf8.ValidString(value) || strings.ContainsRune(value, 0):
			fail(name, "must be text")
		default:
			return true
		}
		return false
	}
	text(c.Name, "Name", w.Name, true, fc.MaxWebhookNameLength)
	text(c.Description, "Description", w.Description, false, MaxDescriptionLength)
	urlText := text(c.URL, "URL", w.URL, true, MaxURLLength)
	filterText := text(c.Filter, "Filter", w.Filter, false, MaxFilterLength)
	secretText := text(c.Secret, "Secret", w.Secret, false, MaxSecretLength)
	if c.Action && !ValidAction(w.Action) {
		fail("Action", "must be 63 (FailedCheckin), 47 (CheckinCreated) or 1001 (AlertIncident)")
	}
	if c.BusinessID {
		switch {
		case w.BusinessID != nil && *w.BusinessID < 1:
			fail("BusinessId", "must be a location id or null")
		case w.BusinessID == nil && !v.Scope.All():
			fail("BusinessId", "is required: give one of your locations (only a full administrator may cover every location)")
		case w.BusinessID != nil && !v.Scope.Allows(*w.BusinessID):
			fail("BusinessId", "must be one of your locations")
		}
	}
	if secretText && w.Secret != "" && !ValidSecret(w.Secret) {
		fail("Secret", "must be whsec_ followed by the base64 of 24 to 64 random bytes (or empty, for a new one)")
	}
	// The filter is read by the action's search grammar, so a change of
	// either is checked (when the action is one at all).
	if (filterText || (c.Action && !c.Filter)) && ValidAction(w.Action) {
		if _, err := searchparams.WebhookFilter(w.Action, w.Filter); err != nil {
			var fe *fc.Error
			if !errors.As(err, &fe) {
				return nil, err
			}
			bad = append(bad, fe.Fields...)
		}
	}
	if urlText {
		r := v.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		hint := v.PrivateHint
		if hint == "" {
			hint = defaultPrivateHint
		}
		if err := checkURL(ctx, w.URL, v.AllowPrivate, r, hint); err != nil {
			fail("URL", err.Error())
		}
	}
	return bad, nil
}

// ValidAction reports whether a is an action a webhook may subscribe to
// (fc.WebhookActions).
func ValidAction(a int) bool {
	for _, v := range fc.WebhookActions {
		if a == v {
			return true
		}
	}
	return false
}

// ValidSecret reports whether a secret a client gives is one the
// Standard Webhooks signature can use: whsec_ and base64 of 24 to 64
// bytes.
func ValidSecret(s string) bool {
	rest, ok := strings.CutPrefix(s, fc.WebhookSecretPrefix)
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && len(b) >= 24 && len(b) <= 64
}
