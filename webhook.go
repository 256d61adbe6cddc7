package failedcheckins

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"time"
)

// Webhook is a subscription of a receiver URL to the records of one
// action (docs/api.md#webhooks, PUSH.md section 1): every record the
// service writes that it covers (Action, BusinessID, Filter) is POSTed to
// URL, signed with Secret.
type Webhook struct {
	ID       int64
	UniqueID string
	// BusinessID is the location whose records it carries; nil carries
	// every location's (full administrators only).
	BusinessID  *int64
	Name        string
	Action      int
	Description string
	URL         string
	Active      bool
	// Filter is a query string in the search grammar of the action's
	// entity (FailedCheckin_ parameters for 63, Checkin_ for 47); empty
	// sends every record.
	Filter string
	// Secret is the HMAC key of the signatures. It is kept readable (the
	// service signs with it on every attempt, so a hash would not do) and
	// is returned to a client only in the answer that sets it.
	Secret string
	// LastError, ErrorCount and LastTrigger are the dispatcher's: the
	// last failure's text, the consecutive failed attempts, the time of
	// the last attempt.
	LastError   string
	ErrorCount  int
	LastTrigger *time.Time
	CreatedOn   time.Time
	UpdatedOn   time.Time
	UpdatedBy   *string
	SystemID    *string
}

// The actions a webhook can subscribe to (Nexudus's numbers; 1001 is an
// extension).
const (
	ActionCheckinCreated = 47
	ActionFailedCheckin  = 63
	ActionAlertIncident  = 1001
)

// WebhookActionName names an action as Nexudus does ("63 FailedCheckin"),
// for the console and the command line; an unknown action is its number.
func WebhookActionName(a int) string {
	switch a {
	case ActionFailedCheckin:
		return "63 FailedCheckin"
	case ActionCheckinCreated:
		return "47 CheckinCreated"
	case ActionAlertIncident:
		return "1001 AlertIncident"
	}
	return strconv.Itoa(a)
}

// WebhookActions lists the valid actions.
var WebhookActions = []int{ActionFailedCheckin, ActionCheckinCreated, ActionAlertIncident}

// Roles of the webhook endpoints.
const (
	RoleWebhookList   = "WebHook-List"
	RoleWebhookRead   = "WebHook-Read"
	RoleWebhookCreate = "WebHook-Create"
	RoleWebhookEdit   = "WebHook-Edit"
	RoleWebhookDelete = "WebHook-Delete"
)

// Limits of a webhook's fields.
const (
	MaxWebhookNameLength = 200
	// WebhookDisableAfter is the number of consecutive failed attempts
	// that disables a webhook, as Nexudus does.
	WebhookDisableAfter = 10
)

// WebhookSecretPrefix starts every generated secret (Standard Webhooks).
const WebhookSecretPrefix = "whsec_"

// NewWebhookSecret returns a new secret: WebhookSecretPrefix and the
// base64 of 32 random bytes.
func NewWebhookSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// The fields of a Webhook that records do not share, for the list's
// filters and sort (Id, UniqueId, BusinessId, Description, CreatedOn, ...
// share the record constants).
const (
	FieldName        Field = "Name"
	FieldAction      Field = "Action"
	FieldURL         Field = "URL"
	FieldActive      Field = "Active"
	FieldFilter      Field = "Filter"
	FieldLastError   Field = "LastError"
	FieldErrorCount  Field = "ErrorCount"
	FieldLastTrigger Field = "LastTrigger"
)

// WebhookFields lists the webhook's fields that sort its list.
var WebhookFields = []Field{
	FieldID, FieldUniqueID, FieldBusinessID, FieldName, FieldAction, FieldDescription, FieldURL, FieldActive,
	FieldFilter, FieldLastError, FieldErrorCount, FieldLastTrigger, FieldCreatedOn, FieldUpdatedOn, FieldUpdatedBy,
	FieldIsNew, FieldSystemID,
}

// Business returns the webhook's location, 0 for every location.
func (w *Webhook) Business() int64 {
	if w.BusinessID == nil {
		return 0
	}
	return *w.BusinessID
}

