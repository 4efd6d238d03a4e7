package auth

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Check describes one authorisation rule, as the metadata of the check's
// dependency.
type Check struct {
	Kind   string   // "active", "role", "scopes" or "owner"
	Role   string   // for "role"
	Scopes []string // for "scopes"
}

// AdminRole is the role RequireAdmin checks.
const AdminRole = "admin"

// Scoped is a principal whose credential grants scopes.
type Scoped interface {
	HasScope(scope string) bool
}

func authenticated[U any](p Principal[U]) error {
	if !p.Authenticated() {
		return problem.NotAuthenticated()
	}
	return nil
}

// ActiveUser is FastAPI's get_current_active_user: p, if its user is
// active; otherwise 400 "Inactive user".
func ActiveUser[U User](p dep.Dep[Principal[U]]) dep.Dep[Principal[U]] {
	return dep.Derive(p, func(_ context.Context, v Principal[U]) (Principal[U], error) {
		if err := authenticated(v); err != nil {
			return v, err
		}
		if !v.user.IsActive() {
			return v, problem.InactiveUser()
		}
		return v, nil
	}).Describe("active", Check{Kind: "active"})
}

// RequireRole is FastAPI's require_role factory: p, if its user has role,
// with the RoleGrant that proves it; otherwise 403 "Insufficient permissions".
func RequireRole[U User](p dep.Dep[Principal[U]], role string) dep.Dep[Privileged[U]] {
	return requireRole(p, role, problem.InsufficientPermissions)
}

// RequireAdmin is FastAPI's require_admin: RequireRole(p, AdminRole), but
// answering 403 "Admin access required".
func RequireAdmin[U User](p dep.Dep[Principal[U]]) dep.Dep[Privileged[U]] {
	return requireRole(p, AdminRole, problem.AdminRequired)
}

func requireRole[U User](p dep.Dep[Principal[U]], role string, refuse func() *problem.Details) dep.Dep[Privileged[U]] {
	return dep.Derive(p, func(_ context.Context, v Principal[U]) (Privileged[U], error) {
		if err := authenticated(v); err != nil {
			return Privileged[U]{}, err
		}
		if !v.user.HasRole(role) {
			return Privileged[U]{}, refuse()
		}
		return Privileged[U]{Principal: v, Grant: RoleGrant{role: role}}, nil
	}).Describe("role."+role, Check{Kind: "role", Role: role})
}

// RequireScopes passes p on if its credential grants every scope; otherwise
// 403 "Not enough permissions" with WWW-Authenticate naming the scopes. An
// anonymous principal (Optional, or a zero Principal) is 401.
func RequireScopes[P Scoped](p dep.Dep[P], scopes ...string) dep.Dep[P] {
	return dep.Derive(p, func(_ context.Context, v P) (P, error) {
		if a, ok := any(v).(interface{ Authenticated() bool }); ok && !a.Authenticated() {
			return v, problem.NotAuthenticated() // anonymous: no credential to lack a scope
		}
		for _, s := range scopes {
			if !v.HasScope(s) {
				return v, problem.MissingScope(scopes...)
			}
		}
		return v, nil
	}).Describe("scopes", Check{Kind: "scopes", Scopes: scopes})
}

// Subject is a user with an id of type ID.
type Subject[ID comparable] interface {
	User
	Subject() ID
}

// OwnerOf mints the Owner of p's user: the proof storage asks for before it
// shows anyone's data. It is the only way to get an Owner outside tests.
func OwnerOf[ID comparable, U Subject[ID]](p dep.Dep[Principal[U]]) dep.Dep[Owner[ID]] {
	return dep.Derive(p, func(_ context.Context, v Principal[U]) (Owner[ID], error) {
		if err := authenticated(v); err != nil {
			return Owner[ID]{}, err
		}
		return Owner[ID]{id: v.user.Subject(), valid: true}, nil
	}).Describe("owner", Check{Kind: "owner"})
}
