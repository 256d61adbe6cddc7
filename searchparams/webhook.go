package searchparams

import (
	"errors"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// Webhooks is the parameter table of the webhook list
// (GET /api/sys/webhooks, docs/api.md#webhooks): Nexudus's WebHook_
// filters, paging and sort as search. Never modified after initialisation.
var Webhooks = &Table{
	filters: []param{
		{"Id", fc.FieldID, kindIntList},
		{"WebHook_Business", fc.FieldBusinessID, kindIntListOrNull},
		{"WebHook_Name", fc.FieldName, kindText},
		{"WebHook_Action", fc.FieldAction, kindIntList},
		{"WebHook_URL", fc.FieldURL, kindText},
		{"WebHook_Active", fc.FieldActive, kindBool},
	},
	strictPrefixes: []string{"WebHook_", prefixFrom, prefixTo},
	sortFields:     fc.WebhookFields,
	sortAliases:    map[string]fc.Field{"Business": fc.FieldBusinessID},
	defaultOrder:   fc.FieldCreatedOn,
}

// FilterTable returns the parameter table of the entity a webhook of the
// action sends, or nil when the action takes no filter (or is unknown).
func FilterTable(action int) *Table {
	switch action {
	case fc.ActionFailedCheckin:
		return FailedCheckins
	case fc.ActionCheckinCreated:
		return Checkins
	}
	return nil
}

// WebhookFilter parses a webhook's Filter, a query string of the filter
// and range parameters of the action's search, exactly as search parses
// them: the same errors, each reported under the property "Filter" with
// the parameter's name in front of its message. Paging and sorting mean
// nothing to a filter, so they are errors too. An empty filter has no
// conditions.
func WebhookFilter(action int, filter string) ([]fc.Condition, error) {
	if filter == "" {
		return nil, nil
	}
	bad := func(errs []fc.FieldError) error {
		for i := range errs {
			errs[i] = fc.FieldError{Property: "Filter", Message: errs[i].Property + ": " + errs[i].Message, AttemptedValue: filter}
		}
		return fc.InvalidFields(errs)
	}
	t := FilterTable(action)
	if t == nil {
		return nil, bad([]fc.FieldError{{Property: "Action " + strconv.Itoa(action), Message: "takes no filter"}})
	}
	params, _ := splitQuery(filter) // Parse reports its errors
	var errs []fc.FieldError
	for _, p := range params {
		switch key := fc.Fold(p.name); {
		case key == paramPage || key == paramSize || key == paramOrderBy || key == paramDir:
			errs = append(errs, fc.FieldError{Property: p.name, Message: "is not a filter (paging and sorting mean nothing to a webhook)"})
		case !t.strict(key) && !t.knows(key):
			// Search ignores a parameter outside its prefixes; a filter
			// that ignored one would send records nobody asked for.
			errs = append(errs, fc.FieldError{Property: p.name, Message: "is not a filter of this action's records"})
		}
	}
	q, err := t.Parse(filter)
	var fe *fc.Error
	if err != nil && errors.As(err, &fe) {
		errs = append(errs, fe.Fields...)
	} else if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, bad(errs)
	}
	return q.Conditions, nil
}

// Deliveries is the parameter table of a webhook's delivery log
// (GET /api/sys/webhooks/{id}/deliveries): paging only, newest first.
var Deliveries = &Table{
	strictPrefixes: []string{prefixFrom, prefixTo},
	sortFields:     []fc.Field{fc.FieldID},
	defaultOrder:   fc.FieldID,
}

// strict reports whether a folded name starts with one of the table's
// strict prefixes (Parse then reports it when it names no filter).
func (sp *Table) strict(key string) bool {
	for _, prefix := range sp.strictPrefixes {
		if strings.HasPrefix(key, fc.Fold(prefix)) {
			return true
		}
	}
	return false
}

// knows reports whether a folded name is one of the table's filters.
func (sp *Table) knows(key string) bool {
	_, ok := findParam(sp.filters, key)
	return ok
}
