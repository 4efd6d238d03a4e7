package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// TestHelpGoesToStdout checks that every way of asking for help prints it
// to stdout, nothing to stderr, and succeeds.
func TestHelpGoesToStdout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string // in stdout
	}{
		{[]string{"-h"}, "notesd serve [flags]"},
		{[]string{"--help"}, "-metrics-addr"},
		{[]string{"help"}, "notesd session revoke-all --email E"},
		{[]string{"serve", "-h"}, "-database-url"},
		{[]string{"user", "-h"}, "notesd user set-role"},
		{[]string{"user", "help"}, "notesd apikey revoke"},
		{[]string{"user", "list", "-h"}, "Usage: notesd user list"},
		{[]string{"user", "show", "--help"}, "-email"},
		{[]string{"user", "activate", "-h"}, "Usage: notesd user activate"},
		{[]string{"user", "deactivate", "-h"}, "revokes all of the user's sessions"},
		{[]string{"user", "set-password", "-h"}, "Usage: notesd user set-password"},
		{[]string{"user", "set-role", "-h"}, "-role"},
		{[]string{"user", "create", "-h"}, "-admin"},
		{[]string{"session", "revoke-all", "-h"}, "Usage: notesd session revoke-all"},
		{[]string{"apikey", "list", "-h"}, "Usage: notesd apikey list"},
		{[]string{"apikey", "revoke", "-h"}, "-id"},
		{[]string{"apikey", "create", "-h"}, "-scopes"},
		{[]string{"backup", "-h"}, "-to"},
		{[]string{"routes", "-h"}, "Usage: notesd routes"},
		{[]string{"migrate", "-h"}, "Usage: notesd migrate"},
		{[]string{"version", "-h"}, "Usage: notesd version"},
	}
	for _, tt := range tests {
		stdout, stderr, err := runCmd(t, envOf(), "", tt.args...)
		if err != nil || stderr != "" || !strings.Contains(stdout, tt.want) {
			t.Errorf("run(%q) = %v, stderr %q, stdout has %q: %v; want nil, no stderr, the help",
				tt.args, err, stderr, tt.want, strings.Contains(stdout, tt.want))
		}
	}
}

