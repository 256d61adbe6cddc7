package failedcheckins

import (
	"cmp"
	"encoding/json"
	"iter"
	"slices"
	"strings"
	"unicode"
)

// Masked users (PRIVACY.md section 4, docs/api.md#masked-users): a user
// with MaskPersonalData sees the personal fields of every record masked
// on every channel, and may not filter or sort by them. The masking is
// done here, once; each channel calls Caller.MaskFailedCheckin (or
// MaskCheckin, MaskName) where it knows the caller, and Caller.Restrict
// where it turns a parsed query into the caller's query.

// PersonalFields are the fields a masked user sees masked and may not
// filter, sort or group by.
var PersonalFields = []Field{FieldCoworkerFullName, FieldMacAddresses, FieldTeams}

// IsPersonalField reports whether f is one of PersonalFields.
func IsPersonalField(f Field) bool {
	for _, p := range PersonalFields {
		if p == f {
			return true
		}
	}
	return false
}

// MaskName returns the initials of a full name: the first letter or digit
// of each word (words are separated by white space), upper-cased and
// followed by a dot, joined by spaces. "Ana Silva" is "A. S.", a one-word
// name "Madonna" is "M.", "Jean-Luc Picard" is "J. P." (a hyphenated
// word is one word), "łukasz żak" is "Ł. Ż." (letters of any script, read
// as runes). A word with no letter or digit ("-", "&") gives nothing, and
// an empty or blank name stays "".
func MaskName(name string) string {
	var b strings.Builder
	for _, word := range strings.Fields(name) {
		for _, r := range word {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteRune(unicode.ToUpper(r))
				b.WriteByte('.')
				break
			}
		}
	}
	return b.String()
}

// MaskMACs masks a MacAddresses value: one or more identifiers separated
// by commas. A MAC address (any of the forms NormalizeMAC reads) keeps
// only its last two octets, "**:**:**:**:19:0b" (lower case, colons). Any
// other identifier (an access card number, a value an import brought)
// keeps only its last two characters behind "***" ("***42"), and one of
// at most four characters becomes "***", so that neither its length nor
// most of it shows. Empty items stay empty and items are joined by ","
// (white space around them is dropped); "" stays "".
func MaskMACs(list string) string {
	if list == "" {
		return ""
	}
	items := strings.Split(list, ",")
	for i, item := range items {
		items[i] = maskIdentifier(strings.TrimSpace(item))
	}
	return strings.Join(items, ",")
}

// maskIdentifier masks one item of MaskMACs.
func maskIdentifier(id string) string {
	if id == "" {
		return ""
	}
	if hex, ok := NormalizeMAC(id); ok {
		return "**:**:**:**:" + hex[8:10] + ":" + hex[10:12]
	}
	runes := []rune(id)
	if len(runes) <= 4 {
		return "***"
	}
	return "***" + string(runes[len(runes)-2:])
}

// MaskPersonalData masks the personal fields of r in place:
// CoworkerFullName as MaskName, MacAddresses as MaskMACs, and
// TeamsAtTheTimeOfCheckin as "".
func (r *FailedCheckin) MaskPersonalData() {
	r.CoworkerFullName, r.MacAddresses, r.Teams = MaskName(r.CoworkerFullName), MaskMACs(r.MacAddresses), ""
}

// MaskPersonalData masks the personal fields of c in place, as
// FailedCheckin.MaskPersonalData does.
func (c *Checkin) MaskPersonalData() {
	c.CoworkerFullName, c.MacAddresses, c.Teams = MaskName(c.CoworkerFullName), MaskMACs(c.MacAddresses), ""
}

// MasksPersonalData reports whether the caller sees personal data masked.
// A nil caller (the command line, which runs with the operator's
// authority) does not.
func (c *Caller) MasksPersonalData() bool { return c != nil && c.MaskPersonalData }

