package auth

import (
	"slices"
)

// User is what auth needs to know of an application's user type.
type User interface {
	// IsActive reports whether the user may act (ActiveUser).
	IsActive() bool
	// HasRole reports whether the user has a role (RequireRole).
	HasRole(role string) bool
}

// Method says which credential authenticated a request.
type Method string

// Methods.
const (
	MethodBearer  Method = "bearer"
	MethodAPIKey  Method = "apikey"
	MethodSession Method = "session"
	// MethodLegacyBearer is a bearer token of the application the users
	// came from (LegacyTokens): no session, no revocation.
	MethodLegacyBearer Method = "legacy_bearer"
)

// Principal is who a request acts as: the user, the credential used and
// the scopes that credential grants.
//
// Its fields are unexported, so only an Authenticator can make a Principal
// that names a user (and gatehousetest.Principal, which runs one, for
// tests): code outside this package can hold, copy and read a Principal,
// never forge one. The zero Principal is anonymous (see Optional), and
// OwnerOf, RequireRole and RequireAdmin refuse it with 401. Use a value
// type for U: a Principal hands out copies of its user.
type Principal[U any] struct {
	user      U
	method    Method
	scopes    []string
	sessionID string
	keyID     string
}

// User returns the authenticated user (the zero U when anonymous).
func (p Principal[U]) User() U { return p.user }

// Method returns the credential that authenticated the request ("" when anonymous).
func (p Principal[U]) Method() Method { return p.method }

// Scopes returns a copy of the scopes the credential grants.
func (p Principal[U]) Scopes() []string { return slices.Clone(p.scopes) }

// SessionID returns the login session behind a bearer token or cookie ("" for an API key).
func (p Principal[U]) SessionID() string { return p.sessionID }

// KeyID returns the API key's id, for MethodAPIKey ("" otherwise).
func (p Principal[U]) KeyID() string { return p.keyID }

// Authenticated reports whether p names a user: whether an Authenticator
// made it (Optional yields the zero Principal when no credential was sent).
func (p Principal[U]) Authenticated() bool { return p.method != "" }

// HasScope reports whether the credential grants scope.
func (p Principal[U]) HasScope(scope string) bool { return slices.Contains(p.scopes, scope) }

// Owner names the user whose data a request may touch. Only OwnerOf mints
// one (and gatehousetest, for tests); storage takes it instead of a user
// id, so a handler cannot express "the notes of user 42" on its own. The
// zero Owner is invalid and owns nothing.
type Owner[ID comparable] struct {
	id    ID
	valid bool
}

// ID returns the owner's id (the zero ID for the zero Owner: check Valid).
func (o Owner[ID]) ID() ID { return o.id }

// Valid reports whether o was minted by OwnerOf (the zero Owner is not).
// Storage refuses an invalid Owner.
func (o Owner[ID]) Valid() bool { return o.valid }

// RoleGrant proves a request passed RequireRole (or RequireAdmin) for a
// role. Only those checks mint one (and gatehousetest, for tests); storage
// operations that cross owners take one instead of trusting the caller. The
// zero RoleGrant grants nothing.
type RoleGrant struct{ role string }

// Role returns the role that was checked, or "" for the zero RoleGrant.
func (g RoleGrant) Role() string { return g.role }

// Has reports whether g proves role (never for the empty role).
func (g RoleGrant) Has(role string) bool { return role != "" && g.role == role }

// Privileged is a principal that passed a role check, with the proof.
type Privileged[U any] struct {
	Principal[U]
	Grant RoleGrant
}
