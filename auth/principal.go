package auth

import (
	"slices"

	"github.com/gatehouse-dev/gatehouse/internal/ownership"
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
)

// Principal is who a request acts as: the user, the credential used and
// the scopes that credential grants. The zero Principal is anonymous (see
// Optional).
type Principal[U any] struct {
	User      U
	Method    Method
	Scopes    []string // granted by the credential
	SessionID string   // the login session behind a bearer token or cookie
	KeyID     string   // the API key, for MethodAPIKey
}

// Authenticated reports whether p names a user (Optional yields the zero
// Principal when no credential was sent).
func (p Principal[U]) Authenticated() bool { return p.Method != "" }

// HasScope reports whether the credential grants scope.
func (p Principal[U]) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

// Owner names the user whose data a request may touch. Only OwnerOf mints
// one; storage takes it instead of a user id, so a handler cannot express
// "the notes of user 42" on its own. The zero Owner owns nothing.
type Owner[ID comparable] = ownership.Owner[ID]

// RoleGrant proves a request passed RequireRole (or RequireAdmin) for a
// role. The zero RoleGrant grants nothing.
type RoleGrant = ownership.RoleGrant

// Privileged is a principal that passed a role check, with the proof.
type Privileged[U any] struct {
	Principal[U]
	Grant RoleGrant
}
