package openapi

import "encoding/json"

// Version is the OpenAPI version of the documents Build makes.
const Version = "3.1.1"

// Document is an OpenAPI 3.1 document: the subset of the specification
// that Build writes.
type Document struct {
	OpenAPI    string               `json:"openapi"`
	Info       DocumentInfo         `json:"info"`
	Servers    []Server             `json:"servers,omitempty"`
	Paths      map[string]*PathItem `json:"paths"`
	Components Components           `json:"components,omitzero"`
	Tags       []Tag                `json:"tags,omitempty"`
}

// DocumentInfo is the document's info object.
type DocumentInfo struct {
	Title       string   `json:"title"`
	Version     string   `json:"version"`
	Description string   `json:"description,omitempty"`
	Contact     *Contact `json:"contact,omitempty"`
	License     *License `json:"license,omitempty"`
}

// Contact is whom to ask about the API.
type Contact struct {
	Name  string `json:"name,omitempty"`
	URL   string `json:"url,omitempty"`
	Email string `json:"email,omitempty"`
}

// License is the licence the API is offered under: a name, and an SPDX
// identifier or a URL (OpenAPI allows one of the two).
type License struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier,omitempty"` // SPDX: "Apache-2.0"
	URL        string `json:"url,omitempty"`
}

// Server is one base URL of the API.
type Server struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
}

// Tag describes one tag that groups operations.
type Tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// PathItem holds the operations of one path, by method.
type PathItem struct {
	Get     *Operation `json:"get,omitempty"`
	Put     *Operation `json:"put,omitempty"`
	Post    *Operation `json:"post,omitempty"`
	Delete  *Operation `json:"delete,omitempty"`
	Options *Operation `json:"options,omitempty"`
	Head    *Operation `json:"head,omitempty"`
	Patch   *Operation `json:"patch,omitempty"`
	Trace   *Operation `json:"trace,omitempty"`
}

// slot returns the field of p for method, or nil for a method OpenAPI has
// no field for.
func (p *PathItem) slot(method string) **Operation {
	switch method {
	case "GET":
		return &p.Get
	case "PUT":
		return &p.Put
	case "POST":
		return &p.Post
	case "DELETE":
		return &p.Delete
	case "OPTIONS":
		return &p.Options
	case "HEAD":
		return &p.Head
	case "PATCH":
		return &p.Patch
	case "TRACE":
		return &p.Trace
	}
	return nil
}

// Operations returns p's operations by upper-case method.
func (p *PathItem) Operations() map[string]*Operation {
	out := map[string]*Operation{}
	for _, m := range []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"} {
		if op := *p.slot(m); op != nil {
			out[m] = op
		}
	}
	return out
}

// Operation is one method on one path.
type Operation struct {
	OperationID string               `json:"operationId"`
	Summary     string               `json:"summary,omitempty"`
	Description string               `json:"description,omitempty"`
	Tags        []string             `json:"tags,omitempty"`
	Parameters  []Parameter          `json:"parameters,omitempty"`
	RequestBody *RequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*Response `json:"responses"`
	// Security lists the accepted alternatives. An empty, non-nil list
	// (written as []) means no credentials are needed.
	Security []SecurityRequirement `json:"security,omitzero"`
}

// SecurityRequirement is one accepted way in: every scheme named must be
// satisfied, with the scopes listed (for any scheme type, as OpenAPI 3.1
// allows). The empty requirement {} means "no credentials".
type SecurityRequirement map[string][]string

// Parameter is a path or query parameter.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

// RequestBody is an operation's request body.
type RequestBody struct {
	Description string               `json:"description,omitempty"`
	Required    bool                 `json:"required,omitempty"`
	Content     map[string]MediaType `json:"content"`
}

// Response is one possible answer of an operation.
type Response struct {
	Description string               `json:"description"`
	Headers     map[string]*Header   `json:"headers,omitempty"`
	Content     map[string]MediaType `json:"content,omitempty"`
}