// TestUnknownCommandsFail checks that a wrong command is an error with
// the help on stderr, not stdout.
func TestUnknownCommandsFail(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"frobnicate"}, {"user"}, {"user", "frobnicate"}, {"session"}, {"apikey", "delete"}, {"version", "extra"}} {
		stdout, _, err := runCmd(t, envOf(), "", args...)
		if err == nil || stdout != "" {
			t.Errorf("run(%q) = %v, stdout %q; want an error and no stdout", args, err, stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out := mustRun(t, envOf(), "", args...)
		if !strings.HasPrefix(out, "notesd ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
			t.Errorf("run(%q) = %q, want one line: notesd, its version, the Go version", args, out)
		}
	}
}

// TestOperatorCommands runs the user, session and apikey commands on one
// SQLite database and checks what they print and store.
func TestOperatorCommands(t *testing.T) {
	t.Parallel()
	f, url, path := tempDB(t)
	testOperatorCommands(t, f, url, func(t *testing.T) operatorStore {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// testOperatorCommands is TestOperatorCommands on the database of url;
// open opens it for the test's own checks.
func testOperatorCommands(t *testing.T, f, url string, open func(t *testing.T) operatorStore) {
	t.Helper()
	ctx := context.Background()
	env := envOf()
	mustRun(t, env, "root password\n", "user", "create", "--email", "root@example.com", "--admin", f, url)
	mustRun(t, env, "alice password\n", "user", "create", "--email", "alice@example.com", "--name", "Alice", f, url)

	out := mustRun(t, env, "", "user", "list", f, url)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.Contains(lines[1], "alice@example.com") || !strings.Contains(lines[2], "root@example.com") {
		t.Errorf("user list = %q, want a header, alice, then root", out)
	}
	if strings.Contains(out, "$argon2id$") {
		t.Error("user list printed a password hash")
	}
	out = mustRun(t, env, "", "user", "show", "--email", "ALICE@example.com", f, url)
	for _, want := range []string{"email:    alice@example.com", "name:     Alice", "role:     user", "active:   yes", "api keys: 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("user show = %q, want %q in it", out, want)
		}
	}
	if _, _, err := runCmd(t, env, "", "user", "show", "--email", "nobody@example.com", f, url); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Errorf("user show of an unknown e-mail = %v, want no user", err)
	}

	// The last-admin rule holds in the CLI.
	for _, args := range [][]string{
		{"user", "deactivate", "--email", "root@example.com"},
		{"user", "set-role", "--email", "root@example.com", "--role", "user"},
	} {
		if _, _, err := runCmd(t, env, "", append(args, f, url)...); err == nil || !strings.Contains(err.Error(), "no active admin") {
			t.Errorf("run(%q) = %v, want the last-admin refusal", args, err)
		}
	}
	if _, _, err := runCmd(t, env, "", "user", "set-role", "--email", "alice@example.com", "--role", "root", f, url); err == nil {
		t.Error("set-role --role root = nil, want an error")
	}

	// A session of alice, to see the commands revoke it.
	db := open(t)
	defer db.Close()
	alice, err := db.UserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sessions := 0
	liveSession := func(t *testing.T) func() bool {
		t.Helper()
		sessions++
		s, err := db.CreateSession(ctx, accounts.NewSession{UserID: alice.ID, ExpiresAt: time.Now().Add(time.Hour),
			RefreshHash: []byte(strconv.Itoa(sessions))})
		if err != nil {
			t.Fatal(err)
		}
		return func() bool {
			_, _, err := db.SessionUser(ctx, alice.ID, s.ID, time.Now())
			return err == nil
		}
	}

	live := liveSession(t)
	out = mustRun(t, env, "", "user", "deactivate", "--email", "alice@example.com", f, url)
	if want := "user 2 alice@example.com is inactive\n"; out != want {
		t.Errorf("user deactivate = %q, want %q", out, want)
	}
	if u, _ := db.UserByID(ctx, alice.ID); u.Active {
		t.Error("alice active after user deactivate")
	}
	if live() {
		t.Error("session live after user deactivate, want revoked")
	}
	mustRun(t, env, "", "user", "activate", "--email", "alice@example.com", f, url)
	if u, _ := db.UserByID(ctx, alice.ID); !u.Active {
		t.Error("alice inactive after user activate")
	}

	live = liveSession(t)
	mustRun(t, env, "", "session", "revoke-all", "--email", "alice@example.com", f, url)
	if live() {
		t.Error("session live after session revoke-all, want revoked")
	}

	live = liveSession(t)
	if _, _, err := runCmd(t, env, "short\n", "user", "set-password", "--email", "alice@example.com", f, url); err == nil {
		t.Error("set-password with a too short password = nil, want an error")
	}
	if _, _, err := runCmd(t, env, "", "user", "set-password", "--email", "alice@example.com", f, url); err == nil {
		t.Error("set-password with no password on stdin = nil, want an error")
	}
	mustRun(t, env, "a brand new password\n", "user", "set-password", "--email", "alice@example.com", f, url)
	u, err := db.UserByID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.HasherConfig{Workers: 1})
	if ok, _, err := h.Verify(ctx, "a brand new password", u.PasswordHash); !ok || err != nil {
		t.Errorf("new password verifies = %v, %v; want true", ok, err)
	}
	if ok, _, _ := h.Verify(ctx, "alice password", u.PasswordHash); ok {
		t.Error("the old password still verifies")
	}
	if live() {
		t.Error("session live after user set-password, want revoked")
	}

	out = mustRun(t, env, "", "user", "set-role", "--email", "alice@example.com", "--role", "admin", f, url)
	if want := "user 2 alice@example.com has role admin\n"; out != want {
		t.Errorf("user set-role = %q, want %q", out, want)
	}
	mustRun(t, env, "", "user", "set-role", "--email", "root@example.com", "--role", "user", f, url) // alice is admin now

	// API keys: list shows no key, revoke needs the owner's key id.
	created := mustRun(t, env, "", "apikey", "create", "--email", "alice@example.com", "--scopes", "notes:read", "--name", "laptop", f, url)
	key, id := keyLine.FindStringSubmatch(created)[1], field(created, "id")
	out = mustRun(t, env, "", "apikey", "list", "--email", "alice@example.com", f, url)
	if !strings.Contains(out, "laptop") || !strings.Contains(out, field(created, "prefix")) || strings.Contains(out, key) {
		t.Errorf("apikey list = %q, want the key's name and prefix, never the key", out)
	}
	if _, _, err := runCmd(t, env, "", "apikey", "revoke", "--email", "root@example.com", "--id", id, f, url); err == nil {
		t.Error("apikey revoke of another user's key = nil, want an error")
	}
	if _, _, err := runCmd(t, env, "", "apikey", "revoke", "--email", "alice@example.com", "--id", "x", f, url); err == nil {
		t.Error("apikey revoke --id x = nil, want an error")
	}
	mustRun(t, env, "", "apikey", "revoke", "--email", "alice@example.com", "--id", id, f, url)
	prefix, _ := auth.SplitAPIKey(key)
	if _, _, err := db.APIKeyByPrefix(ctx, prefix); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("APIKeyByPrefix after apikey revoke = %v, want ErrNotFound", err)
	}
	if out := mustRun(t, env, "", "apikey", "list", "--email", "alice@example.com", f, url); strings.Count(out, "\n") != 1 {
		t.Errorf("apikey list after revoke = %q, want the header only", out)
	}
	if _, _, err := runCmd(t, env, "", "apikey", "revoke", "--email", "alice@example.com", "--id", id, f, url); err == nil {
		t.Error("apikey revoke twice = nil, want an error")
	}
}

