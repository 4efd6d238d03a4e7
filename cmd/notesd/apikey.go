package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// maxExpiresInDays bounds --expires-in-days (ten years).
const maxExpiresInDays = 3650

const apikeyCreateHeader = `Usage: notesd apikey create --email E --scopes notes:read,notes:write [--name N] [--expires-in-days D]

Creates an API key for an active user and prints it once: only its prefix
and SHA-256 are stored. The scopes must be among those the user's role
allows (notes:read, notes:write; admin for admins). The key acts as its
owner, limited to its scopes; send it in the X-API-Key header.
`

// runAPIKeyCreate runs "notesd apikey create".
func runAPIKeyCreate(ctx context.Context, args []string, c cli) (err error) {
	cfg := defaultConfig()
	var (
		email, scopeList, name string
		days                   int
	)
	fs := newFlagSet("apikey create", apikeyCreateHeader, c.stderr)
	fs.StringVar(&email, "email", "", "e-mail address of the key's owner (required)")
	fs.StringVar(&scopeList, "scopes", "", "comma-separated scopes of the key (required), e.g. notes:read,notes:write")
	fs.StringVar(&name, "name", "cli", "name of the key, to recognise it in GET /api-keys")
	fs.IntVar(&days, "expires-in-days", 0, fmt.Sprintf("days until the key expires, 1 to %d; 0: never", maxExpiresInDays))
	cfg.addDatabaseFlags(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}

	if email == "" {
		return errors.New("apikey create: --email is required")
	}
	normalized, ok := accounts.NormalizeEmail(email)
	if !ok {
		return fmt.Errorf("apikey create: %q is not a valid e-mail address", email)
	}
	scopes, err := parseScopes(scopeList)
	if err != nil {
		return fmt.Errorf("apikey create: %w", err)
	}
	name = strings.TrimSpace(name)
	if err := accounts.ValidateName(name); err != nil {
		return fmt.Errorf("apikey create: %w", err)
	}
	if days < 0 || days > maxExpiresInDays {
		return fmt.Errorf("apikey create: --expires-in-days must be 0 (never) or 1 to %d", maxExpiresInDays)
	}

	db, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	u, err := db.UserByEmail(ctx, normalized)
	if errors.Is(err, notes.ErrNotFound) {
		return fmt.Errorf("apikey create: no user with e-mail %s", normalized)
	}
	if err != nil {
		return err
	}
	if !u.Active {
		return fmt.Errorf("apikey create: user %s is inactive", u.Email)
	}
	allowed := accounts.AllowedScopes(notes.AllScopes, u.Role)
	for _, s := range scopes {
		if !slices.Contains(allowed, s) {
			return fmt.Errorf("apikey create: scope %q is not allowed for role %s (allowed: %s)",
				s, u.Role, strings.Join(allowed, ","))
		}
	}

	var expires *time.Time
	if days > 0 {
		t := time.Now().UTC().Add(time.Duration(days) * 24 * time.Hour)
		expires = &t
	}
	key, prefix, hash := auth.NewAPIKey()
	// The CLI is the operator's tool: it acts for the user named on the
	// command line, through a method request handlers cannot reach.
	k, err := db.CreateAPIKeyFor(ctx, u.ID, accounts.NewAPIKey{
		Name:      name,
		Prefix:    prefix,
		Hash:      hash,
		Scopes:    scopes,
		ExpiresAt: expires,
	})
	if err != nil {
		return err
	}
	expiry := "never"
	if k.ExpiresAt != nil {
		expiry = k.ExpiresAt.Format(time.RFC3339)
	}
	fmt.Fprintf(c.stdout, "key:     %s\n", key)
	fmt.Fprintf(c.stdout, "prefix:  %s\n", k.Prefix)
	fmt.Fprintf(c.stdout, "id:      %d\n", k.ID)
	fmt.Fprintf(c.stdout, "owner:   %s\n", u.Email)
	fmt.Fprintf(c.stdout, "scopes:  %s\n", strings.Join(k.Scopes, " "))
	fmt.Fprintf(c.stdout, "expires: %s\n", expiry)
	fmt.Fprintln(c.stderr, "The key is shown only once: store it now.")
	return nil
}

// parseScopes splits a comma-separated scope list, dropping blanks and
// duplicates; every scope must be known and at least one given.
func parseScopes(list string) ([]string, error) {
	var scopes []string
	for s := range strings.SplitSeq(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" || slices.Contains(scopes, s) {
			continue
		}
		if !knownScope(s) {
			return nil, fmt.Errorf("unknown scope %q (known: %s)", s, strings.Join(knownScopes(), ","))
		}
		scopes = append(scopes, s)
	}
	if len(scopes) == 0 {
		return nil, fmt.Errorf("--scopes is required (known: %s)", strings.Join(knownScopes(), ","))
	}
	return scopes, nil
}

// knownScopes lists every scope notesd knows.
func knownScopes() []string {
	names := make([]string, len(notes.AllScopes))
	for i, s := range notes.AllScopes {
		names[i] = s.Name
	}
	return names
}

// knownScope reports whether s is a scope notesd knows.
func knownScope(s string) bool { return slices.Contains(knownScopes(), s) }