// MaskFailedCheckin returns r as the caller may see it: r itself for a
// caller who sees personal data, a masked copy otherwise (the store's
// record is never changed, so a cached or shared one stays whole).
func (c *Caller) MaskFailedCheckin(r *FailedCheckin) *FailedCheckin {
	if r == nil || !c.MasksPersonalData() {
		return r
	}
	m := *r
	m.MaskPersonalData()
	return &m
}

// MaskCheckin returns ck as the caller may see it, as MaskFailedCheckin.
func (c *Caller) MaskCheckin(ck *Checkin) *Checkin {
	if ck == nil || !c.MasksPersonalData() {
		return ck
	}
	m := *ck
	m.MaskPersonalData()
	return &m
}

// MaskName returns name as the caller may see it: unchanged, or its
// initials (MaskName) for a masked caller. It serves names that do not
// come in a record (a statistic's coworker label, the directory).
func (c *Caller) MaskName(name string) string {
	if !c.MasksPersonalData() {
		return name
	}
	return MaskName(name)
}

// MaskMACs returns a list of MAC addresses or cards as the caller may see
// it: unchanged, or MaskMACs for a masked caller.
func (c *Caller) MaskMACs(list string) string {
	if !c.MasksPersonalData() {
		return list
	}
	return MaskMACs(list)
}

// MaskTeams returns teams as the caller may see them: unchanged, or "".
func (c *Caller) MaskTeams(teams string) string {
	if !c.MasksPersonalData() {
		return teams
	}
	return ""
}

// Restrict turns a parsed query into the caller's: it sets the caller's
// Scope and (for an export's quota) Requester, and for a caller who sees
// personal data masked it refuses every condition on, and any order by,
// a personal field with an ErrForbidden error naming each parameter.
// Every channel that reads records for a caller (search, export,
// statistics, streams, the console) goes through it, so no channel can
// let a masked user probe a masked value one character at a time.
func (c *Caller) Restrict(q Query) (Query, error) {
	q.Scope, q.Requester = c.Scope, c.UserID
	return c.refuseMasked(q, IsPersonalField)
}

// RestrictAudit is Restrict for the audit trail's search: an entry's
// Query holds what other users typed, personal values included, and a
// masked caller reads it redacted, so a filter on it (Audit_Query) or an
// order by it is refused with the same ErrForbidden error, lest the
// values be found out one character at a time. The scope is left as it
// is (the audit names no location).
func (c *Caller) RestrictAudit(q Query) (Query, error) {
	return c.refuseMasked(q, func(f Field) bool { return f == FieldAuditQuery })
}

// refuseMasked is the check of Restrict and RestrictAudit: for a masked
// caller, an ErrForbidden error naming each condition on, and an order
// by, a field masked reports true for.
func (c *Caller) refuseMasked(q Query, masked func(Field) bool) (Query, error) {
	if !c.MasksPersonalData() {
		return q, nil
	}
	var fields []FieldError
	for _, cond := range q.Conditions {
		if masked(cond.Field) {
			name := cmp.Or(cond.Param, string(cond.Field))
			fields = append(fields, FieldError{Property: name,
				Message: "filters by " + string(cond.Field) + ", which is masked for you", AttemptedValue: strings.Join(cond.Strings, ",")})
		}
	}
	if masked(q.OrderBy) {
		fields = append(fields, FieldError{Property: "orderBy", Message: "sorts by " + string(q.OrderBy) + ", which is masked for you",
			AttemptedValue: string(q.OrderBy)})
	}
	if len(fields) > 0 {
		return Query{}, maskedFields(fields)
	}
	return q, nil
}

// RestrictStats is Restrict for a statistic: its scope is the caller's,
// and a masked caller may not select by a personal field. (No grouping
// is by a personal field; the coworker label of GroupByCoworker is
// masked by the channel, with Caller.MaskName.)
func (c *Caller) RestrictStats(q StatsQuery) (StatsQuery, error) {
	rq, err := c.Restrict(Query{Conditions: q.Conditions})
	if err != nil {
		return StatsQuery{}, err
	}
	q.Scope = rq.Scope
	return q, nil
}

