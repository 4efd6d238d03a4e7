package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/webui"
	"github.com/gatehouse-dev/gatehouse/openapi"
)

var update = flag.Bool("update", false, "rewrite golden files")

const goldenOpenAPI = "testdata/openapi.golden.json"

// servedDocument returns /openapi.json of e, raw and decoded.
func servedDocument(t *testing.T, e *env) ([]byte, *openapi.Document) {
	t.Helper()
	res := e.must(200, req{method: "GET", path: "/openapi.json"})
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET /openapi.json: Content-Type = %q, want application/json", ct)
	}
	var doc openapi.Document
	res.decode(t, &doc)
	return res.body, &doc
}

func allowQueryKey(c *httpapi.Config) { c.AllowQueryAPIKey = true }

// TestOpenAPIGolden holds the document, so that any change of a route's
// protection, parameters or types shows up in review.
func TestOpenAPIGolden(t *testing.T) {
	got, _ := servedDocument(t, newEnv(t))
	if *update {
		if err := os.WriteFile(goldenOpenAPI, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenOpenAPI)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/httpapi -run OpenAPIGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Errorf("/openapi.json differs from %s from line %d:\n got: %s\nwant: %s\n"+
			"if the change is intended, run go test ./internal/httpapi -run OpenAPIGolden -update",
			goldenOpenAPI, i+1, line(g, i), line(w, i))
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

// TestOpenAPIAcceptance checks the points of issue #3 one can read off the
// document.
func TestOpenAPIAcceptance(t *testing.T) {
	_, doc := servedDocument(t, newEnv(t))
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	security := func(method, path string) string {
		op := doc.Paths[path].Operations()[method]
		if op == nil {
			t.Fatalf("no operation %s %s", method, path)
		}
		b, _ := json.Marshal(op.Security)
		return string(b)
	}
	tests := []struct{ method, path, want string }{
		{"GET", "/public", `[]`},
		{"GET", "/notes/{id}", `[{"OAuth2PasswordBearer":["notes:read"]},{"APIKeyHeader":["notes:read"]}]`},
		{"GET", "/admin/users", `[{"OAuth2PasswordBearer":["admin"]},{"APIKeyHeader":["admin"]}]`},
		{"DELETE", "/admin/notes/{id}", `[{"OAuth2PasswordBearer":["admin"]},{"APIKeyHeader":["admin"]}]`},
	}
	for _, tt := range tests {
		if got := security(tt.method, tt.path); got != tt.want {
			t.Errorf("%s %s security = %s, want %s", tt.method, tt.path, got, tt.want)
		}
	}
	bearer := doc.Components.SecuritySchemes[auth.SchemeBearer]
	if bearer == nil || bearer.Flows.Password.TokenURL != "/auth/login" || len(bearer.Flows.Password.Scopes) != 3 {
		t.Errorf("OAuth2 scheme = %+v, want the password flow at /auth/login with the three scopes", bearer)
	}
	if _, ok := doc.Components.SecuritySchemes[auth.SchemeAPIKeyQuery]; ok {
		t.Error("APIKeyQuery is documented although notesd refuses keys in the query by default")
	}
	_, withQuery := servedDocument(t, newEnv(t, allowQueryKey))
	if s := withQuery.Components.SecuritySchemes[auth.SchemeAPIKeyQuery]; s == nil || s.Name != "api_key" || s.In != "query" {
		t.Errorf("with --allow-query-api-key: APIKeyQuery = %+v, want api_key in the query", s)
	}
}

// TestOpenAPIValid validates the document with kin-openapi (which resolves
// every $ref and checks parameters against paths and security against the
// schemes) and against the official OpenAPI 3.1 JSON Schema
// (testdata/openapi-3.1-schema.json, https://spec.openapis.org/oas/3.1/schema/2022-10-07).
func TestOpenAPIValid(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "openapi-3.1-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	const schemaURL = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, schemaDoc); err != nil {
		t.Fatal(err)
	}
	oas, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string][]func(*httpapi.Config){"default": nil, "query API key": {allowQueryKey}} {
		t.Run(name, func(t *testing.T) {
			body, _ := servedDocument(t, newEnv(t, opts...))
			doc, err := openapi3.NewLoader().LoadFromData(body)
			if err != nil {
				t.Fatalf("kin-openapi load: %v", err)
			}
			if doc.OpenAPIMajorMinor() != "3.1" {
				t.Errorf("kin-openapi: not an OpenAPI 3.1 document")
			}
			if err := doc.Validate(context.Background()); err != nil {
				t.Errorf("kin-openapi: %v", err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if err := oas.Validate(inst); err != nil {
				t.Errorf("OpenAPI 3.1 schema: %v", err)
			}
		})
	}
}

// TestDocumentMatchesServer walks the document and, for every operation,
// sends a request with no credentials, with each documented alternative
// (carrying exactly the scopes listed), and with each listed scope
// missing, and checks the answers agree with the document: 401 where
// security is required and not where it is not, not 401 or 403 with a
// documented alternative, 403 for a missing scope, and every such answer
// listed among the operation's responses.
//
// It runs on the served document, and on the golden file, so a change of
// a route's dependencies that the reviewed document does not show fails
// here with the request that now gets another answer.
func TestDocumentMatchesServer(t *testing.T) {
	golden, err := os.ReadFile(goldenOpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		golden bool
		opts   []func(*httpapi.Config)
	}{
		{"served document", false, nil},
		{"golden document", true, nil},
		{"served document with query API keys", false, []func(*httpapi.Config){allowQueryKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, append(tt.opts, func(c *httpapi.Config) { c.Limits.LoginPerIP = 1 << 20 })...)
			_, doc := servedDocument(t, e)
			if tt.golden {
				doc = new(openapi.Document)
				if err := json.Unmarshal(golden, doc); err != nil {
					t.Fatal(err)
				}
			}
			c := checker{e: e, doc: doc, root: e.admin("root@example.com")}
			operations := 0
			for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
				ops := doc.Paths[path].Operations()
				for _, method := range slices.Sorted(maps.Keys(ops)) {
					operations++
					t.Run(method+" "+path, func(t *testing.T) { c.check(t, method, path, ops[method]) })
				}
			}
			if operations < 20 {
				t.Errorf("the document has %d operations, want every route of notesd", operations)
			}
		})
	}
}

