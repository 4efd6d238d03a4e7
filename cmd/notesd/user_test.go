package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// tempDB returns a --database-url flag pair naming a new database in a
// temporary directory, and the file's path.
func tempDB(t *testing.T) (flag, url, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "n.db")
	return "--database-url", "sqlite:" + path, path
}

// keyLine matches the key printed by apikey create.
var keyLine = regexp.MustCompile(`(?m)^key:\s+(gk_\S+)$`)

// field returns the value of the "name:" line of apikey create's output.
func field(out, name string) string {
	for line := range strings.Lines(out) {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestUserAndAPIKeyCreate(t *testing.T) {
	t.Parallel()
	f, url, path := tempDB(t)
	env := envOf()

	out := mustRun(t, env, "correct horse battery\n", "user", "create", "--email", " Alice@Example.com ", f, url)
	if want := "created user 1 alice@example.com (role user)\n"; out != want {
		t.Errorf("user create = %q, want %q", out, want)
	}
	// A CRLF line from a Windows pipe, and the admin role.
	out = mustRun(t, env, "admin password\r\n", "user", "create", "--email", "root@example.com", "--name", "Root", "--admin", f, url)
	if want := "created user 2 root@example.com (role admin)\n"; out != want {
		t.Errorf("user create --admin = %q, want %q", out, want)
	}

	out = mustRun(t, env, "", "apikey", "create", "--email", "ALICE@example.com", "--scopes", "notes:read, notes:write,notes:read",
		"--name", "laptop", "--expires-in-days", "30", f, url)
	m := keyLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("apikey create printed no key:\n%s", out)
	}
	key := m[1]
	prefix, ok := auth.SplitAPIKey(key)
	if !ok {
		t.Fatalf("apikey create printed %q, not a gatehouse API key", key)
	}
	if got := field(out, "prefix"); got != prefix {
		t.Errorf("apikey create prefix = %q, want %q (the key's)", got, prefix)
	}
	if got, want := field(out, "scopes"), "notes:read notes:write"; got != want {
		t.Errorf("apikey create scopes = %q, want %q", got, want)
	}
	if got := field(out, "owner"); got != "alice@example.com" {
		t.Errorf("apikey create owner = %q, want alice@example.com", got)
	}
	if strings.Count(out, key) != 1 {
		t.Errorf("apikey create printed the key %d times, want once", strings.Count(out, key))
	}

	// What was stored: the password hash and the key's hash, never the key.
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "alice" || u.Role != accounts.RoleUser || !u.Active {
		t.Errorf("stored user = %+v, want name alice, role user, active", u)
	}
	if ok, _, err := auth.NewHasher(auth.HasherConfig{}).Verify(ctx, "correct horse battery", u.PasswordHash); !ok || err != nil {
		t.Errorf("Verify(password, stored hash) = %v, %v, want true, nil", ok, err)
	}
	k, owner, err := db.APIKeyByPrefix(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if owner.ID != u.ID || string(k.Hash) != string(auth.HashAPIKey(key)) || k.Name != "laptop" {
		t.Errorf("stored key = %+v of user %d, want name laptop, the key's hash, user %d", k, owner.ID, u.ID)
	}
	if k.ExpiresAt == nil || time.Until(*k.ExpiresAt) < 29*24*time.Hour || time.Until(*k.ExpiresAt) > 31*24*time.Hour {
		t.Errorf("stored key expires at %v, want in 30 days", k.ExpiresAt)
	}

	// An admin may hold the admin scope; a user may not.
	out = mustRun(t, env, "", "apikey", "create", "--email", "root@example.com", "--scopes", "admin", f, url)
	if got := field(out, "expires"); got != "never" {
		t.Errorf("apikey create without --expires-in-days: expires = %q, want never", got)
	}
	for _, tt := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"scope above role", []string{"--email", "alice@example.com", "--scopes", "notes:read,admin"}, `scope "admin" is not allowed for role user`},
		{"unknown scope", []string{"--email", "alice@example.com", "--scopes", "notes:delete"}, "unknown scope"},
		{"no scopes", []string{"--email", "alice@example.com"}, "--scopes is required"},
		{"unknown user", []string{"--email", "nobody@example.com", "--scopes", "notes:read"}, "no user"},
		{"no email", []string{"--scopes", "notes:read"}, "--email is required"},
		{"bad expiry", []string{"--email", "alice@example.com", "--scopes", "notes:read", "--expires-in-days", "-1"}, "--expires-in-days"},
	} {
		_, _, err := runCmd(t, env, "", append(append([]string{"apikey", "create"}, tt.args...), f, url)...)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: apikey create %q = %v, want an error containing %q", tt.name, tt.args, err, tt.wantErr)
		}
	}
}

