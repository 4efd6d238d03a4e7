package gatehousetest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/problem"
)

type member struct{ ID int64 }

func (member) IsActive() bool      { return true }
func (member) HasRole(string) bool { return false }
func (m member) Subject() int64    { return m.ID }

// keys is an in-memory API key store: prefix → key.
type keys map[string]auth.StoredKey[member]

func (k keys) FindAPIKey(_ context.Context, prefix string) (auth.StoredKey[member], error) {
	if sk, ok := k[prefix]; ok {
		return sk, nil
	}
	return auth.StoredKey[member]{}, auth.ErrUnknown
}

func (keys) APIKeyUsed(context.Context, auth.StoredKey[member], time.Time) {}

// probeOf builds a tiny notes API and its probe; leaky makes the handler
// forget the owner check (the seed's IDOR).
func probeOf(leaky bool) gatehousetest.Probe {
	store, notes := keys{}, map[int64]int64{} // note id → owner id
	authn := auth.MustNewAuthenticator(auth.Config[member]{APIKeys: store})
	api := gatehouse.New(gatehouse.Options{})
	api.Handle("GET /notes/{id}", dep.Handler2(auth.OwnerOf[int64](authn.APIKey()), dep.Path[int64]("id"),
		func(_ context.Context, o auth.Owner[int64], id int64) (string, error) {
			owner, ok := notes[id]
			if !ok || (!leaky && owner != o.ID()) {
				return "", problem.NotFound("Note")
			}
			return "a note", nil
		}))
	users := int64(0)
	return gatehousetest.Probe{
		Handler: api,
		Routes:  api.Routes(),
		NewUser: func(testing.TB, string) gatehousetest.Identity {
			users++
			key, prefix, hash := auth.NewAPIKey()
			store[prefix] = auth.StoredKey[member]{ID: prefix, Hash: hash, User: member{users}}
			return gatehousetest.Identity{Header: map[string][]string{"X-Api-Key": {key}}}
		},
		Seed: func(testing.TB, gatehousetest.Identity) gatehousetest.Owned {
			notes[7] = 1 // the first user made is A
			return gatehousetest.Owned{IDs: map[string]map[string]string{"/notes/{id}": {"id": "7"}}}
		},
	}
}

func TestProbePassesOwnerScopedAPI(t *testing.T) {
	probeOf(false).Run(t)
}

func TestProbeFindsIDOR(t *testing.T) {
	findings := probeOf(true).Findings(t)
	if len(findings) == 0 || !strings.Contains(strings.Join(findings, "\n"), "another user's request succeeded") {
		t.Fatalf("Findings on an API that serves anyone's note = %q, want the IDOR reported", findings)
	}
}