// checker sends the requests of TestDocumentMatchesServer as root, an
// admin, so that no role check stands between a documented alternative
// and the handler: roles are not part of OpenAPI security.
type checker struct {
	e    *env
	doc  *openapi.Document
	root user
}

func (c checker) check(t *testing.T, method, path string, op *openapi.Operation) {
	anonymous := len(op.Security) == 0 || slices.ContainsFunc(op.Security, func(r openapi.SecurityRequirement) bool { return len(r) == 0 })
	send := func(desc string, cred credential) resp {
		t.Helper()
		r := c.request(t, method, path, op)
		r.token, r.apiKey = cred.token, cred.apiKey
		if cred.cookie != "" {
			r.header = map[string]string{"Cookie": cred.cookie}
		}
		if cred.queryKey != "" {
			r.path += "?api_key=" + url.QueryEscape(cred.queryKey)
		}
		res := c.e.do(r)
		t.Logf("%s: %d %s", desc, res.code, res.body)
		// The graph's answers must be listed. A 401 of a public operation
		// is its handler's (wrong password at login), which no graph shows.
		// Every answer must be listed: successes (so 201 and 204 are
		// documented as such) and the graph's refusals.
		if res.code < 300 || res.code == 403 || res.code == 404 || res.code == 422 || res.code == 401 && !anonymous {
			if _, ok := op.Responses[strconv.Itoa(res.code)]; !ok {
				t.Errorf("%s: %d, which the document does not list", desc, res.code)
			}
		}
		return res
	}

	res := send("no credentials", credential{})
	missing := res.code == 401 && strings.Contains(string(res.body), `"detail":"Not authenticated"`)
	switch {
	case anonymous && missing:
		t.Errorf("no credentials: 401 Not authenticated, but the document requires none")
	case !anonymous && !missing:
		t.Errorf("no credentials: %d, want 401 Not authenticated: the document requires security", res.code)
	case !anonymous && res.header.Get("WWW-Authenticate") == "":
		t.Errorf("no credentials: 401 without WWW-Authenticate")
	}

	for i, alt := range op.Security {
		if len(alt) == 0 {
			continue
		}
		desc := fmtPath("alternative %d %v", i, alt)
		if res := send(desc, c.credential(t, alt, "")); res.code == 401 || res.code == 403 {
			t.Errorf("%s with exactly the listed scopes: %d, want neither 401 nor 403", desc, res.code)
		}
		for _, drop := range slices.Compact(slices.Sorted(slices.Values(slices.Concat(slices.Collect(maps.Values(alt))...)))) {
			res := send(desc+" without "+drop, c.credential(t, alt, drop))
			if res.code != 403 || !strings.Contains(string(res.body), "Not enough permissions") {
				t.Errorf("%s without scope %s: %d, want 403 Not enough permissions", desc, drop, res.code)
			}
		}
	}
}

