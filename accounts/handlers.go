package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// handlers are the JSON routes' handlers: each decodes nothing itself
// (the dependencies do) and calls one flow of the Service.
type handlers struct{ s *Service }

// tokenView is the OAuth2 token response.
type tokenView struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

func viewTokens(t TokenPair) dep.Response[tokenView] {
	return dep.Response[tokenView]{Code: http.StatusOK, Header: noStore(), Body: tokenView{
		AccessToken:  t.AccessToken,
		TokenType:    "bearer",
		ExpiresIn:    int64(t.ExpiresIn.Seconds()),
		RefreshToken: t.RefreshToken,
		Scope:        strings.Join(t.Scopes, " "),
	}}
}

// noStore is the header of responses that carry a secret (tokens, keys):
// caches must not keep them.
func noStore() http.Header {
	return http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
}

// userView is a user as the API shows it: never the password hash.
type userView struct {
	ID         int64     `json:"id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	IsActive   bool      `json:"is_active"`
	IsVerified bool      `json:"is_verified"`
	CreatedAt  time.Time `json:"created_at"`
}

// AppendJSON appends v as json.Marshal would (dep.JSONAppender): GET /me
// is the hottest account route.
func (v userView) AppendJSON(b []byte) ([]byte, error) {
	b = strconv.AppendInt(append(b, `{"id":`...), v.ID, 10)
	b = dep.AppendJSONString(append(b, `,"email":`...), v.Email)
	b = dep.AppendJSONString(append(b, `,"name":`...), v.Name)
	b = dep.AppendJSONString(append(b, `,"role":`...), v.Role)
	b = strconv.AppendBool(append(b, `,"is_active":`...), v.IsActive)
	b = strconv.AppendBool(append(b, `,"is_verified":`...), v.IsVerified)
	b, err := dep.AppendJSONTime(append(b, `,"created_at":`...), v.CreatedAt)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func viewUser(u User) userView {
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), IsActive: u.Active, IsVerified: u.Verified, CreatedAt: u.CreatedAt}
}

// List is the JSON of one page of a list, as the account routes answer
// it: items, and next_cursor, the cursor of the next page (null on the
// last). Apps answer their lists the same way, from PageQuery and Keyset.
type List[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// NewList is the List of items, a page with next as its Keyset cursor,
// each item shown through view.
func NewList[S, T any](items []S, next int64, view func(S) T) List[T] {
	out := List[T]{Items: make([]T, len(items))}
	for i, it := range items {
		out.Items[i] = view(it)
	}
	if next != 0 {
		c := strconv.FormatInt(next, 10)
		out.NextCursor = &c
	}
	return out
}

// PageQuery is the dependency on a page of a list: ?limit= (1–100,
// default 50) and ?cursor= (the next_cursor of the page before).
func PageQuery() dep.Dep[Page] {
	return dep.Derive2(dep.QueryRange("limit", 50, 1, 100), dep.Query("cursor", ""),
		func(_ context.Context, limit int, cursor string) (Page, error) {
			p := Page{Limit: limit}
			if cursor == "" {
				return p, nil
			}
			after, err := strconv.ParseInt(cursor, 10, 64)
			if err != nil || after <= 0 {
				return p, problem.Invalid("query.cursor", "invalid cursor")
			}
			p.After = after
			return p, nil
		})
}

type registerInput struct {
	Email    string `json:"email" openapi:"format=email,maxBytes=254"`
	Password string `json:"password" openapi:"minLength=8,maxLength=1024,format=password"`
	Name     string `json:"name" openapi:"minLength=1,maxLength=200"`
}

// register creates a user. Only email, password and name are accepted:
// role, is_active or id in the body are unknown fields (422), so there is
// no mass assignment.
func (h handlers) register(ctx context.Context, c Client, in registerInput) (dep.Created[userView], error) {
	u, err := h.s.Register(ctx, c, Registration(in))
	if err != nil {
		return dep.Created[userView]{}, err
	}
	return dep.Created[userView]{Body: viewUser(u)}, nil
}

// login is the OAuth2 password grant.
func (h handlers) login(ctx context.Context, c Client, f auth.PasswordRequest) (dep.Response[tokenView], error) {
	t, err := h.s.Login(ctx, c, LoginRequest{Email: f.Username, Password: f.Password, Scopes: f.Scopes})
	if err != nil {
		return dep.Response[tokenView]{}, err
	}
	return viewTokens(t), nil
}

// refreshInput is a refresh_token grant, as a form or as JSON.
type refreshInput struct {
	GrantType    string `json:"grant_type,omitempty" openapi:"enum=refresh_token"` // form only
	RefreshToken string `json:"refresh_token"`
}

// refreshForm is the dependency on a refresh request: the OAuth2 form
// (grant_type=refresh_token) or JSON {"refresh_token": …}.
func refreshForm() dep.Dep[refreshInput] {
	jsonBody := dep.NewDecoder[refreshInput]()
	return dep.Derive(dep.Request(), func(_ context.Context, r *http.Request) (refreshInput, error) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "application/json" {
			in, err := jsonBody.Decode(r)
			if err == nil && in.RefreshToken == "" {
				err = problem.Invalid("body.refresh_token", "field required")
			}
			return in, err
		}
		f, err := auth.ParseForm(r)
		if err != nil {
			return refreshInput{}, err
		}
		if g := f.Get("grant_type"); g != "refresh_token" {
			return refreshInput{}, problem.Invalid("body.grant_type", `must be "refresh_token"`)
		}
		in := refreshInput{RefreshToken: f.Get("refresh_token")}
		if in.RefreshToken == "" {
			return in, problem.Invalid("body.refresh_token", "field required")
		}
		return in, nil
	}).Describe("body", dep.Body{
		Type:        reflect.TypeFor[refreshInput](),
		ContentType: "application/x-www-form-urlencoded",
		Limit:       dep.DefaultBodyLimit,
	})
}

func (h handlers) refresh(ctx context.Context, c Client, in refreshInput) (dep.Response[tokenView], error) {
	t, err := h.s.Refresh(ctx, c, in.RefreshToken)
	if err != nil {
		return dep.Response[tokenView]{}, err
	}
	return viewTokens(t), nil
}

func (h handlers) logout(ctx context.Context, p Principal, o Owner) (dep.NoContent, error) {
	return dep.NoContent{}, h.s.Logout(ctx, p, o)
}

// accepted is a 202 Accepted answer: the work was queued.
type accepted struct {
	Message string `json:"message"`
}

// Render implements dep.Renderer.
func (a accepted) Render(w http.ResponseWriter, _ *http.Request) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, err = w.Write(append(b, '\n'))
	return err
}

// Status returns 202, for documentation.
func (accepted) Status() int { return http.StatusAccepted }

// BodyType returns the body's type, for documentation.
func (accepted) BodyType() reflect.Type { return reflect.TypeFor[accepted]() }

// The answers to every password reset and verification mail request.
var (
	resetAccepted  = accepted{Message: "If an account has this e-mail address, a password reset link has been sent to it."}
	verifyAccepted = accepted{Message: "Unless the address is verified already, a verification link has been sent to it."}
)

type resetRequestInput struct {
	Email string `json:"email" openapi:"format=email,maxBytes=254"`
}

func (h handlers) requestPasswordReset(ctx context.Context, c Client, in resetRequestInput) (accepted, error) {
	if err := h.s.RequestPasswordReset(ctx, c, in.Email); err != nil {
		return accepted{}, err
	}
	return resetAccepted, nil
}

type resetConfirmInput struct {
	Token    string `json:"token" openapi:"minLength=1,maxLength=128"`
	Password string `json:"password" openapi:"minLength=8,maxLength=1024,format=password"`
}

func (h handlers) confirmPasswordReset(ctx context.Context, in resetConfirmInput) (dep.NoContent, error) {
	return dep.NoContent{}, h.s.ResetPassword(ctx, in.Token, in.Password)
}

func (h handlers) requestVerification(ctx context.Context, p Principal) (accepted, error) {
	if err := h.s.RequestEmailVerification(ctx, p.User()); err != nil {
		return accepted{}, err
	}
	return verifyAccepted, nil
}

type verifyConfirmInput struct {
	Token string `json:"token" openapi:"minLength=1,maxLength=128"`
}

func (h handlers) confirmVerification(ctx context.Context, in verifyConfirmInput) (dep.NoContent, error) {
	return dep.NoContent{}, h.s.VerifyEmail(ctx, in.Token)
}

func me(_ context.Context, p Principal) (userView, error) { return viewUser(p.User()), nil }

type mePatch struct {
	Name            *string `json:"name" openapi:"minLength=1,maxLength=200"`
	Password        *string `json:"password" openapi:"minLength=8,maxLength=1024,format=password"`
	CurrentPassword *string `json:"current_password" openapi:"format=password"`
}

// Validate checks what the tags cannot state: one field at least, the
// current password with a new one, and no name of spaces. Lengths are
// the tags'.
func (p *mePatch) Validate() error {
	switch {
	case p.Name == nil && p.Password == nil:
		return problem.Invalid("body", "give name or password")
	case p.Password != nil && p.CurrentPassword == nil:
		return problem.Invalid("body.current_password", "field required to change the password")
	case p.Name != nil:
		return ValidateName(*p.Name)
	}
	return nil
}

// patchMe changes the caller's name, or password (ChangePassword).
func (h handlers) patchMe(ctx context.Context, p Principal, o Owner, in mePatch) (userView, error) {
	u := p.User()
	if in.Password != nil {
		if err := h.s.ChangePassword(ctx, p, o, *in.CurrentPassword, *in.Password); err != nil {
			return userView{}, err
		}
	}
	if in.Name != nil {
		var err error
		if u, err = h.s.SetName(ctx, o, *in.Name); err != nil {
			return userView{}, err
		}
	}
	return viewUser(u), nil
}

// sessionView is one of the caller's login sessions.
type sessionView struct {
	ID         int64     `json:"id"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

func (h handlers) listSessions(ctx context.Context, p Principal, o Owner, pg Page) (List[sessionView], error) {
	items, next, err := h.s.Sessions(ctx, o, pg)
	if err != nil {
		return List[sessionView]{}, err
	}
	return NewList(items, next, func(ss Session) sessionView {
		return sessionView{
			ID: ss.ID, UserAgent: ss.UserAgent, IP: ss.IP, CreatedAt: ss.CreatedAt,
			LastSeenAt: ss.LastSeenAt, ExpiresAt: ss.ExpiresAt,
			Current: p.SessionID() == strconv.FormatInt(ss.ID, 10),
		}
	}), nil
}

func (h handlers) revokeSession(ctx context.Context, o Owner, id int64) (dep.NoContent, error) {
	return dep.NoContent{}, h.s.RevokeSession(ctx, o, id)
}

// apiKeyView is an API key as its owner sees it: never the secret, except
// once, in Key, when it is created.
type apiKeyView struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Key        string     `json:"key,omitempty"`
}

func viewAPIKey(k APIKey) apiKeyView {
	return apiKeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt}
}

