package auth

import (
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// Security is what a route's dependency graph accepts and checks, read
// back from the graph itself, so documentation and audits cannot disagree
// with what runs.
type Security struct {
	// Requirements are the accepted ways in: any one of the inner lists,
	// each of whose credentials must all be present. Empty: none needed.
	Requirements [][]Credential
	// Anonymous is true when a request without credentials is served too (Optional).
	Anonymous bool
	// Active is true when the user must be active.
	Active bool
	// Roles the user must have.
	Roles []string
	// Scopes the credential must grant.
	Scopes []string
	// OwnerScoped is true when data access is bound to the user (OwnerOf).
	OwnerScoped bool
}

// Protected reports whether the route needs credentials.
func (s Security) Protected() bool { return len(s.Requirements) > 0 && !s.Anonymous }

// Schemes returns the names of the accepted schemes, in order, once each.
func (s Security) Schemes() []string {
	var out []string
	for _, req := range s.Requirements {
		for _, c := range req {
			if !slices.Contains(out, c.Scheme) {
				out = append(out, c.Scheme)
			}
		}
	}
	return out
}

// String renders s for the route table: "bearer|apikey active role=admin scopes=notes:read owner".
func (s Security) String() string {
	if len(s.Requirements) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, req := range s.Requirements {
		if i > 0 {
			b.WriteString(" | ")
		}
		for j, c := range req {
			if j > 0 {
				b.WriteString("+")
			}
			b.WriteString(c.Scheme)
		}
	}
	if s.Anonymous {
		b.WriteString(" | anonymous")
	}
	return b.String()
}

// Describe reads the security of the graph under roots (an endpoint's
// inputs).
func Describe(roots []dep.Node) Security {
	var s Security
	seen := map[dep.Node]bool{}
	for _, r := range roots {
		s.Requirements = and(s.Requirements, requirements(r, &s, seen))
	}
	dep.Walk(roots, func(n dep.Node) bool {
		if c, ok := n.Meta().(Check); ok {
			switch c.Kind {
			case "active":
				s.Active = true
			case "role":
				if !slices.Contains(s.Roles, c.Role) {
					s.Roles = append(s.Roles, c.Role)
				}
			case "scopes":
				for _, sc := range c.Scopes {
					if !slices.Contains(s.Scopes, sc) {
						s.Scopes = append(s.Scopes, sc)
					}
				}
			case "owner":
				s.OwnerScoped = true
			}
		}
		return true
	})
	return s
}

// requirements returns the alternatives of credentials n needs (nil: none).
// A node met before adds nothing: it is resolved once per request, so a
// second path to it is the same choice, not another requirement.
func requirements(n dep.Node, s *Security, seen map[dep.Node]bool) [][]Credential {
	if seen[n] {
		return nil
	}
	seen[n] = true
	switch m := n.Meta().(type) {
	case Credential:
		return [][]Credential{{m}}
	case alternatives:
		var out [][]Credential
		for _, in := range n.Inputs() {
			out = append(out, requirements(in, s, seen)...)
		}
		return out
	case optional:
		s.Anonymous = true
	}
	var out [][]Credential
	for _, in := range n.Inputs() {
		out = and(out, requirements(in, s, seen))
	}
	return out
}

// and combines two sets of alternatives that are both required.
func and(a, b [][]Credential) [][]Credential {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	var out [][]Credential
	for _, x := range a {
		for _, y := range b {
			out = append(out, append(slices.Clone(x), y...))
		}
	}
	return out
}