// credential is what one request carries.
type credential struct{ token, apiKey, queryKey, cookie string }

// credential makes fresh credentials of root for every scheme of alt,
// each with the scopes alt lists for it, less drop.
func (c checker) credential(t *testing.T, alt openapi.SecurityRequirement, drop string) credential {
	t.Helper()
	var cred credential
	for scheme, scopes := range alt {
		scopes = slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == drop })
		switch scheme {
		case auth.SchemeBearer:
			if len(scopes) == 0 {
				scopes = []string{"no-such-scope"} // asked for, none granted: a token with no scope
			}
			cred.token = c.e.login(c.root, scopes...) // fresh: the operation may be a logout
		case auth.SchemeAPIKeyHeader:
			cred.apiKey = c.e.apiKey(c.root, scopes)
		case auth.SchemeAPIKeyQuery:
			cred.queryKey = c.e.apiKey(c.root, scopes)
		case auth.SchemeSessionCookie:
			cred.cookie = c.e.webSessionScoped(c.root, scopes)
		default:
			t.Fatalf("the document lists scheme %s, which this test cannot make a credential of", scheme)
		}
	}
	return cred
}

// webSessionScoped starts a web session of u holding scopes, as the
// store keeps them, and returns its Cookie header: the login form always
// grants the role's scopes.
func (e *env) webSessionScoped(u user, scopes []string) string {
	e.t.Helper()
	value := rand.Text()
	_, err := e.store.CreateSession(context.Background(), accounts.NewSession{
		UserID: u.ID, Scopes: scopes, ExpiresAt: time.Now().Add(time.Hour), WebHash: auth.HashAPIKey(value),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return webui.CookieName(false) + "=" + value
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// request is method on path with ids that exist nowhere (the answer is at
// worst 404, never a change to root's data) and a body made from the
// operation's schema.
func (c checker) request(t *testing.T, method, path string, op *openapi.Operation) req {
	r := req{method: method, path: wildcard.ReplaceAllString(path, "999999")}
	if op.RequestBody == nil {
		return r
	}
	for ct, mt := range op.RequestBody.Content {
		v := c.example(t, mt.Schema)
		switch ct {
		case "application/json":
			r.json = v
		case "application/x-www-form-urlencoded":
			f := url.Values{}
			for k, val := range v.(map[string]any) {
				f.Set(k, val.(string))
			}
			r.form = f
		default:
			t.Fatalf("request body of type %s: the test cannot make one", ct)
		}
	}
	return r
}

// example returns a value of schema s with its required properties.
func (c checker) example(t *testing.T, s *openapi.Schema) any {
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		s = c.doc.Components.Schemas[name]
	}
	if len(s.AnyOf) > 0 {
		return c.example(t, s.AnyOf[0])
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	typ := ""
	if len(s.Type) > 0 {
		typ = s.Type[0]
	}
	switch typ {
	case "object":
		m := map[string]any{}
		for _, p := range s.Required {
			m[p] = c.example(t, s.Properties[p])
		}
		return m
	case "string":
		switch s.Format {
		case "email":
			return "someone@example.com"
		case "date-time":
			return "2026-01-02T03:04:05Z"
		}
		n := int64(8)
		if s.MinLength != nil {
			n = max(n, *s.MinLength)
		}
		if s.MaxLength != nil {
			n = min(n, *s.MaxLength)
		}
		return strings.Repeat("x", int(n))
	case "integer", "number":
		if s.Minimum != nil {
			return *s.Minimum
		}
		return 1
	case "boolean":
		return false
	case "array":
		return []any{}
	}
	return nil
}