type apiKeyInput struct {
	Name          string   `json:"name" openapi:"minLength=1,maxLength=100"`
	Scopes        []string `json:"scopes" openapi:"minItems=1"`
	ExpiresInDays *int     `json:"expires_in_days" openapi:"minimum=1,maximum=3650"`
}

// Validate refuses a name that cannot be stored (APIKeyRequest.Validate).
func (in *apiKeyInput) Validate() error { return APIKeyRequest(*in).Validate() }

func (h handlers) createAPIKey(ctx context.Context, p Principal, o Owner, in apiKeyInput) (dep.Created[apiKeyView], error) {
	k, key, err := h.s.CreateAPIKey(ctx, p, o, APIKeyRequest(in))
	if err != nil {
		return dep.Created[apiKeyView]{}, err
	}
	v := viewAPIKey(k)
	v.Key = key
	return dep.Created[apiKeyView]{Body: v, Header: noStore()}, nil
}

type apiKeyList struct {
	Items []apiKeyView `json:"items"`
}

func (h handlers) listAPIKeys(ctx context.Context, o Owner) (apiKeyList, error) {
	keys, err := h.s.APIKeys(ctx, o)
	if err != nil {
		return apiKeyList{}, err
	}
	out := apiKeyList{Items: make([]apiKeyView, len(keys))}
	for i, k := range keys {
		out.Items[i] = viewAPIKey(k)
	}
	return out, nil
}

