package failedcheckins

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AlertRule says "tell someone when Threshold refusals matching Filter
// happen for the same key within WindowMinutes" (PUSH.md section 3,
// docs/api.md#alert-rules). Matching refusals of one key form one
// AlertIncident until it resolves.
type AlertRule struct {
	ID       int64
	UniqueID string
	// BusinessID is the location whose refusals the rule counts; nil
	// counts every location's (full administrators only), as for webhooks.
	BusinessID *int64
	Name       string
	Active     bool
	// Filter is a query string in the FailedCheckin search grammar
	// (FailedCheckin_ parameters); empty counts every refusal.
	Filter string
	// GroupBy lists the fields whose values make a key (AlertGroupFields),
	// in that list's order.
	GroupBy        []Field
	Threshold      int
	WindowMinutes  int
	RepeatMinutes  int
	ResolveMinutes int
	Receivers      AlertReceivers
	CreatedOn      time.Time
	UpdatedOn      time.Time
	UpdatedBy      *string
}

// AlertReceivers are where a rule's notifications go.
type AlertReceivers struct {
	// Webhooks are ids of webhooks with Action ActionAlertIncident.
	Webhooks []int64 `json:"Webhooks"`
	// Emails are addresses (not sent yet: see docs/api.md#alert-rules).
	Emails []string `json:"Emails"`
}

// AlertGroupFields are the fields a rule may group by, in the order a
// key lists them.
var AlertGroupFields = []Field{FieldCoworkerID, FieldMacAddresses, FieldBusinessID, FieldReason, FieldSource}

// Limits and defaults of a rule's fields.
const (
	MaxAlertWindowMinutes = 1440
	DefaultRepeatMinutes  = 240
	// MaxAlertRepeatMinutes bounds RepeatMinutes and ResolveMinutes (one
	// year): far larger values would overflow a time.Duration of minutes
	// into a negative one, due at once: a notification on every refusal.
	MaxAlertRepeatMinutes = 525600
	// AlertMaxAge is how far before the moment it is recorded a refusal's
	// CheckinAttemptTime may lie and still count: a device uploading last
	// month's backlog is history, not an emergency.
	AlertMaxAge = 24 * time.Hour
	// MaxIncidentFailureIDs is how many FailedCheckin ids an incident
	// keeps (the first ones).
	MaxIncidentFailureIDs = 100
)

// Incident statuses.
const (
	IncidentOpen         = "Open"
	IncidentAcknowledged = "Acknowledged"
	IncidentResolved     = "Resolved"
)

// Incident notification events.
const (
	EventOpened   = "Opened"
	EventRepeated = "Repeated"
	EventResolved = "Resolved"
)

// Roles of the alert endpoints.
const (
	RoleAlertRuleList      = "AlertRule-List"
	RoleAlertRuleRead      = "AlertRule-Read"
	RoleAlertRuleCreate    = "AlertRule-Create"
	RoleAlertRuleEdit      = "AlertRule-Edit"
	RoleAlertRuleDelete    = "AlertRule-Delete"
	RoleAlertIncidentList  = "AlertIncident-List"
	RoleAlertIncidentRead  = "AlertIncident-Read"
	RoleAlertIncidentEdit  = "AlertIncident-Edit"
	MaxAlertRuleNameLength = MaxWebhookNameLength
)

// Window returns the rule's window.
func (r *AlertRule) Window() time.Duration { return time.Duration(r.WindowMinutes) * time.Minute }

// Business returns the rule's location, 0 for every location.
func (r *AlertRule) Business() int64 {
	if r.BusinessID == nil {
		return 0
	}
	return *r.BusinessID
}

// The fields of rules and incidents that other records do not share.
const (
	FieldThreshold      Field = "Threshold"
	FieldWindowMinutes  Field = "WindowMinutes"
	FieldRuleID         Field = "RuleId"
	FieldStatus         Field = "Status"
	FieldOpenedOn       Field = "OpenedOn"
	FieldLastFailureOn  Field = "LastFailureOn"
	FieldFailureCount   Field = "FailureCount"
	FieldAcknowledgedOn Field = "AcknowledgedOn"
)