// TestOperatorRefusesServedSQLite checks that a command that revokes or
// changes what a running server caches is refused while one serves the
// file, and that reading commands still work.
func TestOperatorRefusesServedSQLite(t *testing.T) {
	t.Parallel()
	f, url, path := tempDB(t)
	env := envOf()
	mustRun(t, env, "alice password\n", "user", "create", "--email", "alice@example.com", f, url)
	served, err := sqlite.OpenLocked(context.Background(), path) // as serve does
	if err != nil {
		t.Fatal(err)
	}
	defer served.Close()
	for _, args := range [][]string{
		{"user", "deactivate", "--email", "alice@example.com"},
		{"user", "activate", "--email", "alice@example.com"},
		{"user", "set-role", "--email", "alice@example.com", "--role", "admin"},
		{"user", "set-password", "--email", "alice@example.com"},
		{"session", "revoke-all", "--email", "alice@example.com"},
		{"apikey", "revoke", "--email", "alice@example.com", "--id", "1"},
	} {
		_, _, err := runCmd(t, env, "a new password!\n", append(args, f, url)...)
		if !errors.Is(err, errServed) {
			t.Errorf("run(%q) while served = %v, want errServed", args, err)
		}
	}
	mustRun(t, env, "", "user", "list", f, url)
	mustRun(t, env, "", "user", "show", "--email", "alice@example.com", f, url)
	mustRun(t, env, "", "apikey", "list", "--email", "alice@example.com", f, url)
}

// TestBackupCommand checks notesd backup on a database a server holds:
// the copy has the data, is private, and an existing file is refused.
func TestBackupCommand(t *testing.T) {
	t.Parallel()
	f, url, path := tempDB(t)
	env := envOf()
	mustRun(t, env, "alice password\n", "user", "create", "--email", "alice@example.com", f, url)
	served, err := sqlite.OpenLocked(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer served.Close()

	to := filepath.Join(t.TempDir(), "backup.db")
	out := mustRun(t, env, "", "backup", "--to", to, f, url)
	if !strings.Contains(out, "backed up") {
		t.Errorf("backup = %q, want it to say so", out)
	}
	if fi, err := os.Stat(to); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v; want mode 600", fi, err)
	}
	if _, _, err := runCmd(t, env, "", "backup", "--to", to, f, url); err == nil {
		t.Error("backup over an existing file = nil, want an error")
	}
	if _, _, err := runCmd(t, env, "", "backup", f, url); err == nil {
		t.Error("backup without --to = nil, want an error")
	}
	if _, _, err := runCmd(t, env, "", "backup", "--to", to+"2", "--database-url", "postgres://u@127.0.0.1/db"); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup of PostgreSQL = %v, want the pg_dump advice", err)
	}
	out = mustRun(t, env, "", "user", "list", "--database-url", "sqlite:"+to)
	if !strings.Contains(out, "alice@example.com") {
		t.Errorf("user list of the copy = %q, want alice", out)
	}
}

// TestPostgresOperatorCommands is TestOperatorCommands on PostgreSQL,
// which a running server does not lock.
func TestPostgresOperatorCommands(t *testing.T) {
	t.Parallel()
	url := postgresSchemaURL(t)
	testOperatorCommands(t, "--database-url", url, func(t *testing.T) operatorStore {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