// Value returns one field of the webhook (Valuer), so that the list's
// filters and sort are the search's.
func (w *Webhook) Value(f Field) (Value, bool) {
	switch f {
	case FieldID:
		return intValue(w.ID), true
	case FieldUniqueID:
		return textValue(w.UniqueID), true
	case FieldBusinessID:
		return optIntValue(w.BusinessID), true
	case FieldName:
		return textValue(w.Name), true
	case FieldAction:
		return intValue(int64(w.Action)), true
	case FieldDescription:
		return textValue(w.Description), true
	case FieldURL:
		return textValue(w.URL), true
	case FieldActive:
		if w.Active {
			return intValue(1), true
		}
		return intValue(0), true
	case FieldFilter:
		return textValue(w.Filter), true
	case FieldLastError:
		return textValue(w.LastError), true
	case FieldErrorCount:
		return intValue(int64(w.ErrorCount)), true
	case FieldLastTrigger:
		return optTimeValue(w.LastTrigger), true
	case FieldCreatedOn:
		return timeValue(w.CreatedOn), true
	case FieldUpdatedOn:
		return timeValue(w.UpdatedOn), true
	case FieldUpdatedBy:
		return optTextValue(w.UpdatedBy), true
	case FieldIsNew:
		return intValue(0), true
	case FieldSystemID:
		return optTextValue(w.SystemID), true
	}
	return Value{}, false
}

// WebhookPage is one page of the webhook list with the exact total.
type WebhookPage struct {
	Records    []*Webhook
	TotalItems int64
}

// Delivery statuses.
const (
	DeliveryPending   = "Pending"
	DeliveryDelivered = "Delivered"
	DeliveryFailed    = "Failed"
)

// WebhookDelivery is one record to send to one webhook, and how far its
// sending got (the delivery log).
type WebhookDelivery struct {
	ID        int64
	WebhookID int64
	Action    int
	RecordID  int64
	// EventID is the Standard Webhooks webhook-id: the same on every
	// attempt, so a receiver deduplicates on it.
	EventID        string
	Status         string
	Attempts       int
	LastStatusCode *int
	LastError      *string
	NextAttemptOn  *time.Time
	DeliveredOn    *time.Time
	CreatedOn      time.Time
	// Body is the payload fixed when the delivery was queued (an alert
	// incident); nil means the record as get-one returns it at the time
	// of the attempt.
	Body *string
	// Scope is the location the webhook covers when the delivery is
	// claimed (its BusinessId; every location when nil): the record is
	// read within it, so a webhook moved to another location, or a
	// redelivery after such a move, never carries a record of a location
	// it no longer covers. Filled by the claim only.
	Scope *int64
}

// WebhookDeliveryPage is one page of a webhook's delivery log.
type WebhookDeliveryPage struct {
	Records    []*WebhookDelivery
	TotalItems int64
}

// DeliveryJob is a delivery a dispatcher has claimed, with what it needs
// to send it.
type DeliveryJob struct {
	Delivery WebhookDelivery
	URL      string
	Secret   string
}

// DeliveryResult is the outcome of one attempt of a claimed delivery.
type DeliveryResult struct {
	DeliveryID int64
	WebhookID  int64
	// At is when the attempt was made (LastTrigger).
	At time.Time
	// Delivered: a 2xx. Otherwise Next is the next attempt's time, or nil
	// when the delivery has failed for good.
	Delivered  bool
	Next       *time.Time
	StatusCode int // 0 when no answer came
	Error      string
	// Disable turns the webhook off (a 410 Gone), whatever its count.
	Disable bool
	// NotSent: nothing was sent, because the record no longer exists
	// within the webhook's location (deleted, or the webhook moved). The
	// delivery ends as Failed with Error saying so, but it was no attempt
	// and no fault of the receiver: Attempts and the webhook's
	// ErrorCount, LastError, LastTrigger and Active stay as they were.
	NotSent bool
}

