package failedcheckins

import (
	"context"
	"strings"
	"time"
)

// RoleAuditList reads the audit trail (GET /api/audit); full
// administrators hold it, like every role.
const RoleAuditList = "Audit-List"

// AuditChannel is how a request reached the service (PRIVACY.md section 1).
type AuditChannel string

// The channels of an audit entry.
const (
	ChannelAPI     AuditChannel = "Api"
	ChannelConsole AuditChannel = "Console"
	ChannelStream  AuditChannel = "Stream"
	ChannelCLI     AuditChannel = "Cli"
)

// AuditChannels lists every channel, in the order of PRIVACY.md.
func AuditChannels() []AuditChannel {
	return []AuditChannel{ChannelAPI, ChannelConsole, ChannelStream, ChannelCLI}
}

// ParseAuditChannel reads a channel name in any case.
func ParseAuditChannel(s string) (AuditChannel, bool) {
	for _, c := range AuditChannels() {
		if strings.EqualFold(s, string(c)) {
			return c, true
		}
	}
	return "", false
}

// AuditEntry is one line of the audit trail: who read or changed what,
// when, from where, through which channel, and what they got.
type AuditEntry struct {
	ID int64
	// On is when the request was answered, UTC, in whole seconds (as
	// records' times are, on both stores).
	On time.Time
	// UserEmail is the signed-in user; "" when the request carried no
	// valid credentials (a refused attempt). For the command line it
	// names the operating-system account that ran it (user@host).
	UserEmail string
	// ClientAddress is the client's IP address after --trusted-proxies
	// (package proxyaddr); "" for the command line.
	ClientAddress string
	Channel       AuditChannel
	// Method and Path are the HTTP method and path; for the command line
	// Method is "CLI" and Path the command ("users disable").
	Method string
	Path   string
	// Query is the query string as sent (for the command line, its
	// arguments other than secrets).
	Query string
	// Status is the HTTP status of the answer (the command line uses the
	// status the same failure would have over HTTP: 200, 400, 404, 409, 500).
	Status int
	// ResultCount is the number of records (or personal entries: a
	// directory's coworkers, an evaluation) returned; for a search, those
	// of the page, with TotalItems beside it. TotalItems is nil for
	// anything but a search.
	ResultCount int64
	TotalItems  *int64
}

// The fields of an audit entry, as GET /api/audit names them (orderBy and
// the answer's JSON).
const (
	FieldAuditOn            Field = "On"
	FieldAuditUserEmail     Field = "UserEmail"
	FieldAuditClientAddress Field = "ClientAddress"
	FieldAuditChannel       Field = "Channel"
	FieldAuditMethod        Field = "Method"
	FieldAuditPath          Field = "Path"
	FieldAuditQuery         Field = "Query"
	FieldAuditStatus        Field = "Status"
	FieldAuditResultCount   Field = "ResultCount"
	FieldAuditTotalItems    Field = "TotalItems"
)

// AuditFields lists the fields of an audit entry; every one of them is a
// valid sort field.
var AuditFields = []Field{
	FieldID, FieldAuditOn, FieldAuditUserEmail, FieldAuditClientAddress, FieldAuditChannel, FieldAuditMethod,
	FieldAuditPath, FieldAuditQuery, FieldAuditStatus, FieldAuditResultCount, FieldAuditTotalItems,
}

// AuditPage is one page of audit entries with the exact total.
type AuditPage struct {
	Entries    []*AuditEntry
	TotalItems int64
}

// AuditStore keeps the audit trail. Entries are only ever appended (and,
// once retention exists, deleted when old); nothing changes one.
type AuditStore interface {
	// AppendAuditEntries stores every entry in one transaction (the
	// store numbers them); On is kept to the second.
	AppendAuditEntries(ctx context.Context, entries []*AuditEntry) error
	// FindAuditEntries returns the page q selects and the exact total. The
	// audit names no location: q.Scope must be AllBusinesses (the role
	// Audit-List is the gate), any other scope sees nothing.
	FindAuditEntries(ctx context.Context, q Query) (*AuditPage, error)
}
