package accounts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
	"github.com/gatehouse-dev/gatehouse/auth"
)

// Example mounts the account routes on an API, registers a user and logs
// them in.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "accounts-example")
	defer os.RemoveAll(dir)
	db, _ := sqlitestore.Open(ctx, filepath.Join(dir, "app.db"))
	defer db.Close()
	_ = db.Migrate(ctx)

	key, _ := auth.HS256Key("k1", []byte("an example secret of at least 32 bytes"))
	keyring, _ := auth.NewKeyring(auth.KeyringConfig{Issuer: "app", Audience: "app"}, key)
	svc, err := accounts.New(accounts.Config{
		Stores:  db.Stores(),
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

	post := func(path, contentType, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		api.ServeHTTP(rec, r)
		return rec
	}
	reg := post("/auth/register", "application/json", `{"email":"ada@example.com","password":"correct horse","name":"Ada"}`)
	fmt.Println(reg.Code)
	login := post("/auth/login", "application/x-www-form-urlencoded", url.Values{"username": {"ada@example.com"}, "password": {"correct horse"}}.Encode())
	var tokens struct {
		TokenType string `json:"token_type"`
		Scope     string `json:"scope"`
	}
	_ = json.NewDecoder(login.Body).Decode(&tokens)
	fmt.Println(login.Code, tokens.TokenType, tokens.Scope)
	// Output:
	// 201
	// 200 bearer notes:read
}
