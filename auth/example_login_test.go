package auth_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// A Keyring signs with its first key and verifies with all of them, so a
// secret rotates without logging anyone out.
func ExampleKeyring() {
	old, _ := auth.HS256Key("2025", []byte("the-old-secret-of-at-least-32-bytes!"))
	next, _ := auth.HS256Key("2026", []byte("the-new-secret-of-at-least-32-bytes!"))
	cfg := auth.KeyringConfig{Issuer: "notes", Audience: "notes"}
	before, _ := auth.NewKeyring(cfg, old)
	after, _ := auth.NewKeyring(cfg, next, old) // next signs; old still verifies

	now := time.Now()
	tok, _ := before.Issue(auth.Claims{Subject: "7", SessionID: "1", ExpiresAt: now.Add(time.Hour)})
	c, err := after.Verify(tok, now)
	fmt.Println(c.Subject, err)

	_, err = after.Verify(tok[:len(tok)-2]+"xx", now) // tampered
	fmt.Println(err != nil)
	// Output:
	// 7 <nil>
	// true
}

// A Hasher hashes with argon2id under a bounded worker pool; Verify says
// whether a stored hash should be upgraded (bcrypt, weaker parameters).
func ExampleHasher() {
	h := auth.NewHasher(auth.HasherConfig{Params: auth.Argon2Params{Memory: 8 << 10}}) // small for the example
	ctx := context.Background()
	stored, _ := h.Hash(ctx, "correct horse")
	fmt.Println(strings.HasPrefix(stored, "$argon2id$"))

	ok, rehash, _ := h.Verify(ctx, "correct horse", stored)
	fmt.Println(ok, rehash)
	ok, _, _ = h.Verify(ctx, "battery staple", stored)
	fmt.Println(ok)
	// Output:
	// true
	// true false
	// false
}

// PasswordForm is FastAPI's OAuth2PasswordRequestForm: a login route reads
// it, checks the password and issues a token.
func ExamplePasswordForm() {
	ctx := context.Background()
	h := auth.NewHasher(auth.HasherConfig{Params: auth.Argon2Params{Memory: 8 << 10}})
	hash, _ := h.Hash(ctx, "correct horse")
	users := map[string]string{"ada@example.com": hash} // e-mail → password hash
	key, _ := auth.HS256Key("k1", []byte("example-secret-of-at-least-32-bytes!!"))
	kr, _ := auth.NewKeyring(auth.KeyringConfig{Issuer: "example", Audience: "example"}, key)

	type token struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	login := dep.Handler(auth.PasswordForm(), func(ctx context.Context, f auth.PasswordRequest) (token, error) {
		stored, known := users[f.Username]
		if !known {
			h.VerifyDummy(ctx, f.Password) // the same time as a wrong password
			return token{}, problem.BadCredentials()
		}
		if ok, _, err := h.Verify(ctx, f.Password, stored); err != nil || !ok {
			return token{}, problem.BadCredentials()
		}
		// A real login also creates the server-side session named by "sid".
		tok, err := kr.Issue(auth.Claims{Subject: "1", SessionID: "1", ExpiresAt: time.Now().Add(30 * time.Minute)})
		return token{AccessToken: tok, TokenType: "bearer"}, err
	})

	for _, pw := range []string{"correct horse", "wrong"} {
		r := httptest.NewRequest("POST", "/auth/login", strings.NewReader("username=ada@example.com&password="+pw))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		login.ServeHTTP(rec, r)
		fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `"token_type":"bearer"`))
	}
	// Output:
	// 200 true
	// 401 false
}