// AlertRuleFields lists the rule's fields that sort its list.
var AlertRuleFields = []Field{FieldID, FieldUniqueID, FieldBusinessID, FieldName, FieldActive, FieldFilter,
	FieldThreshold, FieldWindowMinutes, FieldCreatedOn, FieldUpdatedOn}

// Value returns one field of the rule (Valuer), so that the list's
// filters and sort are the search's.
func (r *AlertRule) Value(f Field) (Value, bool) {
	switch f {
	case FieldID:
		return intValue(r.ID), true
	case FieldUniqueID:
		return textValue(r.UniqueID), true
	case FieldBusinessID:
		return optIntValue(r.BusinessID), true
	case FieldName:
		return textValue(r.Name), true
	case FieldActive:
		if r.Active {
			return intValue(1), true
		}
		return intValue(0), true
	case FieldFilter:
		return textValue(r.Filter), true
	case FieldThreshold:
		return intValue(int64(r.Threshold)), true
	case FieldWindowMinutes:
		return intValue(int64(r.WindowMinutes)), true
	case FieldCreatedOn:
		return timeValue(r.CreatedOn), true
	case FieldUpdatedOn:
		return timeValue(r.UpdatedOn), true
	}
	return Value{}, false
}

// AlertRulePage is one page of the rule list with the exact total.
type AlertRulePage struct {
	Records    []*AlertRule
	TotalItems int64
}

// AlertIncident is one run of matching refusals of one rule and key.
type AlertIncident struct {
	ID       int64
	RuleID   int64
	RuleName string
	// Key is the JSON object of the rule's GroupBy fields and their
	// values (AlertKey), e.g. {"CoworkerId":100042}.
	Key string
	// BusinessID is the rule's location, or the key's when the rule
	// covers every location and groups by BusinessId; nil otherwise (then
	// only full administrators see the incident).
	BusinessID *int64
	// CoworkerID is the key's coworker, whose accepted check-in at the
	// incident's location resolves it; nil when the key has none.
	CoworkerID       *int64
	Status           string
	FailureCount     int
	FailedCheckinIDs []int64
	OpenedOn         time.Time
	// LastFailureOn is the latest CheckinAttemptTime of its refusals.
	LastFailureOn  time.Time
	ResolvedOn     *time.Time
	AcknowledgedBy *string
	AcknowledgedOn *time.Time
}

// Business returns the incident's location, 0 for every location.
func (i *AlertIncident) Business() int64 {
	if i.BusinessID == nil {
		return 0
	}
	return *i.BusinessID
}

// Value returns one field of the incident (Valuer), for the list's
// filters and sort.
func (i *AlertIncident) Value(f Field) (Value, bool) {
	switch f {
	case FieldID:
		return intValue(i.ID), true
	case FieldRuleID:
		return intValue(i.RuleID), true
	case FieldBusinessID:
		return optIntValue(i.BusinessID), true
	case FieldStatus:
		return textValue(i.Status), true
	case FieldFailureCount:
		return intValue(int64(i.FailureCount)), true
	case FieldOpenedOn:
		return timeValue(i.OpenedOn), true
	case FieldLastFailureOn:
		return timeValue(i.LastFailureOn), true
	case FieldResolvedOn:
		return optTimeValue(i.ResolvedOn), true
	case FieldAcknowledgedOn:
		return optTimeValue(i.AcknowledgedOn), true
	}
	return Value{}, false
}

// AlertIncidentFields lists the incident's fields that sort its list.
var AlertIncidentFields = []Field{FieldID, FieldRuleID, FieldBusinessID, FieldStatus, FieldFailureCount, FieldOpenedOn,
	FieldLastFailureOn, FieldResolvedOn, FieldAcknowledgedOn}

// AlertIncidentPage is one page of the incident list with the exact total.
type AlertIncidentPage struct {
	Records    []*AlertIncident
	TotalItems int64
}