// WebhookStore keeps webhooks and their deliveries. Reads and writes take
// the caller's scope inside the query: a scoped caller sees and changes
// only webhooks of its locations, never one of every location (nil
// BusinessID). The functions are the store's, so the command line manages
// webhooks without HTTP.
type WebhookStore interface {
	// CreateWebhook stores w and sets its ID, UniqueID, CreatedOn and
	// UpdatedOn (Secret must be set: NewWebhookSecret).
	CreateWebhook(ctx context.Context, w *Webhook) error
	// UpdateWebhook saves the fields of w that a client may change
	// (BusinessID, Name, Action, Description, URL, Active, Filter,
	// Secret, SystemID; and UpdatedBy) when the stored webhook lies in
	// scope, or returns an ErrNotFound error. base is the webhook as the
	// caller read it before making w: only the fields where w differs
	// from base are written, over the webhook as stored at that moment,
	// so a change made meanwhile (another user's edit, a secret rotated,
	// the dispatcher's disable after a 410) is kept unless the caller
	// changed the same field. A nil base writes every field of w. Turning
	// a webhook on resets its ErrorCount and makes its pending deliveries
	// due at once.
	UpdateWebhook(ctx context.Context, scope Scope, base, w *Webhook) error
	// DeleteWebhook deletes the webhook and its deliveries, or returns an
	// ErrNotFound error.
	DeleteWebhook(ctx context.Context, scope Scope, id int64) error
	// FindWebhookByID returns the webhook, or an ErrNotFound error when it
	// does not exist or lies outside scope.
	FindWebhookByID(ctx context.Context, scope Scope, id int64) (*Webhook, error)
	// FindWebhooks returns the page of webhooks q selects (q.Conditions on
	// WebhookFields, q.Scope, order and page).
	FindWebhooks(ctx context.Context, q Query) (*WebhookPage, error)
	// FindWebhookDeliveries returns a page of the webhook's deliveries,
	// newest first, or an ErrNotFound error when the webhook is not in
	// scope.
	FindWebhookDeliveries(ctx context.Context, scope Scope, webhookID int64, page int64, size int) (*WebhookDeliveryPage, error)
	// RedeliverWebhook makes deliveries of the webhook pending and due at
	// once: those with the given ids, or every one with the given status.
	// It returns how many it changed.
	RedeliverWebhook(ctx context.Context, scope Scope, webhookID int64, ids []int64, status string) (int64, error)
	// ClaimDeliveries leases up to limit pending deliveries due at now of
	// active webhooks to owner until leaseUntil; a lease that has expired
	// (its server died) may be claimed again.
	ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*DeliveryJob, error)
	// FinishDelivery records one attempt's result of a delivery owner
	// holds, and updates the webhook's ErrorCount, LastError,
	// LastTrigger, and Active (disabled at WebhookDisableAfter or on
	// Disable). A NotSent result only ends the delivery.
	FinishDelivery(ctx context.Context, owner string, r DeliveryResult) error
	// FinishDeliveries is FinishDelivery of several results in one write
	// transaction, in order: the dispatcher records the attempts that
	// end together at once, so that sending does not take the database's
	// writer (SQLite's one) once per delivery.
	FinishDeliveries(ctx context.Context, owner string, rs []DeliveryResult) error
	// FinishAndClaim is FinishDeliveries of rs and then ClaimDeliveries
	// (limit 0: none), in one write transaction: the dispatcher hands the
	// places of the attempts that ended to the next due deliveries with
	// one turn of the database's writer rather than two.
	FinishAndClaim(ctx context.Context, owner string, rs []DeliveryResult, now, leaseUntil time.Time, limit int) ([]*DeliveryJob, error)
	// OldestDue returns when the work that has waited longest for any
	// dispatcher became due, as of now: the oldest record queued and not
	// yet made into deliveries, or the oldest delivery that a claim at
	// now could take (pending, due, of an active webhook, not leased);
	// the zero time when there is none. It reads what every server on
	// the database shares, without locks and without writing: a
	// dispatcher asks it whether it is behind (webhook.Config.Behind).
	OldestDue(ctx context.Context, now time.Time) (time.Time, error)
}
