package openapi

import (
	"cmp"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Info is what Build cannot read from the routes.
type Info struct {
	Title       string // default "API"
	Version     string // of the API, not of OpenAPI; default "0.0.0"
	Description string // Markdown
	// Scopes describes each OAuth2 scope (scope → description), for the
	// Authorize dialog. Scopes the routes require but Scopes leaves out
	// are listed with an empty description.
	Scopes map[string]string
	// TokenURL, when set, replaces the token URL the bearer credential
	// declares (auth.Config.TokenURL).
	TokenURL string
	// Servers are the API's base URLs; a relative "/" says "where this
	// document was loaded from". None: OpenAPI's default, which tools
	// such as linters report.
	Servers []Server
	// License and Contact go in the document's info object.
	License *License
	Contact *Contact
}

// Build returns the OpenAPI 3.1 document of api's routes. Routes served by
// a *dep.Endpoint are documented; plain http.Handlers (the docs
// themselves, static files) and routes registered without a method are
// not, since their graph cannot be read, nor are gatehouse.Hidden ones. Build fails on routes whose
// graph contradicts their pattern (a dep.Path parameter not in the
// path), on two operations with one operationId, and on types that have
// no JSON form.
func Build(api *gatehouse.API, info Info) (*Document, error) {
	return build(api.Routes(), info, api.ErrorFormat())
}

func build(routes []gatehouse.Route, info Info, errs *gatehouse.ErrorFormat) (*Document, error) {
	b := &builder{info: info, gen: newSchemaGen(), schemes: map[string]auth.Credential{}, opIDs: map[string]string{}, errs: errs}
	b.gen.named[reflect.TypeFor[problem.Details]()] = "Problem"
	doc := &Document{
		OpenAPI: Version,
		Info: DocumentInfo{
			Title:       cmp.Or(info.Title, "API"),
			Version:     cmp.Or(info.Version, "0.0.0"),
			Description: info.Description,
			Contact:     info.Contact,
			License:     info.License,
		},
		Servers: info.Servers,
		Paths:   map[string]*PathItem{},
	}
	for _, rt := range routes {
		if rt.Endpoint == nil || rt.Method == "" || rt.Doc.Hidden {
			continue
		}
		path := docPath(rt.Path)
		op, err := b.operation(rt, path)
		if err != nil {
			return nil, fmt.Errorf("openapi: %s %s: %w", rt.Method, rt.Path, err)
		}
		item := doc.Paths[path]
		if item == nil {
			item = &PathItem{}
			doc.Paths[path] = item
		}
		slot := item.slot(rt.Method)
		if slot == nil {
			continue // a method OpenAPI has no field for
		}
		*slot = op
	}
	schemas, err := b.gen.finish()
	if err != nil {
		return nil, err
	}
	doc.Components = Components{Schemas: schemas, SecuritySchemes: b.securitySchemes()}
	return doc, nil
}

type builder struct {
	info    Info
	gen     *schemaGen
	schemes map[string]auth.Credential // scheme name → credential
	scopes  []string                   // every scope a route requires
	opIDs   map[string]string          // operationId → route
	errs    *gatehouse.ErrorFormat     // the shape of error answers
}

// errorResponse is the documented error answer with status: the API's
// error format (a problem by default), described by desc.
func (b *builder) errorResponse(status int, desc string) (*Response, error) {
	sch, err := b.gen.schema(b.errs.BodyType(status), false)
	if err != nil {
		return nil, err
	}
	return &Response{Description: desc, Content: map[string]MediaType{b.errs.MediaType(): {Schema: sch}}}, nil
}

// operation documents one route.
func (b *builder) operation(rt gatehouse.Route, path string) (*Operation, error) {
	op := &Operation{
		OperationID: cmp.Or(rt.Doc.OperationID, operationID(rt.Method, path)),
		Tags:        rt.Doc.Tags,
		Responses:   map[string]*Response{},
	}
	op.Summary = cmp.Or(rt.Doc.Summary, summaryOf(rt.Endpoint.HandlerName()), sentence(words(op.OperationID)))
	if prev, dup := b.opIDs[op.OperationID]; dup {
		return nil, fmt.Errorf("operationId %q is taken by %s", op.OperationID, prev)
	}
	b.opIDs[op.OperationID] = rt.Method + " " + rt.Path
	op.Description = strings.TrimSpace(rt.Doc.Description + "\n\n" + access(rt))

	var body *dep.Body
	var err error
	dep.Walk(rt.Endpoint.Inputs(), func(n dep.Node) bool {
		switch m := n.Meta().(type) {
		case dep.Param:
			err = b.parameter(op, m)
		case dep.Body:
			if body != nil {
				err = fmt.Errorf("two request bodies")
			}
			body = &m
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	if err := checkPathParams(op, path); err != nil {
		return nil, err
	}
	if body != nil {
		if op.RequestBody, err = b.requestBody(*body, rt.Doc.RequestExample); err != nil {
			return nil, err
		}
	} else if rt.Doc.RequestExample != nil {
		return nil, fmt.Errorf("a request example, but no request body")
	}
	if rt.Endpoint.Upgrades() {
		op.Responses["101"] = &Response{Description: "Switching Protocols: the connection is upgraded (a WebSocket) and stays open until the client leaves or the credential stops being valid."}
	} else if ct := rt.Endpoint.StreamContentType(); ct != "" {
		op.Responses["200"] = &Response{Description: "A stream, until the client leaves or the credential stops being valid.",
			Content: map[string]MediaType{ct: {Schema: &Schema{Type: Types{"string"}}}}}
	} else if err := b.success(op, rt.Endpoint.Output(), rt.Doc.ResponseExample); err != nil {
		return nil, err
	}
	op.Security = b.security(rt.Security)
	var limit int64 // the most bytes of a body read; 0: no body
	if body != nil {
		limit = cmp.Or(rt.BodyLimit, body.Limit)
	}
	if err := b.failures(op, rt.Security, limit); err != nil {
		return nil, err
	}
	for _, a := range rt.Doc.Responds {
		if op.Responses[strconv.Itoa(a.Status)], err = b.errorResponse(a.Status, a.Description); err != nil {
			return nil, err
		}
	}
	return op, nil
}

// parameter adds the path or query parameter p, once.
func (b *builder) parameter(op *Operation, p dep.Param) error {
	for _, q := range op.Parameters {
		if q.In == p.In && q.Name == p.Name {
			return nil
		}
	}
	s, err := b.gen.schema(p.Type, false)
	if err != nil {
		return err
	}
	if p.Default != nil && !reflect.ValueOf(p.Default).IsZero() {
		s.Default = p.Default
	}
	s.Minimum, s.Maximum = cmp.Or(p.Min, s.Minimum), cmp.Or(p.Max, s.Maximum)
	op.Parameters = append(op.Parameters, Parameter{Name: p.Name, In: p.In, Required: p.Required || p.In == "path", Schema: s})
	return nil
}

var wildcardRE = regexp.MustCompile(`\{([^}]*)\}`)

// checkPathParams declares the path's wildcards that no dependency reads
// (a handler may read them itself) and refuses path parameters the
// pattern does not have.
func checkPathParams(op *Operation, path string) error {
	var inPath []string
	for _, m := range wildcardRE.FindAllStringSubmatch(path, -1) {
		inPath = append(inPath, m[1])
	}
	for _, p := range op.Parameters {
		if p.In == "path" && !slices.Contains(inPath, p.Name) {
			return fmt.Errorf("path parameter %q is not in the pattern", p.Name)
		}
	}
	for _, name := range inPath {
		if !slices.ContainsFunc(op.Parameters, func(p Parameter) bool { return p.In == "path" && p.Name == name }) {
			op.Parameters = append(op.Parameters, Parameter{Name: name, In: "path", Required: true, Schema: &Schema{Type: Types{"string"}}})
		}
	}
	return nil
}

// requestBody documents body, with example (nil: none), a value of the
// body's Go type.
func (b *builder) requestBody(body dep.Body, example any) (*RequestBody, error) {
	var s *Schema
	var err error
	form := body.Type == reflect.TypeFor[auth.PasswordRequest]()
	if form {
		s = passwordFormSchema()
	} else if s, err = b.gen.schema(body.Type, body.ContentType == "application/json"); err != nil {
		return nil, err
	}
	mt := MediaType{Schema: s}
	if example != nil {
		if err := sameType("request", example, body.Type); err != nil {
			return nil, err
		}
		if form {
			fields := passwordFormExample(example.(auth.PasswordRequest))
			for name, v := range fields { // Swagger UI fills a form in from these
				s.Properties[name].Examples = []any{v}
			}
			example = fields
		}
		mt.Examples = examples(example)
	}
	return &RequestBody{Required: true, Content: map[string]MediaType{body.ContentType: mt}}, nil
}

// sameType refuses an example whose type is not want.
func sameType(what string, example any, want reflect.Type) error {
	if got := reflect.TypeOf(example); got != want {
		return fmt.Errorf("a %s example has type %v, want %v", what, got, want)
	}
	return nil
}

// examples is the examples map of one example value.
func examples(v any) map[string]*Example {
	return map[string]*Example{"example": {Value: v}}
}

// passwordFormExample is r as the form is sent: scopes in one string.
func passwordFormExample(r auth.PasswordRequest) map[string]string {
	m := map[string]string{"grant_type": cmp.Or(r.GrantType, "password"), "username": r.Username, "password": r.Password}
	if len(r.Scopes) > 0 {
		m["scope"] = strings.Join(r.Scopes, " ")
	}
	return m
}

// passwordFormSchema is the OAuth2 password grant form auth.PasswordForm
// reads: its scope is one space-separated string, unlike the Go field.
func passwordFormSchema() *Schema {
	str := func(desc string) *Schema { return &Schema{Type: Types{"string"}, Description: desc} }
	return &Schema{
		Type: Types{"object"},
		Properties: map[string]*Schema{
			"grant_type": {Type: Types{"string"}, Enum: []any{"password"}},
			"username":   str("The e-mail address."),
			"password":   {Type: Types{"string"}, Format: "password"},
			"scope":      str("Scopes asked for, separated by spaces; none: all the account may have."),
		},
		Required: []string{"username", "password"},
	}
}

// documented is what a handler result type says about its response.
type documented interface {
	Status() int
	BodyType() reflect.Type
}

// success adds the response of a handler whose result has type t, with
// example (nil: none), a value of the body's type.
func (b *builder) success(op *Operation, t reflect.Type, example any) error {
	zero := reflect.New(t).Elem().Interface()
	if t.Kind() == reflect.Pointer {
		zero = reflect.New(t.Elem()).Interface()
	}
	status := http.StatusOK
	noBody := func() error {
		if example != nil {
			return fmt.Errorf("a response example, but the answer has no JSON body")
		}
		return nil
	}
	switch d := zero.(type) {
	case dep.NoContent:
		op.Responses["204"] = &Response{Description: http.StatusText(http.StatusNoContent)}
		return noBody()
	case documented:
		status, t = d.Status(), d.BodyType()
	case dep.Renderer:
		op.Responses["200"] = &Response{Description: "OK"} // it writes what it likes
		return noBody()
	}
	s, err := b.gen.schema(t, false)
	if err != nil {
		return err
	}
	mt := MediaType{Schema: s}
	if example != nil {
		if err := sameType("response", example, t); err != nil {
			return err
		}
		mt.Examples = examples(example)
	}
	op.Responses[strconv.Itoa(status)] = &Response{
		Description: http.StatusText(status),
		Content:     map[string]MediaType{"application/json": mt},
	}
	return nil
}

// security turns the graph's requirements into OpenAPI's: one entry per
// accepted alternative, each scheme with the scopes the route checks, and
// {} when anonymous requests are served too.
func (b *builder) security(s auth.Security) []SecurityRequirement {
	if len(s.Requirements) == 0 {
		return []SecurityRequirement{}
	}
	for _, sc := range s.Scopes {
		if !slices.Contains(b.scopes, sc) {
			b.scopes = append(b.scopes, sc)
		}
	}
	var out []SecurityRequirement
	for _, req := range s.Requirements {
		r := SecurityRequirement{}
		for _, c := range req {
			b.schemes[c.Scheme] = c
			r[c.Scheme] = append([]string{}, s.Scopes...)
		}
		out = append(out, r)
	}
	if s.Anonymous {
		out = append(out, SecurityRequirement{})
	}
	return out
}

// failures adds the error answers the route's graph can give; bodyLimit
// is the most bytes of its request body the route reads (0: it has none).
func (b *builder) failures(op *Operation, s auth.Security, bodyLimit int64) error {
	hasBody := bodyLimit > 0
	var err error
	add := func(status int, desc string) {
		if err == nil {
			op.Responses[strconv.Itoa(status)], err = b.errorResponse(status, desc)
		}
	}
	if s.Active {
		add(http.StatusBadRequest, "Inactive user.")
	}
	if len(s.Requirements) > 0 {
		add(http.StatusUnauthorized, "Not authenticated, or the credentials are not valid.")
		if r := op.Responses["401"]; r != nil {
			r.Headers = map[string]*Header{"WWW-Authenticate": {
				Description: "The challenges of the accepted schemes.",
				Schema:      &Schema{Type: Types{"string"}},
			}}
		}
	}
	if why := forbidden(s); why != "" {
		add(http.StatusForbidden, why)
	}
	hasPath := slices.ContainsFunc(op.Parameters, func(p Parameter) bool { return p.In == "path" })
	if hasPath {
		add(http.StatusNotFound, "Not found (or not yours).")
	}
	if hasBody {
		add(http.StatusRequestEntityTooLarge, "Request body larger than "+strconv.FormatInt(bodyLimit, 10)+" bytes.")
		add(http.StatusUnsupportedMediaType, "Unsupported content type.")
	}
	if hasBody || len(op.Parameters) > 0 {
		add(http.StatusUnprocessableEntity, "Validation failed.")
	}
	return err
}

// forbidden says why the route can answer 403, or "" when it cannot.
func forbidden(s auth.Security) string {
	var why []string
	if slices.ContainsFunc(s.Requirements, func(req []auth.Credential) bool {
		return slices.ContainsFunc(req, isAPIKey)
	}) {
		why = append(why, "the API key is not valid")
	}
	for _, r := range s.Roles {
		why = append(why, "the user lacks role "+r)
	}
	if len(s.Scopes) > 0 {
		why = append(why, "the credential lacks scope "+strings.Join(s.Scopes, ", "))
	}
	if len(why) == 0 {
		return ""
	}
	return "Forbidden: " + strings.Join(why, "; ") + "."
}

// isAPIKey reports whether c is an API key, whose refusal is 403 (a token
// or a session that is not valid is 401).
func isAPIKey(c auth.Credential) bool {
	return c.Scheme == auth.SchemeAPIKeyHeader || c.Scheme == auth.SchemeAPIKeyQuery
}

// securitySchemes describes each scheme the routes accept.
func (b *builder) securitySchemes() map[string]*SecurityScheme {
	if len(b.schemes) == 0 {
		return nil
	}
	out := map[string]*SecurityScheme{}
	for name, c := range b.schemes {
		switch {
		case c.Scheme == auth.SchemeBearer && cmp.Or(b.info.TokenURL, c.TokenURL) != "":
			scopes := map[string]string{}
			for sc, d := range b.info.Scopes {
				scopes[sc] = d
			}
			for _, sc := range b.scopes {
				if _, ok := scopes[sc]; !ok {
					scopes[sc] = ""
				}
			}
			tokenURL := cmp.Or(b.info.TokenURL, c.TokenURL)
			out[name] = &SecurityScheme{
				Type:        "oauth2",
				Description: "A bearer access token from the OAuth2 password grant at " + tokenURL + ".",
				Flows:       &OAuthFlows{Password: &OAuthFlow{TokenURL: tokenURL, Scopes: scopes}},
			}
		case c.Scheme == auth.SchemeBearer:
			out[name] = &SecurityScheme{Type: "http", Scheme: "bearer", BearerFormat: "JWT"}
		default:
			where := map[string]string{"header": "header", "query": "query parameter", "cookie": "cookie"}[c.In]
			what := "An API key"
			if c.In == "cookie" {
				what = "A session"
			}
			out[name] = &SecurityScheme{
				Type:        "apiKey",
				Description: what + " in the " + c.Name + " " + where + ".",
				Name:        c.Name,
				In:          c.In,
			}
		}
	}
	return out
}

// access says in words who may call the route, for the description.
func access(rt gatehouse.Route) string {
	s := rt.Security
	if len(s.Requirements) == 0 {
		return "**Access:** public (" + cmp.Or(rt.Public, "no credentials read") + ")."
	}
	var parts []string
	if s.Anonymous {
		parts = append(parts, "anyone; credentials, when sent, must be valid")
	}
	if s.Active {
		parts = append(parts, "an active user")
	}
	for _, r := range s.Roles {
		parts = append(parts, "role `"+r+"`")
	}
	for _, sc := range s.Scopes {
		parts = append(parts, "scope `"+sc+"`")
	}
	if s.OwnerScoped {
		parts = append(parts, "sees only the caller's own data")
	}
	if len(parts) == 0 {
		parts = append(parts, "any authenticated caller")
	}
	return "**Access:** " + strings.Join(parts, ", ") + "."
}

// docPath turns a ServeMux pattern path into an OpenAPI path: {name...}
// becomes {name}, {$} goes, a host prefix goes.
func docPath(p string) string {
	if i := strings.IndexByte(p, '/'); i > 0 {
		p = p[i:]
	}
	p = strings.ReplaceAll(p, "{$}", "")
	return strings.ReplaceAll(p, "...}", "}")
}

var nonWordRE = regexp.MustCompile(`[^A-Za-z0-9]+`)

// operationID derives an operationId from method and path:
// GET /notes/{id} → get_notes_id.
func operationID(method, path string) string {
	words := strings.Trim(nonWordRE.ReplaceAllString(path, "_"), "_")
	if words == "" {
		words = "root"
	}
	return strings.ToLower(method) + "_" + words
}