// AlertKey returns the key of a refusal under groupBy: a JSON object of
// the fields and their values, in AlertGroupFields order, so that equal
// keys are equal strings.
func AlertKey(groupBy []Field, r *FailedCheckin) string {
	b := make([]byte, 0, 64)
	b = append(b, '{')
	n := 0
	for _, f := range AlertGroupFields {
		if !slices.Contains(groupBy, f) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, '"')
		b = append(b, f...)
		b = append(b, '"', ':')
		switch f {
		case FieldCoworkerID:
			b = appendOptInt(b, r.CoworkerID)
		case FieldMacAddresses:
			b = appendJSONString(b, r.MacAddresses)
		case FieldBusinessID:
			b = strconv.AppendInt(b, r.BusinessID, 10)
		case FieldReason:
			if r.Reason == nil {
				b = append(b, "null"...)
			} else {
				b = appendJSONString(b, *r.Reason)
			}
		case FieldSource:
			b = strconv.AppendInt(b, int64(r.Source), 10)
		}
	}
	return string(append(b, '}'))
}

func appendOptInt(b []byte, n *int64) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *n, 10)
}

// appendJSONString appends s as a JSON string: as it is when it needs no
// escaping (a key is made for every rule a refusal matches, and MAC
// addresses and reason codes never do), by encoding/json otherwise.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // a string always marshals
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// AlertIncidentJSON is an incident on the wire: what get-one answers and,
// with Event set, what a webhook receiver gets.
type AlertIncidentJSON struct {
	ID               int64           `json:"Id"`
	RuleID           int64           `json:"RuleId"`
	RuleName         string          `json:"RuleName"`
	Key              json.RawMessage `json:"Key"`
	BusinessID       *int64          `json:"BusinessId"`
	Status           string          `json:"Status"`
	FailureCount     int             `json:"FailureCount"`
	FailedCheckinIDs []int64         `json:"FailedCheckinIds"`
	OpenedOn         string          `json:"OpenedOn"`
	LastFailureOn    string          `json:"LastFailureOn"`
	ResolvedOn       *string         `json:"ResolvedOn"`
	AcknowledgedBy   *string         `json:"AcknowledgedBy"`
	AcknowledgedOn   *string         `json:"AcknowledgedOn"`
	Event            string          `json:"Event,omitempty"`
}

// utcJSON is the API's UTC time layout (api.formatUTC).
const utcJSON = "2006-01-02T15:04:05Z"

func optUTC(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Truncate(time.Second).Format(utcJSON)
	return &s
}

// JSON returns the incident on the wire; event is empty for get-one.
func (i *AlertIncident) JSON(event string) AlertIncidentJSON {
	ids := i.FailedCheckinIDs
	if ids == nil {
		ids = []int64{}
	}
	key := json.RawMessage(i.Key)
	if !json.Valid(key) {
		key = json.RawMessage("{}")
	}
	return AlertIncidentJSON{ID: i.ID, RuleID: i.RuleID, RuleName: i.RuleName, Key: key, BusinessID: i.BusinessID,
		Status: i.Status, FailureCount: i.FailureCount, FailedCheckinIDs: ids,
		OpenedOn: *optUTC(&i.OpenedOn), LastFailureOn: *optUTC(&i.LastFailureOn), ResolvedOn: optUTC(i.ResolvedOn),
		AcknowledgedBy: i.AcknowledgedBy, AcknowledgedOn: optUTC(i.AcknowledgedOn), Event: event}
}

