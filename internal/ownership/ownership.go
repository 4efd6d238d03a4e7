// Package ownership holds the proof values that only the auth package may
// mint: an Owner (whose data a request may touch) and a RoleGrant (which
// role a request was checked for). The types are re-exported by package
// auth; because this package is internal, code outside the module cannot
// construct them, so a handler cannot express "the notes of user 42" unless
// an auth dependency established that the request acts as user 42.
package ownership

// Owner names the user whose data a request may read or change. The zero
// Owner is invalid and owns nothing.
type Owner[ID comparable] struct {
	id    ID
	valid bool
}

// NewOwner mints an Owner. Only package auth and the module's own tests call it.
func NewOwner[ID comparable](id ID) Owner[ID] { return Owner[ID]{id: id, valid: true} }

// ID returns the owner's id.
func (o Owner[ID]) ID() ID { return o.id }

// Valid reports whether o was minted by auth (the zero Owner is not).
func (o Owner[ID]) Valid() bool { return o.valid }

// RoleGrant proves that a request was checked for a role. The zero RoleGrant
// grants nothing.
type RoleGrant struct{ role string }

// NewRoleGrant mints a RoleGrant. Only package auth and the module's own tests call it.
func NewRoleGrant(role string) RoleGrant { return RoleGrant{role: role} }

// Role returns the role that was checked, or "" for the zero RoleGrant.
func (g RoleGrant) Role() string { return g.role }

// Has reports whether g proves role (never for the empty role).
func (g RoleGrant) Has(role string) bool { return role != "" && g.role == role }
