package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

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

func viewAPIKey(k notes.APIKey) apiKeyView {
	return apiKeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt}
}

type apiKeyInput struct {
	Name          string   `json:"name" openapi:"minLength=1,maxLength=100"`
	Scopes        []string `json:"scopes" openapi:"minItems=1"`
	ExpiresInDays *int     `json:"expires_in_days" openapi:"minimum=1,maximum=3650"`
}

// Validate refuses a name that cannot be stored. The other rules are the
// tags', which the JSON decoder checks first; they are checked here again
// for the web UI's form, which has no decoder.
func (in *apiKeyInput) Validate() error {
	switch n := utf8.RuneCountInString(in.Name); {
	case !notes.ValidText(in.Name):
		return problem.Invalid("body.name", "must be valid UTF-8 without NUL characters")
	case n < 1 || n > 100:
		return problem.Invalid("body.name", "must be 1 to 100 characters")
	case len(in.Scopes) == 0:
		return problem.Invalid("body.scopes", "choose at least one scope")
	case in.ExpiresInDays != nil && (*in.ExpiresInDays < 1 || *in.ExpiresInDays > 3650):
		return problem.Invalid("body.expires_in_days", "must be 1 to 3650")
	}
	return nil
}

// createAPIKey makes a key for the caller (see issueAPIKey).
func (s *server) createAPIKey(ctx context.Context, p principal, o owner, in apiKeyInput) (dep.Created[apiKeyView], error) {
	k, key, err := s.issueAPIKey(ctx, p, o, in)
	if err != nil {
		return dep.Created[apiKeyView]{}, err
	}
	v := viewAPIKey(k)
	v.Key = key
	return dep.Created[apiKeyView]{Body: v, Header: noStore()}, nil
}

// issueAPIKey makes a key for the caller (POST /api-keys and the web UI's
// account page) and returns it with its secret, which is shown once. A key
// can hold only scopes the caller's role allows and the caller's own
// credential holds, so a read-only token cannot mint a writing key.
func (s *server) issueAPIKey(ctx context.Context, p principal, o owner, in apiKeyInput) (notes.APIKey, string, error) {
	if err := in.Validate(); err != nil {
		return notes.APIKey{}, "", err
	}
	allowed := notes.AllowedScopes(p.User().Role)
	for _, sc := range in.Scopes {
		if !slices.Contains(allowed, sc) || !p.HasScope(sc) {
			return notes.APIKey{}, "", problem.Invalid("body.scopes", "scope "+sc+" is unknown or not yours to grant")
		}
	}
	key, prefix, hash := auth.NewAPIKey()
	nk := notes.NewAPIKey{Name: in.Name, Prefix: prefix, Hash: hash, Scopes: in.Scopes, MaxPerUser: s.cfg.Quotas.APIKeysPerUser}
	if in.ExpiresInDays != nil {
		t := s.cfg.Now().Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour)
		nk.ExpiresAt = &t
	}
	k, err := s.store.APIKeys(o).Create(ctx, nk)
	if err != nil {
		return notes.APIKey{}, "", err
	}
	s.security(ctx, slog.LevelInfo, evKeyCreated, slog.Int64("key_id", k.ID), slog.String("scopes", strings.Join(k.Scopes, " ")))
	return k, key, nil
}

type apiKeyList struct {
	Items []apiKeyView `json:"items"`
}

func (s *server) listAPIKeys(ctx context.Context, o owner) (apiKeyList, error) {
	keys, err := s.store.APIKeys(o).List(ctx)
	if err != nil {
		return apiKeyList{}, err
	}
	out := apiKeyList{Items: make([]apiKeyView, len(keys))}
	for i, k := range keys {
		out.Items[i] = viewAPIKey(k)
	}
	return out, nil
}

// revokeAPIKey revokes one of the caller's keys; anyone else's is 404.
func (s *server) revokeAPIKey(ctx context.Context, o owner, id int64) (dep.NoContent, error) {
	err := s.store.APIKeys(o).Revoke(ctx, id)
	if errors.Is(err, notes.ErrNotFound) {
		return dep.NoContent{}, problem.NotFound("API key")
	}
	if err == nil {
		s.security(ctx, slog.LevelInfo, evKeyRevoked, slog.Int64("key_id", id))
	}
	return dep.NoContent{}, err
}