// maskedFields is the ErrForbidden error of Restrict.
func maskedFields(fields []FieldError) *Error {
	e := &Error{Code: ErrForbidden, Fields: fields}
	e.Message = e.Error() + " (personal data is masked for this user)"
	return e
}

// MaskFailedCheckins yields the records of seq as the caller may see
// them (MaskFailedCheckin): the exports of the API and the console.
func (c *Caller) MaskFailedCheckins(seq iter.Seq2[*FailedCheckin, error]) iter.Seq2[*FailedCheckin, error] {
	if !c.MasksPersonalData() {
		return seq
	}
	return func(yield func(*FailedCheckin, error) bool) {
		for r, err := range seq {
			if !yield(c.MaskFailedCheckin(r), err) {
				return
			}
		}
	}
}

// MaskEvaluation masks, for a masked caller, the coworker's name where a
// dry run's texts repeat it (each check's Detail, the fixes, the verdict's
// Description). The MAC addresses and cards in them are the ones the
// caller sent (the API's dry run), and stay; a dry run of identifiers the
// caller did not type is masked with MaskEvaluationOf. It changes e in place: an evaluation is made for
// one answer.
func (c *Caller) MaskEvaluation(e *Evaluation) {
	if e == nil || e.Verdict == nil || e.Verdict.Coworker == nil || !c.MasksPersonalData() {
		return
	}
	name := e.Verdict.Coworker.FullName
	if strings.TrimSpace(name) == "" {
		return
	}
	hide := func(s string) string { return strings.ReplaceAll(s, name, MaskName(name)) }
	for i := range e.Checks {
		e.Checks[i].Detail = hide(e.Checks[i].Detail)
	}
	for i := range e.Fixes {
		e.Fixes[i] = hide(e.Fixes[i])
	}
	v := *e.Verdict
	v.Description = hide(v.Description)
	cw := *v.Coworker
	cw.FullName, cw.Teams, cw.MacAddresses, cw.AccessCards = MaskName(cw.FullName), nil, nil, nil
	v.Coworker = &cw
	e.Verdict = &v
}

// MaskedWebhookMessage says why a masked user may not create or edit a
// webhook: it sends whole records, unmasked, to a URL its creator
// chooses, and its Filter and delivery log would let them probe masked
// values (docs/api.md#masked-users).
const MaskedWebhookMessage = "personal data is masked for you; a webhook sends whole records"

// MayWriteWebhooks returns nil for a caller who sees personal data, and
// the ErrForbidden error of MaskedWebhookMessage for a masked one: the
// API and the console refuse a masked user's create or edit of a webhook
// with it (turning one on or off, and redelivering, stay allowed).
func (c *Caller) MayWriteWebhooks() error {
	if !c.MasksPersonalData() {
		return nil
	}
	return Errorf(ErrForbidden, "%s", MaskedWebhookMessage)
}

