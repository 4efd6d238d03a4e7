// Package auth is a stub of gatehouse's auth package for the analyzer's tests.
package auth

// Principal is who a request acts as.
type Principal[U any] struct{ user U }

// User returns the authenticated user.
func (p Principal[U]) User() U { return p.user }

// Owner names the user whose data a request may touch.
type Owner[ID comparable] struct{ id ID }

// ID returns the owner's id.
func (o Owner[ID]) ID() ID { return o.id }

// RoleGrant proves a role check.
type RoleGrant struct{ role string }

// Privileged is a principal that passed a role check.
type Privileged[U any] struct {
	Principal[U]
	Grant RoleGrant
}
