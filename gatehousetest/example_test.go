package gatehousetest_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// An Identity is the headers that make a request act as one user.
func ExampleBearer() {
	id := gatehousetest.Bearer("eyJ…")
	fmt.Println(id.Header.Get("Authorization"))
	// Output: Bearer eyJ…
}

// Probe replays every protected route that takes an id as another user,
// as nobody and with a missing id. Here it finds the lesson's IDOR: a
// handler that authenticates but loads the note by id alone.
func ExampleProbe() {
	notes := map[string]string{"1": "ada"} // note id → owner
	keys := map[string]string{}            // API key → user
	authn := auth.MustNewAuthenticator(auth.Config[user]{APIKeys: keyStore(keys)})
	api := gatehouse.New(gatehouse.Options{Logger: slog.New(slog.DiscardHandler)})
	api.Handle("GET /notes/{id}", dep.Handler2(authn.APIKey(), dep.Path[string]("id"),
		func(_ context.Context, _ auth.Principal[user], id string) (string, error) {
			if _, ok := notes[id]; !ok { // forgot: && owner == the caller
				return "", problem.NotFound("Note")
			}
			return "a note", nil
		}))

	probe := gatehousetest.Probe{
		Handler: api,
		Routes:  api.Routes(),
		NewUser: func(_ testing.TB, name string) gatehousetest.Identity {
			key, _, _ := auth.NewAPIKey()
			keys[key] = name
			return gatehousetest.Identity{Header: http.Header{"X-Api-Key": {key}}}
		},
		Seed: func(testing.TB, gatehousetest.Identity) gatehousetest.Owned {
			return gatehousetest.Owned{IDs: map[string]map[string]string{"/notes/{id}": {"id": "1"}}}
		},
	}
	for _, f := range probe.Findings(&testing.T{}) {
		fmt.Println(f)
	}
	// Output:
	// GET /notes/{id}: as another user: 200 "a note"; for a missing id: 404 {"type":"about:blank","title":"Not Found","status":404,"detail":"Note not found"}; want the same answer
	// GET /notes/{id}: another user's request succeeded: 200 "a note"
}

// user is the example's user type.
type user string

func (user) IsActive() bool      { return true }
func (user) HasRole(string) bool { return false }

// keyStore finds API keys by their whole value (an example; real stores
// keep only the SHA-256, see auth.HashAPIKey).
type keyStore map[string]string

func (k keyStore) FindAPIKey(_ context.Context, prefix string) (auth.StoredKey[user], error) {
	for key, u := range k {
		if p, _ := auth.SplitAPIKey(key); p == prefix {
			return auth.StoredKey[user]{ID: prefix, Hash: auth.HashAPIKey(key), User: user(u)}, nil
		}
	}
	return auth.StoredKey[user]{}, auth.ErrUnknown
}

func (keyStore) APIKeyUsed(context.Context, auth.StoredKey[user], time.Time) {}