func (h handlers) revokeAPIKey(ctx context.Context, o Owner, id int64) (dep.NoContent, error) {
	return dep.NoContent{}, h.s.RevokeAPIKey(ctx, o, id)
}

type admin = auth.Privileged[User]

func (h handlers) listUsers(ctx context.Context, a admin, p Page) (List[userView], error) {
	users, next, err := h.s.ListUsers(ctx, a.Grant, p)
	if err != nil {
		return List[userView]{}, err
	}
	return NewList(users, next, viewUser), nil
}

type adminUserPatch struct {
	Role     *string `json:"role" openapi:"enum=user|admin"`
	IsActive *bool   `json:"is_active"`
}

// Validate checks that the patch changes something; the role's values
// are the tag's enum.
func (p *adminUserPatch) Validate() error {
	if p.Role == nil && p.IsActive == nil {
		return problem.Invalid("body", "give role or is_active")
	}
	return nil
}

func (h handlers) patchUser(ctx context.Context, a admin, id int64, p adminUserPatch) (userView, error) {
	u, err := h.s.UpdateUser(ctx, a.Grant, id, UserChange{Role: p.Role, Active: p.IsActive})
	if err != nil {
		return userView{}, err
	}
	return viewUser(u), nil
}

func (h handlers) revokeUserSessions(ctx context.Context, a admin, id int64) (dep.NoContent, error) {
	return dep.NoContent{}, h.s.RevokeUserSessions(ctx, a.Grant, id)
}

