package httpapi

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Examples of notesd's main bodies, for the OpenAPI document (Swagger UI
// shows them). Every credential in them is made up: none is valid.

// exampleTime is the instant the examples speak of.
func exampleTime() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func loginExample() auth.PasswordRequest {
	return auth.PasswordRequest{
		GrantType: "password", Username: "ada@example.com", Password: "correct horse battery staple",
		Scopes: []string{notes.ScopeRead, notes.ScopeWrite},
	}
}

func tokenExample() tokenView {
	return tokenView{
		AccessToken:  "eyJhbGciOiJFZERTQSIsImtpZCI6ImV4YW1wbGUifQ.eyJzdWIiOiI0MiJ9.not-a-real-signature",
		TokenType:    "bearer",
		ExpiresIn:    1800,
		RefreshToken: "not-a-real-refresh-token",
		Scope:        notes.ScopeRead + " " + notes.ScopeWrite,
	}
}

func noteInputExample() noteInput {
	return noteInput{Title: "Groceries", Body: "Milk, eggs, and bread for the weekend."}
}

func noteExample() noteView {
	in := noteInputExample()
	return noteView{ID: 7, Title: in.Title, Body: in.Body, OwnerID: 42, CreatedAt: exampleTime(), UpdatedAt: exampleTime()}
}

func apiKeyInputExample() apiKeyInput {
	days := 90
	return apiKeyInput{Name: "nightly backup", Scopes: []string{notes.ScopeRead}, ExpiresInDays: &days}
}

func apiKeyExample() apiKeyView {
	in := apiKeyInputExample()
	expires := exampleTime().AddDate(0, 0, *in.ExpiresInDays)
	return apiKeyView{
		ID: 3, Name: in.Name, Prefix: "0123456789ab", Scopes: in.Scopes,
		CreatedAt: exampleTime(), ExpiresAt: &expires,
		Key: auth.APIKeyPrefix + "0123456789ab_EXAMPLEXEXAMPLEXEXAMPLEXEX", // shown once, at creation
	}
}