// Header is a response header.
type Header struct {
	Description string  `json:"description,omitempty"`
	Schema      *Schema `json:"schema"`
}

// MediaType is the schema of one content type, with examples by name.
type MediaType struct {
	Schema   *Schema             `json:"schema"`
	Examples map[string]*Example `json:"examples,omitempty"`
}

// Example is one example value of a media type.
type Example struct {
	Summary string `json:"summary,omitempty"`
	Value   any    `json:"value"`
}

// Components holds the reusable parts of the document.
type Components struct {
	Schemas         map[string]*Schema         `json:"schemas,omitempty"`
	SecuritySchemes map[string]*SecurityScheme `json:"securitySchemes,omitempty"`
}

// SecurityScheme is one way of authenticating.
type SecurityScheme struct {
	Type         string      `json:"type"` // "oauth2", "apiKey" or "http"
	Description  string      `json:"description,omitempty"`
	Name         string      `json:"name,omitempty"` // apiKey: header, query or cookie name
	In           string      `json:"in,omitempty"`   // apiKey: "header", "query" or "cookie"
	Scheme       string      `json:"scheme,omitempty"`
	BearerFormat string      `json:"bearerFormat,omitempty"`
	Flows        *OAuthFlows `json:"flows,omitempty"`
}

// OAuthFlows lists the OAuth2 flows of a scheme; gatehouse uses the
// password flow (FastAPI's OAuth2PasswordBearer).
type OAuthFlows struct {
	Password *OAuthFlow `json:"password,omitempty"`
}

// OAuthFlow is one OAuth2 flow.
type OAuthFlow struct {
	TokenURL   string            `json:"tokenUrl"`
	RefreshURL string            `json:"refreshUrl,omitempty"`
	Scopes     map[string]string `json:"scopes"`
}

// Schema is a JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it).
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 Types              `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Description          string             `json:"description,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Default              any                `json:"default,omitempty"`
	Examples             []any              `json:"examples,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
	MinLength            *int64             `json:"minLength,omitempty"`
	MaxLength            *int64             `json:"maxLength,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	Minimum              *int64             `json:"minimum,omitempty"`
	Maximum              *int64             `json:"maximum,omitempty"`
	MinItems             *int64             `json:"minItems,omitempty"`
	MaxItems             *int64             `json:"maxItems,omitempty"`
	ContentEncoding      string             `json:"contentEncoding,omitempty"`
	// MaxBytes is the most bytes of UTF-8 a string may hold: JSON Schema
	// counts characters only, so this is an extension (the dep tag
	// maxBytes=N), also stated in the description.
	MaxBytes *int64 `json:"x-maxBytes,omitempty"`

	// Not marks the schema false (nothing is valid): the value of
	// additionalProperties for structs decoded strictly.
	Not bool `json:"-"`
}

// MarshalJSON writes s, or false for a schema that accepts nothing.
func (s *Schema) MarshalJSON() ([]byte, error) {
	if s.Not {
		return []byte("false"), nil
	}
	type plain Schema
	return json.Marshal((*plain)(s))
}

// UnmarshalJSON reads s, including the schema false.
func (s *Schema) UnmarshalJSON(b []byte) error {
	if string(b) == "false" {
		*s = Schema{Not: true}
		return nil
	}
	type plain Schema
	return json.Unmarshal(b, (*plain)(s))
}

// Types is a schema's "type": one name, written as a string, or several
// (["string", "null"]), written as an array.
type Types []string

// MarshalJSON writes one type as a string and several as an array.
func (t Types) MarshalJSON() ([]byte, error) {
	if len(t) == 1 {
		return json.Marshal(t[0])
	}
	return json.Marshal([]string(t))
}

// UnmarshalJSON reads a string or an array of strings.
func (t *Types) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = Types{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(t))
}

// refTo returns the reference to the component schema name.
func refTo(name string) *Schema { return &Schema{Ref: "#/components/schemas/" + name} }
