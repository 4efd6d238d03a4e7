package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"log/slog"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

const routesHeader = `Usage: notesd routes [--allow-query-api-key] [--signing-alg HS256|EdDSA]

Prints every route of the API with the credentials it accepts, the checks it
makes (active user, role, scopes) and whether its data access is
owner-scoped. It needs no database and no secret.
`

// runRoutes runs "notesd routes".
func runRoutes(_ context.Context, args []string, c cli) error {
	cfg := defaultConfig()
	fs := newFlagSet("routes", routesHeader, c.stderr)
	cfg.addQueryAPIKeyFlag(fs)
	cfg.addSigningAlgFlag(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	// The table depends only on how routes are declared: ephemeral keys,
	// a hasher with minimal cost and stores that hold nothing stand in for
	// the real ones, since no request is served.
	keyring, err := ephemeralKeyring(&cfg)
	if err != nil {
		return err
	}
	api, err := httpapi.New(httpapi.Config{
		Accounts: accounts.Stores{Users: noUsers{}, Sessions: noSessions{}, WebSessions: noWebSessions{},
			APIKeys: noAPIKeys{}, Tokens: noTokens{}},
		Keyring:          keyring,
		Hasher:           auth.NewHasher(auth.HasherConfig{Params: auth.Argon2Params{Memory: 8}}),
		AllowQueryAPIKey: cfg.allowQueryAPIKey,
		SecureCookies:    cfg.secureCookies,
		Logger:           slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	return api.WriteRoutes(c.stdout)
}

// ephemeralKeyring returns a keyring of throwaway keys with the algorithm
// of cfg, which decides whether /.well-known/jwks.json is served.
// Stand-ins for the accounts stores of the route table: embedded nil
// interfaces, never called, since the table serves no request. (The
// aliases name the embedded fields apart from the Sessions and APIKeys
// methods.)
type (
	sessionStore  = accounts.Sessions
	apiKeyStore   = accounts.APIKeys
	noUsers       struct{ accounts.Users }
	noSessions    struct{ sessionStore }
	noWebSessions struct{ accounts.WebSessions }
	noAPIKeys     struct{ apiKeyStore }
	noTokens      struct{ accounts.Tokens }
)

func ephemeralKeyring(cfg *config) (*auth.Keyring, error) {
	var raw [generatedSecretBytes]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	secret := []byte(hex.EncodeToString(raw[:]))
	if cfg.signingAlg != algEdDSA {
		return newKeyring(cfg.issuer, cfg.audience, secret)
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	ed, err := ed25519SigningKey(priv)
	if err != nil {
		return nil, err
	}
	hs, err := auth.HS256Key(keyID(secret), secret)
	if err != nil {
		return nil, err
	}
	return auth.NewKeyring(auth.KeyringConfig{Issuer: cfg.issuer, Audience: cfg.audience}, ed, hs)
}
