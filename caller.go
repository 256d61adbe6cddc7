package failedcheckins

import "slices"

// Roles are named <Entity>-<Action> and matched case-insensitively (docs/api.md#authentication).
const (
	RoleFailedCheckinList = "FailedCheckin-List"
	RoleFailedCheckinRead = "FailedCheckin-Read"
)

// Caller is who makes a request, once authenticated: what they may do and
// which locations they may see.
type Caller struct {
	UserID int64
	Email  string
	// Admin marks a full administrator: every role, every location.
	Admin bool
	Roles []string
	// Scope is AllBusinesses for an administrator and the user's bound
	// locations otherwise (nothing, for a user bound to none).
	Scope Scope
	// MaskPersonalData makes the caller see personal fields masked and
	// refuses their filters and sorts (mask.go, PRIVACY.md section 4).
	MaskPersonalData bool
}

// HasRole reports whether the caller holds role (case-insensitively);
// a full administrator holds every role.
func (c *Caller) HasRole(role string) bool {
	if c == nil {
		return false
	}
	if c.Admin {
		return true
	}
	return slices.ContainsFunc(c.Roles, func(r string) bool { return Fold(r) == Fold(role) })
}
