package failedcheckins

import "slices"

// Scope is the set of locations (business ids) a caller may read.
// The zero Scope sees nothing: an empty scope never means "everything".
type Scope struct {
	all        bool
	businesses []int64
}

// AllBusinesses is the scope of a full administrator (and of the command
// line, which runs with the operator's authority).
func AllBusinesses() Scope { return Scope{all: true} }

// BusinessScope is the scope of a user bound to the given locations. With no
// ids the scope sees nothing.
func BusinessScope(ids ...int64) Scope {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return Scope{businesses: slices.Compact(ids)}
}

// All reports whether the scope sees every location.
func (s Scope) All() bool { return s.all }

// Businesses returns the sorted location ids of a restricted scope; it is
// empty both for AllBusinesses and for a scope that sees nothing.
func (s Scope) Businesses() []int64 { return slices.Clone(s.businesses) }

// Empty reports whether the scope sees nothing at all.
func (s Scope) Empty() bool { return !s.all && len(s.businesses) == 0 }

// Allows reports whether records of the given location are visible.
func (s Scope) Allows(businessID int64) bool {
	if s.all {
		return true
	}
	_, found := slices.BinarySearch(s.businesses, businessID)
	return found
}