func TestUserCreateErrors(t *testing.T) {
	t.Parallel()
	f, url, _ := tempDB(t)
	env := envOf()
	mustRun(t, env, "first password\n", "user", "create", "--email", "taken@example.com", f, url)

	const secret = "hunter2hunter2"
	tests := []struct {
		name    string
		stdin   string
		args    []string
		wantErr string
	}{
		{"short password", "short\n", []string{"--email", "a@example.com"}, "password: must be 8 to 1024 characters"},
		{"empty line", "\n", []string{"--email", "a@example.com"}, "password"},
		{"no stdin", "", []string{"--email", "a@example.com"}, "no password on stdin"},
		{"duplicate email", "another password\n", []string{"--email", "Taken@Example.com"}, "email already registered"},
		{"no email", "good password\n", nil, "--email is required"},
		{"invalid email", "good password\n", []string{"--email", "not-an-email"}, "not a valid e-mail address"},
		{"password flag", "good password\n", []string{"--email", "a@example.com", "--password", secret}, "not defined"},
		{"password argument", "good password\n", []string{"--email", "a@example.com", secret}, "no positional arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"user", "create"}, tt.args...), f, url)
			_, stderr, err := runCmd(t, env, tt.stdin, args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("user create %q = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if strings.Contains(err.Error()+stderr, secret) {
				t.Errorf("user create %q echoed the password argument: %v\n%s", tt.args, err, stderr)
			}
		})
	}
	// The duplicate is found whatever the case; the refused commands created nobody.
	_, _, err := runCmd(t, env, "another password\n", "user", "create", "--email", "TAKEN@example.com", f, url)
	if !errors.Is(err, errEmailTaken) {
		t.Errorf("second user create of taken@example.com = %v, want %v", err, errEmailTaken)
	}
	mustRun(t, env, "good password\n", "user", "create", "--email", "a@example.com", f, url)
}

func TestReadPasswordLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, rest string
		wantErr              bool
	}{
		{name: "LF", in: "pass word\n", want: "pass word"},
		{name: "CRLF", in: "pass word\r\n", want: "pass word"},
		{name: "no line break", in: "pass word", want: "pass word"},
		{name: "one line only", in: "first\nsecond\n", want: "first", rest: "second\n"},
		{name: "spaces kept", in: "  pw  \n", want: "  pw  "},
		{name: "empty line", in: "\n", want: ""},
		{name: "no input", in: "", wantErr: true},
		{name: "too long", in: strings.Repeat("x", maxPasswordLine+1) + "\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := strings.NewReader(tt.in)
			got, err := readPasswordLine(r)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("readPasswordLine(%q) = %q, %v, want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if rest, _ := io.ReadAll(r); !tt.wantErr && string(rest) != tt.rest {
				t.Errorf("readPasswordLine(%q) left %q unread, want %q", tt.in, rest, tt.rest)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	f, url, path := tempDB(t)
	first := mustRun(t, envOf(), "", "migrate", f, url)
	if !regexp.MustCompile(`^database .* at schema version [1-9][0-9]*\n$`).MatchString(first) {
		t.Errorf("migrate = %q, want the schema version", first)
	}
	// Idempotent, and the database URL may come from the environment.
	if second := mustRun(t, envOf("NOTESD_DATABASE_URL=sqlite:"+path), "", "migrate"); second != first {
		t.Errorf("second migrate = %q, want %q", second, first)
	}
}
