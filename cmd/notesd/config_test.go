package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// parseServeFlags parses args and env as serve does.
func parseServeFlags(args []string, getenv func(string) string) (config, error) {
	cfg := defaultConfig()
	fs := newFlagSet("serve", serveHeader, io.Discard)
	cfg.addServerFlags(fs)
	cfg.addDatabaseFlags(fs)
	cfg.addLogFlags(fs)
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
			},
			want: config{
				addr: "0.0.0.0:9000", databaseURL: "sqlite:/var/lib/notesd/n.db", secretKey: "s",
				accessTTL: 5 * time.Minute, refreshTTL: 24 * time.Hour, issuer: "iss", audience: "aud",
				secureCookies: true, logFormat: "json", allowQueryAPIKey: true,
			},
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
			if got != tt.want {
				t.Errorf("parse(%q, %q) = %+v, want %+v", tt.args, tt.env, got, tt.want)
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
		{name: "env negative duration", env: []string{"NOTESD_REFRESH_TTL=-1h"}, wantErr: "NOTESD_REFRESH_TTL"},
		{name: "env bool", env: []string{"NOTESD_SECURE_COOKIES=maybe"}, wantErr: "NOTESD_SECURE_COOKIES"},
		{name: "env log format", env: []string{"NOTESD_LOG_FORMAT=xml"}, wantErr: "NOTESD_LOG_FORMAT"},
		{name: "flag zero duration", args: []string{"--access-ttl", "0s"}, wantErr: "access-ttl"},
		{name: "flag log format", args: []string{"--log-format", "xml"}, wantErr: "log-format"},
		{name: "positional argument", args: []string{"extra"}, wantErr: "no positional arguments"},
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
		{name: "postgres flag", args: []string{"--database-url", "postgres://u:hunter2@db/notes"}, wantErr: "postgres support is not built yet"},
		{name: "postgresql env", env: []string{"NOTESD_DATABASE_URL=postgresql://u:hunter2@db/notes"}, wantErr: "postgres support is not built yet"},
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
