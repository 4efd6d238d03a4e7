package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
	"github.com/gatehouse-dev/gatehouse/auth"
)

// Example mounts the account routes on an API, then registers a user and
// logs them in through them.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "accounts-example")
	defer os.RemoveAll(dir)
	store, _ := sqlitestore.Open(ctx, filepath.Join(dir, "app.db"))
	defer store.Close()
	_ = store.Migrate(ctx)
	key, _ := auth.HS256Key("k1", []byte("an example secret of at least 32 bytes"))
	keyring, _ := auth.NewKeyring(auth.KeyringConfig{Issuer: "app", Audience: "app"}, key)
	svc, err := accounts.New(accounts.Config{
		Stores:  store.Stores(),
		Keyring: keyring,
		Hasher:  auth.NewHasher(auth.HasherConfig{}),
		Scopes:  []accounts.Scope{{Name: "notes:read", Description: "Read your notes"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	api := gatehouse.New(gatehouse.Options{MapError: accounts.MapError})
	accounts.Routes(api, svc, accounts.RouteOptions{})
	fmt.Println(post(api, "/auth/register", "application/json", `{"email":"ada@example.com","password":"correct horse","name":"Ada"}`))
	fmt.Println(post(api, "/auth/login", "application/x-www-form-urlencoded", "username=ada@example.com&password=correct+horse"))
	// Output:
	// 201
	// 200
}

// ExampleService_Login runs the flows as plain methods, for an app with
// its own HTTP shape: register, log in, and refresh with the token the
// login gave; the rotated-away refresh token is then refused.
func ExampleService_Login() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "accounts-example")
	defer os.RemoveAll(dir)
	store, _ := sqlitestore.Open(ctx, filepath.Join(dir, "app.db"))
	defer store.Close()
	_ = store.Migrate(ctx)
	key, _ := auth.HS256Key("k1", []byte("an example secret of at least 32 bytes"))
	keyring, _ := auth.NewKeyring(auth.KeyringConfig{Issuer: "app", Audience: "app"}, key)
	svc, _ := accounts.New(accounts.Config{Stores: store.Stores(), Keyring: keyring, Hasher: auth.NewHasher(auth.HasherConfig{}),
		RefreshReuseInterval: -1, // no grace for a retried refresh: reuse at once revokes
		Scopes:               []accounts.Scope{{Name: "notes:read", Description: "Read your notes"}}})

	client := accounts.Client{IP: "192.0.2.1", UserAgent: "example"}
	u, err := svc.Register(ctx, client, accounts.Registration{Email: "Ada@Example.com", Password: "correct horse", Name: "Ada"})
	fmt.Println(u.Email, u.Role, err)
	pair, err := svc.Login(ctx, client, accounts.LoginRequest{Email: "ada@example.com", Password: "correct horse"})
	fmt.Println(pair.Scopes, pair.ExpiresIn, err)
	_, err = svc.Refresh(ctx, client, pair.RefreshToken)
	fmt.Println(err)
	_, err = svc.Refresh(ctx, client, pair.RefreshToken)
	fmt.Println(err)
	// Output:
	// ada@example.com user <nil>
	// [notes:read] 30m0s <nil>
	// <nil>
	// 401 Unauthorized: Could not validate credentials
}

// post sends one request to h and returns the answer's status.
func post(h http.Handler, path, contentType, body string) int {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	h.ServeHTTP(rec, r)
	return rec.Code
}
