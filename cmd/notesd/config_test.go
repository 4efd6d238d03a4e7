package main

import (
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// configOpts lets cmp compare configs.
var configOpts = cmp.Options{
	cmp.AllowUnexported(config{}),
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
}

// parseServeFlags parses args and env as serve does.
func parseServeFlags(args []string, getenv func(string) string) (config, error) {
	cfg := defaultConfig()
	fs := newFlagSet("serve", serveHeader, io.Discard)
	cfg.addServerFlags(fs)
	cfg.addDatabaseFlags(fs)
	cfg.addLogFlags(fs)
	cfg.addStorageFlags(fs)
	err := fs.parse(args, getenv)
	return cfg, err
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	with := func(f func(*config)) config {
		c := defaultConfig()
		f(&c)
		return c
	}
	tests := []struct {
		name string
		args []string
		env  []string
		want config
	}{
		{name: "defaults", want: defaultConfig()},
		{
			name: "env over default",
			env: []string{
				"NOTESD_ADDR=0.0.0.0:9000", "NOTESD_DATABASE_URL=sqlite:/var/lib/notesd/n.db",
				"NOTESD_SECRET_KEY=s", "NOTESD_ACCESS_TTL=5m", "NOTESD_REFRESH_TTL=24h",
				"NOTESD_ISSUER=iss", "NOTESD_AUDIENCE=aud", "NOTESD_SECURE_COOKIES=true",
				"NOTESD_LOG_FORMAT=json", "NOTESD_ALLOW_QUERY_API_KEY=1",
				"NOTESD_PREVIOUS_SECRET_KEYS=p1,p2", "NOTESD_SIGNING_ALG=eddsa", "NOTESD_REDIS_URL=redis://r",
				"NOTESD_LOGIN_LIMIT_PER_ACCOUNT=3", "NOTESD_LOGIN_LIMIT_PER_IP=4", "NOTESD_REFRESH_LIMIT_PER_IP=6", "NOTESD_REGISTER_LIMIT_PER_IP=5",
				"NOTESD_RATE_WINDOW=1h", "NOTESD_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.1",
				"NOTESD_CORS_ORIGINS=https://app.example.com",
				"NOTESD_MAX_NOTES_PER_USER=10", "NOTESD_MAX_API_KEYS_PER_USER=11", "NOTESD_MAX_SESSIONS_PER_USER=12",
				"NOTESD_RETENTION=48h", "NOTESD_MAX_STREAMS_PER_USER=7",
				"NOTESD_REFRESH_REUSE_INTERVAL=0", "NOTESD_DRAIN_DELAY=1s", "NOTESD_SHUTDOWN_TIMEOUT=2m",
				"NOTESD_SQLITE_SYNCHRONOUS=normal", "NOTESD_DB_TIMEOUT=2s", "NOTESD_SQLITE_NOTE_CACHE=0",
			},
			want: config{
				addr: "0.0.0.0:9000", databaseURL: "sqlite:/var/lib/notesd/n.db", secretKey: "s",
				accessTTL: 5 * time.Minute, refreshTTL: 24 * time.Hour, issuer: "iss", audience: "aud",
				secureCookies: true, logFormat: "json", allowQueryAPIKey: true,
				previousSecretKeys: "p1,p2", signingAlg: "EdDSA", redisURL: "redis://r",
				loginPerAccount: 3, loginPerIP: 4, refreshPerIP: 6, registerPerIP: 5, rateWindow: time.Hour,
				trustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.1/32")},
				corsOrigins:    []string{"https://app.example.com"},
				quotas:         httpapi.Quotas{NotesPerUser: 10, APIKeysPerUser: 11, SessionsPerUser: 12},
				retention:      48 * time.Hour,
				refreshReuse:   0, drainDelay: time.Second, shutdownTimeout: 2 * time.Minute,
				maxStreamsPerUser: 7,
				sqliteSynchronous: sqlite.SyncNormal, dbTimeout: 2 * time.Second, sqliteNoteCacheMiB: 0,
			},
		},
		{
			name: "storage flags over env",
			args: []string{"--max-notes-per-user", "3", "--max-api-keys-per-user=4", "--max-sessions-per-user", "5", "--retention", "1h", "--max-streams-per-user", "2",
				"--sqlite-synchronous", "FULL", "--db-timeout=300ms"},
			env: []string{"NOTESD_MAX_NOTES_PER_USER=9", "NOTESD_RETENTION=9h", "NOTESD_MAX_STREAMS_PER_USER=8", "NOTESD_SQLITE_SYNCHRONOUS=normal", "NOTESD_DB_TIMEOUT=9s"},
			want: with(func(c *config) {
				c.maxStreamsPerUser = 2
				c.quotas = httpapi.Quotas{NotesPerUser: 3, APIKeysPerUser: 4, SessionsPerUser: 5}
				c.retention = time.Hour
				c.dbTimeout = 300 * time.Millisecond
			}),
		},
		{
			name: "flag over env",
			args: []string{"--addr", "127.0.0.1:0", "--access-ttl=1m", "--secure-cookies=false", "--log-format", "text"},
			env:  []string{"NOTESD_ADDR=0.0.0.0:9000", "NOTESD_ACCESS_TTL=5m", "NOTESD_SECURE_COOKIES=true", "NOTESD_LOG_FORMAT=json"},
			want: with(func(c *config) { c.addr = "127.0.0.1:0"; c.accessTTL = time.Minute }),
		},
		{
			name: "bad env shadowed by a flag is not read",
			args: []string{"--refresh-ttl", "2h"},
			env:  []string{"NOTESD_REFRESH_TTL=soon"},
			want: with(func(c *config) { c.refreshTTL = 2 * time.Hour }),
		},
		{
			name: "empty env is unset",
			env:  []string{"NOTESD_ADDR=", "NOTESD_ACCESS_TTL="},
			want: defaultConfig(),
		},
		{
			name: "list flag over env",
			args: []string{"--trusted-proxies", "::1", "--cors-origins", "http://localhost:3000", "--login-limit-per-ip=7"},
			env:  []string{"NOTESD_TRUSTED_PROXIES=10.0.0.0/8", "NOTESD_CORS_ORIGINS=https://a.example", "NOTESD_LOGIN_LIMIT_PER_IP=9"},
			want: with(func(c *config) {
				c.trustedProxies = []netip.Prefix{netip.MustParsePrefix("::1/128")}
				c.corsOrigins = []string{"http://localhost:3000"}
				c.loginPerIP = 7
			}),
		},
		{
			name: "empty list flag clears the env",
			args: []string{"--trusted-proxies="},
			env:  []string{"NOTESD_TRUSTED_PROXIES=10.0.0.0/8"},
			want: defaultConfig(),
		},
		{
			name: "note cache flag over env",
			args: []string{"--sqlite-note-cache=64"},
			env:  []string{"NOTESD_SQLITE_NOTE_CACHE=0"},
			want: with(func(c *config) { c.sqliteNoteCacheMiB = 64 }),
		},
		{
			name: "db max conns",
			args: []string{"--db-max-conns=48"},
			want: with(func(c *config) { c.dbMaxConns = 48 }),
		},
		{
			name: "hash workers from env",
			env:  []string{"NOTESD_HASH_WORKERS=2"},
			want: with(func(c *config) { c.hashWorkers = 2 }),
		},
		{
			name: "bool flag without value",
			args: []string{"--secure-cookies", "--allow-query-api-key"},
			want: with(func(c *config) { c.secureCookies = true; c.allowQueryAPIKey = true }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseServeFlags(tt.args, envOf(tt.env...))
			if err != nil {
				t.Fatalf("parse(%q, %q) = %v, want nil", tt.args, tt.env, err)
			}
			if diff := cmp.Diff(tt.want, got, configOpts); diff != "" {
				t.Errorf("parse(%q, %q) differs (-want +got):\n%s", tt.args, tt.env, diff)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantErr string
	}{
		{name: "env duration", env: []string{"NOTESD_ACCESS_TTL=soon"}, wantErr: "NOTESD_ACCESS_TTL"},
		{name: "zero note quota", args: []string{"--max-notes-per-user=0"}, wantErr: "not positive"},
		{name: "env session quota", env: []string{"NOTESD_MAX_SESSIONS_PER_USER=many"}, wantErr: "NOTESD_MAX_SESSIONS_PER_USER"},
		{name: "negative retention", args: []string{"--retention=-1h"}, wantErr: "not positive"},
		{name: "synchronous off", args: []string{"--sqlite-synchronous", "off"}, wantErr: "full or normal"},
		{name: "env synchronous", env: []string{"NOTESD_SQLITE_SYNCHRONOUS=extra"}, wantErr: "NOTESD_SQLITE_SYNCHRONOUS"},
		{name: "zero db timeout", args: []string{"--db-timeout=0s"}, wantErr: "db-timeout"},
		{name: "negative note cache", args: []string{"--sqlite-note-cache=-1"}, wantErr: "between 0 and"},
		{name: "huge note cache", args: []string{"--sqlite-note-cache=1025"}, wantErr: "between 0 and"},
		{name: "env note cache", env: []string{"NOTESD_SQLITE_NOTE_CACHE=8MiB"}, wantErr: "NOTESD_SQLITE_NOTE_CACHE"},
		{name: "zero db max conns", args: []string{"--db-max-conns=0"}, wantErr: "not positive"},
		{name: "zero hash workers", args: []string{"--hash-workers=0"}, wantErr: "not positive"},
		{name: "env hash workers", env: []string{"NOTESD_HASH_WORKERS=all"}, wantErr: "NOTESD_HASH_WORKERS"},
		{name: "env db max conns", env: []string{"NOTESD_DB_MAX_CONNS=lots"}, wantErr: "NOTESD_DB_MAX_CONNS"},
		{name: "env db timeout", env: []string{"NOTESD_DB_TIMEOUT=soon"}, wantErr: "NOTESD_DB_TIMEOUT"},
		{name: "env negative duration", env: []string{"NOTESD_REFRESH_TTL=-1h"}, wantErr: "NOTESD_REFRESH_TTL"},
		{name: "env bool", env: []string{"NOTESD_SECURE_COOKIES=maybe"}, wantErr: "NOTESD_SECURE_COOKIES"},
		{name: "env log format", env: []string{"NOTESD_LOG_FORMAT=xml"}, wantErr: "NOTESD_LOG_FORMAT"},
		{name: "flag zero duration", args: []string{"--access-ttl", "0s"}, wantErr: "access-ttl"},
		{name: "flag log format", args: []string{"--log-format", "xml"}, wantErr: "log-format"},
		{name: "positional argument", args: []string{"extra"}, wantErr: "no positional arguments"},
		{name: "env signing alg", env: []string{"NOTESD_SIGNING_ALG=RS256"}, wantErr: "NOTESD_SIGNING_ALG"},
		{name: "flag signing alg", args: []string{"--signing-alg", "none"}, wantErr: "HS256 or EdDSA"},
		{name: "zero limit", args: []string{"--login-limit-per-account", "0"}, wantErr: "not positive"},
		{name: "negative limit", args: []string{"--register-limit-per-ip=-3"}, wantErr: "not positive"},
		{name: "env limit not a number", env: []string{"NOTESD_LOGIN_LIMIT_PER_IP=lots"}, wantErr: "NOTESD_LOGIN_LIMIT_PER_IP"},
		{name: "env fractional limit", env: []string{"NOTESD_LOGIN_LIMIT_PER_ACCOUNT=2.5"}, wantErr: "not an integer"},
		{name: "zero window", args: []string{"--rate-window", "0"}, wantErr: "rate-window"},
		{name: "env window", env: []string{"NOTESD_RATE_WINDOW=forever"}, wantErr: "NOTESD_RATE_WINDOW"},
		{name: "env proxy", env: []string{"NOTESD_TRUSTED_PROXIES=10.0.0.0/33"}, wantErr: "NOTESD_TRUSTED_PROXIES"},
		{name: "env origin", env: []string{"NOTESD_CORS_ORIGINS=app.example.com"}, wantErr: "NOTESD_CORS_ORIGINS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseServeFlags(tt.args, envOf(tt.env...))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parse(%q, %q) = %v, want an error containing %q", tt.args, tt.env, err, tt.wantErr)
			}
		})
	}
}

func TestDatabaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantErr string
	}{
		// Nothing listens on port 1: the connection is refused at once.
		{name: "postgres flag", args: []string{"--database-url", "postgres://u:hunter2@127.0.0.1:1/notes?connect_timeout=5"}, wantErr: "failed to connect"},
		{name: "postgresql env", env: []string{"NOTESD_DATABASE_URL=postgresql://u:hunter2@127.0.0.1:1/notes?connect_timeout=5"}, wantErr: "failed to connect"},
		{name: "postgres upper case", args: []string{"--database-url", "POSTGRES://u:hunter2@127.0.0.1:1/notes?connect_timeout=5"}, wantErr: "failed to connect"},
		{name: "postgres bad port", args: []string{"--database-url", "postgres://u:hunter2@db:port/notes"}, wantErr: "cannot parse the database URL"},
		{name: "postgres bad param", args: []string{"--database-url", "postgres://u:hunter2@db/notes?sslmode=sometimes"}, wantErr: "cannot parse the database URL"},
		{name: "other scheme", args: []string{"--database-url", "mysql://u:hunter2@db/notes"}, wantErr: "unsupported database URL"},
		{name: "empty sqlite path", args: []string{"--database-url", "sqlite:"}, wantErr: "names no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := runCmd(t, envOf(tt.env...), "", append([]string{"migrate"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("migrate %q = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("migrate %q = %v: the error shows the URL's password", tt.args, err)
			}
		})
	}
}

