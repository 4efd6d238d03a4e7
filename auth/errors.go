package auth

import (
	"errors"

	"github.com/gatehouse-dev/gatehouse/problem"
)

// missing marks "no credential of this kind was sent": AnyOf tries the
// next alternative and Optional yields the anonymous Principal. It unwraps
// to the problem to answer when nothing else applies.
type missing struct{ p *problem.Details }

func (m missing) Error() string { return m.p.Error() }
func (m missing) Unwrap() error { return m.p }

// IsMissing reports whether err means that no credential of some kind was
// sent (as opposed to a bad one).
func IsMissing(err error) bool {
	var m missing
	return errors.As(err, &m)
}

// combineMissing is the answer when no alternative found its credential:
// 401 "Not authenticated" with every alternative's challenge.
func combineMissing(errs []error) error {
	var challenges []string
	for _, err := range errs {
		var p *problem.Details
		if errors.As(err, &p) {
			challenges = append(challenges, p.Header.Values("WWW-Authenticate")...)
		}
	}
	return missing{problem.Unauthenticated(challenges...)}
}
