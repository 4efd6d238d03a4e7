package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

const routesHeader = `Usage: notesd routes [--allow-query-api-key]

Prints every route of the API with the credentials it accepts, the checks it
makes (active user, role, scopes) and whether its data access is
owner-scoped. It needs no database and no secret.
`

// runRoutes runs "notesd routes".
func runRoutes(_ context.Context, args []string, c cli) error {
	cfg := defaultConfig()
	fs := newFlagSet("routes", routesHeader, c.stderr)
	cfg.addQueryAPIKeyFlag(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	// The table depends only on how routes are declared: an ephemeral key
	// and a hasher with minimal cost stand in for the real ones, and no
	// store is needed since no request is served.
	var raw [generatedSecretBytes]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	keyring, err := newKeyring(cfg.issuer, cfg.audience, []byte(hex.EncodeToString(raw[:])))
	if err != nil {
		return err
	}
	api := httpapi.New(httpapi.Config{
		Keyring:          keyring,
		Hasher:           auth.NewHasher(auth.HasherConfig{Params: auth.Argon2Params{Memory: 8}}),
		AllowQueryAPIKey: cfg.allowQueryAPIKey,
		Logger:           slog.New(slog.DiscardHandler),
	})
	return api.WriteRoutes(c.stdout)
}