func TestDatabaseDescription(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, wantString, wantDir string
	}{
		{"sqlite:/var/lib/notesd/n.db", "/var/lib/notesd/n.db", "/var/lib/notesd"},
		{"postgres://u:hunter2@db:5432/notes?sslmode=verify-full&password=hunter2", "postgres://db:5432/notes", postgresDataDir},
		{"PostgreSQL://db/notes", "postgresql://db/notes", postgresDataDir},
	}
	for _, tt := range tests {
		c := defaultConfig()
		c.databaseURL = tt.url
		d, err := c.database()
		if err != nil {
			t.Errorf("database(%q) = %v, want nil error", tt.url, err)
			continue
		}
		if got := d.String(); got != tt.wantString {
			t.Errorf("database(%q).String() = %q, want %q", tt.url, got, tt.wantString)
		}
		if got := d.dataDir(); got != tt.wantDir {
			t.Errorf("database(%q).dataDir() = %q, want %q", tt.url, got, tt.wantDir)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	tests := [][]string{
		{"-h"}, {"--help"}, {"help"}, {"serve", "-h"}, {"user", "-h"}, {"user", "create", "--help"},
		{"apikey", "help"}, {"apikey", "create", "-h"}, {"routes", "-h"}, {"migrate", "-help"},
	}
	for _, args := range tests {
		stdout, stderr, err := runCmd(t, envOf(), "", args...)
		if err != nil {
			t.Errorf("run(%q) = %v, want nil", args, err)
		}
		if !strings.Contains(stdout+stderr, "Usage") {
			t.Errorf("run(%q) printed no usage:\n%s%s", args, stdout, stderr)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"frobnicate"}, {"user"}, {"user", "delete"}, {"apikey", "list"}, {"--no-such-flag"}} {
		if _, _, err := runCmd(t, envOf(), "", args...); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string // prefixes; nil with wantErr
		err  string
	}{
		{in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{in: "10.1.2.3/8", want: []string{"10.0.0.0/8"}}, // host bits cleared
		{in: "192.168.1.10", want: []string{"192.168.1.10/32"}},
		{in: "::1", want: []string{"::1/128"}},
		{in: "fd00::/8, 127.0.0.1 ,172.16.0.0/12", want: []string{"fd00::/8", "127.0.0.1/32", "172.16.0.0/12"}},
		{in: "::ffff:10.0.0.1", want: []string{"10.0.0.1/32"}},
		{in: "::ffff:10.0.0.0/104", want: []string{"10.0.0.0/8"}},
		{in: "", want: nil},
		{in: "10.0.0.0/33", err: "not a CIDR"},
		{in: "10.0.0", err: "not an IP address or CIDR"},
		{in: "proxy.internal", err: "not an IP address or CIDR"},
		{in: "fe80::1%eth0", err: "not an IP address or CIDR"},
		{in: "10.0.0.1,", err: "empty"},
		{in: "10.0.0.1,,10.0.0.2", err: "empty"},
		{in: "::ffff:0:0/80", err: "IPv4-mapped"},
	}
	for _, tt := range tests {
		cfg, err := parseServeFlags([]string{"--trusted-proxies", tt.in}, envOf())
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("--trusted-proxies %q: error %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("--trusted-proxies %q: %v", tt.in, err)
			continue
		}
		var got []string
		for _, p := range cfg.trustedProxies {
			got = append(got, p.String())
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("--trusted-proxies %q (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestCORSOrigins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{in: "https://app.example.com", want: []string{"https://app.example.com"}},
		{in: "http://localhost:3000, https://app.example.com:8443", want: []string{"http://localhost:3000", "https://app.example.com:8443"}},
		// As browsers serialise them: lower case, no default port.
		{in: "HTTPS://App.Example.COM:443,http://a.example:80", want: []string{"https://app.example.com", "http://a.example"}},
		{in: "https://app.example.com,https://APP.example.com", want: []string{"https://app.example.com"}},
		{in: "http://[::1]:8080", want: []string{"http://[::1]:8080"}},
		{in: "", want: nil},
		{in: "app.example.com", err: "http:// or https://"},
		{in: "ftp://app.example.com", err: "http:// or https://"},
		{in: "https://app.example.com/", err: "has a path"},
		{in: "https://app.example.com/app", err: "has a path"},
		{in: "https://app.example.com?x=1", err: "query or fragment"},
		{in: "https://app.example.com#top", err: "query or fragment"},
		{in: "https://user@app.example.com", err: "user information"},
		{in: "https://app.example.com:99999", err: "bad port"},
		{in: "https://app.example.com:", err: "empty port"},
		{in: "https://", err: "no host"},
		{in: "*", err: "list each origin"},
		{in: "null", err: "list each origin"},
		{in: "https://bücher.example", err: "xn--"},
		{in: "https://a.example,,https://b.example", err: "empty"},
	}
	for _, tt := range tests {
		cfg, err := parseServeFlags([]string{"--cors-origins", tt.in}, envOf())
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("--cors-origins %q: error %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("--cors-origins %q: %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, cfg.corsOrigins); diff != "" {
			t.Errorf("--cors-origins %q (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestDatabaseMaxConns: --db-max-conns reaches the PostgreSQL database,
// and a size past maxDBConns is refused before anything opens.
func TestDatabaseMaxConns(t *testing.T) {
	t.Parallel()
	c := defaultConfig()
	c.databaseURL, c.dbMaxConns = "postgres://db.example/notes", 48
	d, err := c.database()
	if err != nil || d.maxConns != 48 {
		t.Errorf("database() = %+v, %v, want maxConns 48", d, err)
	}
	c.dbMaxConns = maxDBConns + 1
	if _, err := c.database(); err == nil || !strings.Contains(err.Error(), "db-max-conns") {
		t.Errorf("database() with --db-max-conns %d = %v, want a refusal naming the flag", c.dbMaxConns, err)
	}
}

// TestLegacyTokenFlags: --legacy-token-secret goes with a
// --legacy-token-until in the future and is not one of notesd's own
// secrets; errors never echo the secret.
func TestLegacyTokenFlags(t *testing.T) {
	t.Parallel()
	const old = "the old app's secret"
	future := time.Now().Add(48 * time.Hour).UTC()
	tests := []struct {
		name      string
		args      []string
		env       []string
		wantErr   string // "" for none
		wantUntil time.Time
	}{
		{name: "RFC 3339", args: []string{"--legacy-token-secret", old, "--legacy-token-until", future.Format(time.RFC3339)}, wantUntil: future.Truncate(time.Second)},
		{name: "a date", env: []string{"NOTESD_LEGACY_TOKEN_SECRET=" + old, "NOTESD_LEGACY_TOKEN_UNTIL=" + future.Format(time.DateOnly)},
			wantUntil: time.Date(future.Year(), future.Month(), future.Day(), 0, 0, 0, 0, time.UTC)},
		{name: "neither", wantErr: ""},
		{name: "hash workers at the bound", args: []string{"--hash-workers=256"}, wantErr: ""},
		{name: "too many hash workers", args: []string{"--hash-workers=257"}, wantErr: "--hash-workers: 257 is more than 256"},
		{name: "no until", args: []string{"--legacy-token-secret", old}, wantErr: "needs --legacy-token-until"},
		{name: "no secret", args: []string{"--legacy-token-until", future.Format(time.RFC3339)}, wantErr: "needs --legacy-token-secret"},
		{name: "passed", args: []string{"--legacy-token-secret", old, "--legacy-token-until", "2020-01-01"}, wantErr: "has passed"},
		{name: "not a time", args: []string{"--legacy-token-secret", old, "--legacy-token-until", "next week"}, wantErr: "not a time"},
		{name: "notesd's own secret", args: []string{"--secret-key", old, "--legacy-token-secret", old, "--legacy-token-until", future.Format(time.RFC3339)},
			wantErr: "notesd's own signing secrets"},
		{name: "a previous secret of notesd", args: []string{"--previous-secret-keys", "a,b," + old, "--legacy-token-secret", old, "--legacy-token-until", future.Format(time.RFC3339)},
			wantErr: "notesd's own signing secrets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseServeFlags(tt.args, envOf(tt.env...))
			if err == nil {
				err = cfg.checkServer()
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parse and check(%q, %q) = %v, want nil", tt.args, tt.env, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("parse and check(%q, %q) = %v, want an error containing %q", tt.args, tt.env, err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), old):
				t.Fatalf("error %q echoes the secret", err)
			}
			if l := cfg.legacy(nil); tt.wantErr == "" && !tt.wantUntil.IsZero() && (l == nil || !l.Until.Equal(tt.wantUntil) || string(l.Secret) != old) {
				t.Errorf("legacy() = %+v, want the secret until %v", l, tt.wantUntil)
			}
		})
	}
}
