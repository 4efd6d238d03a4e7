package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Credential describes one way a request can authenticate; it is the
// metadata of the extractor dependencies, and what OpenAPI security schemes
// and the route audit are made from.
type Credential struct {
	// Scheme is the security scheme's name: "OAuth2PasswordBearer",
	// "APIKeyHeader", "APIKeyQuery" or "SessionCookie".
	Scheme string
	// In is where the credential travels: "header", "query" or "cookie".
	In string
	// Name is the header, query parameter or cookie name.
	Name string
	// TokenURL is where an OAuth2 password-flow client gets a token.
	TokenURL string
}

// Scheme names.
const (
	SchemeBearer        = "OAuth2PasswordBearer"
	SchemeAPIKeyHeader  = "APIKeyHeader"
	SchemeAPIKeyQuery   = "APIKeyQuery"
	SchemeSessionCookie = "SessionCookie"
)

// BearerToken is FastAPI's OAuth2PasswordBearer: the dependency on the
// token of an "Authorization: Bearer <token>" header. The scheme is
// case-insensitive (RFC 6750); a token in the query string is never looked
// at. No token is 401 "Not authenticated" with WWW-Authenticate: Bearer.
// tokenURL is documentation only: where clients log in.
func BearerToken(tokenURL string) dep.Dep[string] {
	return dep.New("bearer", func(r *http.Request) (string, error) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
			return "", missing{problem.NotAuthenticated()}
		}
		return token, nil
	}).Describe("bearer", Credential{Scheme: SchemeBearer, In: "header", Name: "Authorization", TokenURL: tokenURL})
}

// APIKeyHeader is the dependency on an API key sent in the header name
// (FastAPI's APIKeyHeader). No key is 401 "Not authenticated" with
// WWW-Authenticate: APIKey.
func APIKeyHeader(name string) dep.Dep[string] {
	return dep.New("apikey.header", func(r *http.Request) (string, error) {
		if k := r.Header.Get(name); k != "" {
			return k, nil
		}
		return "", missing{problem.APIKeyMissing()}
	}).Describe("apikey.header", Credential{Scheme: SchemeAPIKeyHeader, In: "header", Name: name})
}

// APIKeyQuery is the dependency on an API key sent as the query parameter
// name (FastAPI's APIKeyQuery). Credentials in URLs end up in logs and
// browser history: offer it only where clients cannot send headers.
func APIKeyQuery(name string) dep.Dep[string] {
	return dep.New("apikey.query", func(r *http.Request) (string, error) {
		if k := r.URL.Query().Get(name); k != "" {
			return k, nil
		}
		return "", missing{problem.APIKeyMissing()}
	}).Describe("apikey.query", Credential{Scheme: SchemeAPIKeyQuery, In: "query", Name: name})
}

// SessionCookie is the dependency on a browser session cookie. No cookie
// is 401 "Not authenticated" with the challenge of cookieChallenge.
func SessionCookie(name string) dep.Dep[string] {
	return dep.New("cookie", func(r *http.Request) (string, error) {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value, nil
		}
		return "", missing{problem.Unauthenticated(cookieChallenge(name))}
	}).Describe("cookie", Credential{Scheme: SchemeSessionCookie, In: "cookie", Name: name})
}

// alternatives marks an AnyOf node; optional marks an Optional node.
type (
	alternatives struct{}
	optional     struct{}
)

// AnyOf returns the principal of the first alternative whose credential
// the request carries: "a bearer token or an API key". An alternative whose
// credential is present but bad fails the request (no falling through to
// the next). With none present, the answer is 401 "Not authenticated" with
// every alternative's WWW-Authenticate challenge.
func AnyOf[U any](alts ...dep.Dep[Principal[U]]) dep.Dep[Principal[U]] {
	return dep.Alternatives(IsMissing, combineMissing, alts...).Describe("anyOf", alternatives{})
}

// Optional returns the principal of p, or the zero (anonymous) Principal
// when the request carries no credential of p's kind. Bad credentials still
// fail.
func Optional[U any](p dep.Dep[Principal[U]]) dep.Dep[Principal[U]] {
	return dep.Recover(p, func(_ context.Context, v Principal[U], err error) (Principal[U], error) {
		if err != nil && IsMissing(err) {
			return Principal[U]{}, nil
		}
		return v, err
	}).Describe("optional", optional{})
}

// cookieChallenge is the WWW-Authenticate challenge of a 401 for want of
// a session cookie (every 401 needs one, RFC 9110 §11.6.1): the "Cookie"
// scheme of draft-broyer-http-cookie-auth, which no browser answers with
// a login dialog.
func cookieChallenge(name string) string { return `Cookie cookie-name="` + name + `"` }