// MaskEvaluationOf is MaskEvaluation for a dry run of an attempt the
// caller did not type: the console's, built from a stored record or a
// coworker's id. Besides the coworker's name, the attempt's MAC addresses
// and access card, which the texts repeat (each check's Detail, the
// fixes, the verdict's Description), are masked as MaskMACs masks them,
// the whole list and each item of it. It changes e in place.
func (c *Caller) MaskEvaluationOf(e *Evaluation, a *Attempt) {
	if e == nil || !c.MasksPersonalData() {
		return
	}
	c.MaskEvaluation(e)
	var ids []string
	if a != nil && a.MacAddresses != "" {
		ids = append(ids, a.MacAddresses)
		for item := range strings.SplitSeq(a.MacAddresses, ",") {
			ids = append(ids, strings.TrimSpace(item))
		}
	}
	if a != nil && a.AccessCardID != "" {
		ids = append(ids, a.AccessCardID)
	}
	// Longest first: the Replacer tries its pairs in order at each
	// position, and the whole list must win over its first item.
	slices.SortStableFunc(ids, func(x, y string) int { return cmp.Compare(len(y), len(x)) })
	var pairs []string
	for _, id := range ids {
		if id != "" {
			pairs = append(pairs, id, MaskMACs(id))
		}
	}
	if len(pairs) == 0 {
		return
	}
	hide := strings.NewReplacer(pairs...).Replace
	for i := range e.Checks {
		e.Checks[i].Detail = hide(e.Checks[i].Detail)
	}
	for i := range e.Fixes {
		e.Fixes[i] = hide(e.Fixes[i])
	}
	if e.Verdict != nil {
		v := *e.Verdict
		v.Description = hide(v.Description)
		e.Verdict = &v
	}
}

// MaskAlertKey returns an alert incident's Key (AlertKey's JSON object)
// as the caller may see it: unchanged, or for a masked caller with its
// MacAddresses masked as MaskMACs masks them (PRIVACY.md section 4: of a
// key's fields only MacAddresses is personal; CoworkerId is not masked
// anywhere). A key that is not such an object is "{}" for a masked caller,
// as AlertIncident.JSON serves it.
func (c *Caller) MaskAlertKey(key string) string {
	if !c.MasksPersonalData() {
		return key
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal([]byte(key), &fields) != nil || fields == nil {
		return "{}"
	}
	raw, ok := fields[string(FieldMacAddresses)]
	if !ok {
		return key
	}
	var macs string
	if json.Unmarshal(raw, &macs) != nil {
		return key // null: nothing to mask
	}
	masked, _ := json.Marshal(MaskMACs(macs)) // a string always marshals
	fields[string(FieldMacAddresses)] = masked
	// Rebuilt in AlertGroupFields order, as AlertKey writes it.
	b := []byte{'{'}
	for _, f := range AlertGroupFields {
		v, ok := fields[string(f)]
		if !ok {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f...)
		b = append(b, '"', ':')
		b = append(b, v...)
	}
	return string(append(b, '}'))
}

// MaskAlertIncident returns i as the caller may see it: i itself, or a
// copy with its Key masked (MaskAlertKey).
func (c *Caller) MaskAlertIncident(i *AlertIncident) *AlertIncident {
	if i == nil || !c.MasksPersonalData() {
		return i
	}
	m := *i
	m.Key = c.MaskAlertKey(i.Key)
	return &m
}

// RestrictAlertRules is Restrict for the alert rule list: a rule's Filter
// holds what other users typed, personal values included, and a masked
// caller reads it redacted, so sorting or filtering by it is refused with
// the same ErrForbidden error, lest the values be found out one character
// at a time. The scope is set as Restrict sets it.
func (c *Caller) RestrictAlertRules(q Query) (Query, error) {
	q.Scope = c.Scope
	return c.refuseMasked(q, func(f Field) bool { return f == FieldFilter })
}

// MaskedAlertRuleMessage says why a masked user may not create or edit
// an alert rule: a rule grouping by MacAddresses with a Threshold of 1
// would list whole MAC addresses to its receivers, and its Filter would
// let them probe masked values.
const MaskedAlertRuleMessage = "personal data is masked for you; an alert rule sends keys and probes records"

// MayWriteAlertRules is MayWriteWebhooks for alert rules: the API and the
// console refuse a masked user's create or edit of a rule with the
// ErrForbidden error of MaskedAlertRuleMessage (turning one on or off,
// and deleting it, stay allowed).
func (c *Caller) MayWriteAlertRules() error {
	if !c.MasksPersonalData() {
		return nil
	}
	return Errorf(ErrForbidden, "%s", MaskedAlertRuleMessage)
}