// jwks is the JSON Web Key Set of the keyring's public keys.
type jwks struct{ body []byte }

// Render implements dep.Renderer.
func (j jwks) Render(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(j.body)
	return err
}

func (h handlers) jwks(context.Context, struct{}) (jwks, error) {
	return jwks{h.s.cfg.Keyring.JWKS()}, nil
}

// retryUnavailable is the Retry-After of a 503: the hash pool drains and a
// database recovers (or its deadline passes) in about that time.
const retryUnavailable = time.Second

// MapError maps the package's errors to problems: a *ValidationError to
// 422 with each field under body, a busy hash pool (auth.ErrBusy) or
// ErrUnavailable to 503 with Retry-After, ErrAPIKeyLimit to 409 "API key
// limit reached"; nil for errors it does not know. Use it as (or call it
// from) the API's gatehouse.Options.MapError.
func MapError(err error) *problem.Details {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		fe := make([]problem.FieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			fe[i] = problem.FieldError{Location: "body." + f.Field, Message: f.Message}
		}
		return problem.Validation(fe...)
	case errors.Is(err, auth.ErrBusy), errors.Is(err, ErrUnavailable):
		return problem.Unavailable(retryUnavailable)
	case errors.Is(err, ErrAPIKeyLimit):
		return problem.APIKeyLimit()
	}
	return nil
}

// Examples of the main bodies, for the OpenAPI document (Swagger UI shows
// them). Every credential in them is made up: none is valid.

// exampleTime is the instant the examples speak of.
func exampleTime() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// exampleScopes are the scopes of the examples: a user's first two.
func (h handlers) exampleScopes(n int) []string {
	sc := h.s.AllowedScopes(RoleUser)
	return sc[:min(n, len(sc))]
}

func (h handlers) loginExample() auth.PasswordRequest {
	return auth.PasswordRequest{
		GrantType: "password", Username: "ada@example.com", Password: "correct horse battery staple",
		Scopes: h.exampleScopes(2),
	}
}

func (h handlers) tokenExample() tokenView {
	return tokenView{
		AccessToken:  "eyJhbGciOiJFZERTQSIsImtpZCI6ImV4YW1wbGUifQ.eyJzdWIiOiI0MiJ9.not-a-real-signature",
		TokenType:    "bearer",
		ExpiresIn:    1800,
		RefreshToken: "not-a-real-refresh-token",
		Scope:        strings.Join(h.exampleScopes(2), " "),
	}
}

func (h handlers) apiKeyInputExample() apiKeyInput {
	days := 90
	return apiKeyInput{Name: "nightly backup", Scopes: h.exampleScopes(1), ExpiresInDays: &days}
}

func (h handlers) apiKeyExample() apiKeyView {
	in := h.apiKeyInputExample()
	expires := exampleTime().AddDate(0, 0, *in.ExpiresInDays)
	return apiKeyView{
		ID: 3, Name: in.Name, Prefix: "0123456789ab", Scopes: in.Scopes,
		CreatedAt: exampleTime(), ExpiresAt: &expires,
		Key: auth.APIKeyPrefix + "0123456789ab_EXAMPLEXEXAMPLEXEXAMPLEXEX", // shown once, at creation
	}
}