// NotificationBody is a webhook delivery's body for the incident: a JSON
// array of one, with Event (PUSH.md section 3).
func (i *AlertIncident) NotificationBody(event string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as the API answers
	_ = enc.Encode([]AlertIncidentJSON{i.JSON(event)})
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// Email returns the subject and plain-text body of the email that tells
// an email receiver of the event (what, who, where, how many, where to
// look).
func (i *AlertIncident) Email(event string) (subject, body string) {
	where := "every location"
	if i.BusinessID != nil {
		where = "location " + strconv.FormatInt(*i.BusinessID, 10)
	}
	subject = "[failedcheckins] " + event + ": " + i.RuleName + " " + i.Key
	var b strings.Builder
	b.WriteString("Alert rule: " + i.RuleName + " (" + strconv.FormatInt(i.RuleID, 10) + ")\n")
	b.WriteString("Incident: " + strconv.FormatInt(i.ID, 10) + ", " + strings.ToLower(event) + "\n")
	b.WriteString("Who: " + i.Key + "\n")
	b.WriteString("Where: " + where + "\n")
	b.WriteString("Refusals: " + strconv.Itoa(i.FailureCount) + ", the latest at " + i.LastFailureOn.UTC().Format(utcJSON) + "\n")
	b.WriteString("Opened: " + i.OpenedOn.UTC().Format(utcJSON) + "\n")
	if i.ResolvedOn != nil {
		b.WriteString("Resolved: " + i.ResolvedOn.UTC().Format(utcJSON) + "\n")
	}
	b.WriteString("\nSee GET /api/alerts/incidents/" + strconv.FormatInt(i.ID, 10) +
		", or: failedcheckins alerts incidents\n")
	return subject, b.String()
}

// AlertEmail is one queued email notification, as a sender claims it.
type AlertEmail struct {
	ID         int64
	IncidentID int64
	Recipients []string
	Subject    string
	Body       string
	Attempts   int
}

// AlertEmailStore is the outbox of email notifications: queued by the
// store with the incident's change, sent by a sender (package alertmail).
type AlertEmailStore interface {
	// ClaimAlertEmails leases up to limit pending emails due at now to
	// owner until leaseUntil; an expired lease may be claimed again.
	ClaimAlertEmails(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*AlertEmail, error)
	// FinishAlertEmail records one attempt of an email owner holds: sent,
	// or failed with errText and a next attempt at next (nil: failed for
	// good).
	FinishAlertEmail(ctx context.Context, owner string, id int64, sent bool, next *time.Time, errText string) error
}

// AlertStore keeps alert rules and incidents. Incidents are opened,
// joined, repeated and resolved by the attempt pipeline, inside the
// transaction that records the refusals, and by SweepAlerts; reads and
// writes take the caller's scope inside the query, as for webhooks.
type AlertStore interface {
	// CreateAlertRule stores r and sets its ID, UniqueID, CreatedOn and
	// UpdatedOn.
	CreateAlertRule(ctx context.Context, r *AlertRule) error
	// UpdateAlertRule saves every field a client may change when the
	// stored rule lies in scope, or returns an ErrNotFound error.
	UpdateAlertRule(ctx context.Context, scope Scope, r *AlertRule) error
	// DeleteAlertRule deletes the rule and its incidents, or returns an
	// ErrNotFound error.
	DeleteAlertRule(ctx context.Context, scope Scope, id int64) error
	// FindAlertRuleByID returns the rule, or an ErrNotFound error.
	FindAlertRuleByID(ctx context.Context, scope Scope, id int64) (*AlertRule, error)
	// FindAlertRules returns the page of rules q selects.
	FindAlertRules(ctx context.Context, q Query) (*AlertRulePage, error)
	// FindAlertIncidentByID returns the incident, or an ErrNotFound error.
	FindAlertIncidentByID(ctx context.Context, scope Scope, id int64) (*AlertIncident, error)
	// FindAlertIncidents returns the page of incidents q selects.
	FindAlertIncidents(ctx context.Context, q Query) (*AlertIncidentPage, error)
	// AcknowledgeAlertIncident marks an open incident Acknowledged by
	// who (which stops its repeats) and returns it; an incident already
	// acknowledged or resolved is returned unchanged.
	AcknowledgeAlertIncident(ctx context.Context, scope Scope, id int64, who string) (*AlertIncident, error)
	// SweepAlerts resolves the incidents quiet for their rule's
	// ResolveMinutes at the store's clock, queues their notifications,
	// forgets refusals too old to count, and returns how many it resolved.
	SweepAlerts(ctx context.Context) (int, error)
}

// AlertIncidentCount is how many incidents one rule has opened, how many
// of them are resolved and how many are not (Open or Acknowledged), on
// the whole database: the alert metrics (docs/api.md#metrics).
type AlertIncidentCount struct {
	RuleID                 int64
	Opened, Resolved, Open int64
}

// AlertIncidentCounter is a store that counts incidents by rule (both
// SQL stores): read at each scrape of /metrics.
type AlertIncidentCounter interface {
	CountAlertIncidents(ctx context.Context) ([]AlertIncidentCount, error)
}
