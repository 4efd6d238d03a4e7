package gatehousetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// Principal returns the principal of u as an Authenticator makes it for a
// live bearer token granting scopes (Method bearer, SessionID "1"): the one
// way to fake a user in a test, for example to override a dependency with
// dep.Provide(r, authn.Bearer(), gatehousetest.Principal(u, "notes:read")).
//
// auth.Principal has no exported fields, so nothing else can make one that
// names a user; Principal does it honestly, by running a throwaway
// Authenticator over a token it signs itself. It panics outside a test
// binary (testing.Testing reports false), so it cannot become a back door
// in production code.
func Principal[U auth.User](u U, scopes ...string) auth.Principal[U] {
	mustTest("Principal")
	authn, token := bearerFor(u, scopes)
	return resolve(authn.Bearer(), token)
}

// Owner returns an auth.Owner of id, as OwnerOf mints it for a principal
// whose user is id: for tests of owner-scoped storage. It panics outside a
// test binary.
func Owner[ID comparable](id ID) auth.Owner[ID] {
	mustTest("Owner")
	authn, token := bearerFor(subject[ID]{id: id}, nil)
	return resolve(auth.OwnerOf[ID](authn.Bearer()), token)
}

// Grant returns an auth.RoleGrant for role, as RequireRole mints it for a
// user who has the role: for tests of storage operations that cross
// owners. It panics outside a test binary.
func Grant(role string) auth.RoleGrant {
	mustTest("Grant")
	var zero int64
	authn, token := bearerFor(subject[int64]{id: zero, role: role}, nil)
	return resolve(auth.RequireRole(authn.Bearer(), role), token).Grant
}

func mustTest(what string) {
	if !testing.Testing() {
		panic("gatehousetest: " + what + " is for tests only")
	}
}

// subject is the user of Owner and Grant.
type subject[ID comparable] struct {
	id   ID
	role string
}

func (s subject[ID]) IsActive() bool        { return true }
func (s subject[ID]) HasRole(r string) bool { return r != "" && r == s.role }
func (s subject[ID]) Subject() ID           { return s.id }

// fixedSession is a SessionStore with one live session, of u.
type fixedSession[U any] struct{ u U }

func (f fixedSession[U]) FindSession(context.Context, string, string) (U, error) { return f.u, nil }

// bearerFor returns an Authenticator whose one session is u's, and a token
// of that session granting scopes.
func bearerFor[U auth.User](u U, scopes []string) (*auth.Authenticator[U], string) {
	key, err := auth.HS256Key("gatehousetest", []byte(rand.Text()+rand.Text()))
	if err != nil {
		panic(err)
	}
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "gatehousetest", Audience: "gatehousetest"}, key)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	token, err := kr.Issue(auth.Claims{Subject: "1", SessionID: "1", Scopes: scopes, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		panic(err)
	}
	return auth.MustNewAuthenticator(auth.Config[U]{Keyring: kr, Sessions: fixedSession[U]{u}}), token
}

// resolve runs d for one request carrying token and returns its value.
func resolve[T any](d dep.Dep[T], token string) T {
	var v T
	h := dep.Handler(d, func(_ context.Context, x T) (dep.NoContent, error) {
		v = x
		return dep.NoContent{}, nil
	}).WithErrors(func(_ http.ResponseWriter, _ *http.Request, err error) {
		panic(fmt.Sprintf("gatehousetest: the throwaway authenticator refused its own token: %v", err))
	})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	h.ServeHTTP(httptest.NewRecorder(), r)
	return v
}
