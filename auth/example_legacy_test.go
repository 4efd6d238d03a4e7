package auth_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// oldIDs is an auth.LegacyUserStore: the old application's user id (its
// tokens' "sub") → account, as an import recorded it.
type oldIDs map[string]account

func (o oldIDs) FindLegacyUser(_ context.Context, sub string) (account, error) {
	a, ok := o[sub]
	if !ok {
		return account{}, auth.ErrUnknown
	}
	return a, nil
}

// Moving users off a FastAPI app without logging them out: until a
// cut-off, Bearer also accepts that app's HS256 tokens ({"sub": "<its
// user id>", "exp": …} signed with its SECRET_KEY). They have no session
// and cannot be revoked, so keep the window short.
func ExampleLegacyTokens() {
	const oldSecret = "the FastAPI app's SECRET_KEY"
	authn := auth.MustNewAuthenticator(auth.Config[account]{
		Keyring:  keyring(),
		Sessions: sessions{},
		Legacy: &auth.LegacyTokens[account]{
			Secret: []byte(oldSecret),
			Until:  time.Now().Add(24 * time.Hour),
			Users:  oldIDs{"17": {ID: 1, Name: "ada", Role: "user", Active: true}},
			Scopes: func(account) []string { return []string{"notes:read"} },
		},
	})
	h := dep.Handler(auth.RequireScopes(auth.ActiveUser(authn.Bearer()), "notes:read"),
		func(_ context.Context, p auth.Principal[account]) (string, error) {
			return fmt.Sprintf("%s via %s", p.User().Name, p.Method()), nil
		})

	for _, sub := range []string{"17", "18"} {
		// What the old app issued: python-jose's jwt.encode({"sub": …, "exp": …}, SECRET_KEY).
		tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"sub": sub, "exp": time.Now().Add(30 * time.Minute).Unix(),
		}).SignedString([]byte(oldSecret))
		r := httptest.NewRequest("GET", "/notes", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 "ada via legacy_bearer"
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"detail":"Could not validate credentials"}
}
