package main

import (
	"errors"
	"flag"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags(nil) = %v, want nil", err)
	}
	if cfg.users != 1000 || cfg.notes != 1000 || cfg.keys != 1000 || cfg.logins != 64 || cfg.duration != 5*time.Second ||
		cfg.rounds != 3 || cfg.connections != 32 || !slices.Equal(cfg.routes, knownRoutes) || cfg.wrk != "auto" || cfg.self == "" {
		t.Errorf("parseFlags(nil) = %+v, want the documented defaults", cfg)
	}
	cfg, err = parseFlags([]string{"--users", "20", "--keys", "0", "--routes", "me, notes", "--cpu-server", "none", "--cpu-client", "none", "--wrk=off"}, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags() = %v, want nil", err)
	}
	if cfg.keys != 0 || !slices.Equal(cfg.routes, []string{"me", "notes"}) || cfg.taskset != "" {
		t.Errorf("parseFlags() = %+v, want keys 0, routes me,notes, no pinning", cfg)
	}
	if got := cfg.pinned("", "x", "y"); !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("pinned(no CPUs) = %q, want the command itself", got)
	}
	cfg.nice, cfg.niceCmd, cfg.taskset, cfg.cpuServer = -10, "/bin/nice", "/bin/taskset", "0"
	if got, want := cfg.pinned(cfg.cpuServer, "x"), []string{"/bin/taskset", "-c", "0", "/bin/nice", "-n", "-10", "x"}; !slices.Equal(got, want) {
		t.Errorf("pinned(0) with --nice -10 = %q, want %q", got, want)
	}
	if gen, err := cfg.generator(); gen != "" || err != nil {
		t.Errorf("generator() with --wrk=off = %q, %v, want the Go client", gen, err)
	}
}

// TestNoteCacheFlag: --note-cache reaches notesd's command line as
// --sqlite-note-cache on SQLite and is said in the report's engine line;
// by default notesd keeps its own.
func TestNoteCacheFlag(t *testing.T) {
	t.Parallel()
	sqlite := dbTarget{engine: engineSQLite, url: "sqlite:x.db"}
	for _, tc := range []struct {
		args     []string
		wantArgs []string
		wantDesc string
	}{
		{nil, []string{"--database-url", "sqlite:x.db"}, "notesd's default note cache"},
		{[]string{"--note-cache", "0"}, []string{"--database-url", "sqlite:x.db", "--sqlite-note-cache", "0"}, "no note cache"},
		{[]string{"--note-cache=64"}, []string{"--database-url", "sqlite:x.db", "--sqlite-note-cache", "64"}, "--sqlite-note-cache 64"},
	} {
		cfg, err := parseFlags(tc.args, io.Discard)
		if err != nil {
			t.Fatalf("parseFlags(%q) = %v", tc.args, err)
		}
		if got := sqlite.notesdArgs(&cfg); !slices.Equal(got, tc.wantArgs) {
			t.Errorf("notesdArgs() with %q = %q, want %q", tc.args, got, tc.wantArgs)
		}
		if got := sqlite.describe(&cfg); !strings.Contains(got, tc.wantDesc) {
			t.Errorf("describe() with %q = %q, want it to say %q", tc.args, got, tc.wantDesc)
		}
	}
	for _, bad := range []string{"-2", "1025"} {
		if _, err := parseFlags([]string{"--note-cache", bad}, io.Discard); err == nil || !strings.Contains(err.Error(), "--note-cache") {
			t.Errorf("parseFlags(--note-cache %s) = %v, want a refusal naming the flag", bad, err)
		}
	}
}

func TestParseFlagsMix(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"--mix"}, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags(--mix) = %v", err)
	}
	if !cfg.mix || cfg.clients != 200 || cfg.duration != 60*time.Second || cfg.keys != 0 || cfg.users != 1000 ||
		cfg.reloginEvery != 30*time.Second || cfg.refreshEvery != 10*time.Second {
		t.Errorf("parseFlags(--mix) = %+v, want 200 clients, 60s, no API keys, 1000 users, logins every 30s, refreshes every 10s", cfg)
	}
	cfg, err = parseFlags([]string{"--mix", "--clients", "50", "--duration", "10s", "--keys", "5", "--notes", "0"}, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags() = %v", err)
	}
	if cfg.clients != 50 || cfg.duration != 10*time.Second || cfg.keys != 5 {
		t.Errorf("parseFlags() = %+v, want 50 clients, 10s, 5 keys", cfg)
	}
	if cfg, _ := parseFlags(nil, io.Discard); cfg.mix || cfg.duration != 5*time.Second {
		t.Errorf("parseFlags(nil) = %+v, want no mix, 5s", cfg)
	}
}

func TestBudgets(t *testing.T) {
	t.Parallel()
	cfg := &config{routes: knownRoutes, rounds: 3, duration: 5 * time.Second}
	// 3 rounds × (3 baselines + verify /me + verify /data + 4 routes + create's normal twin) × (5 s + 10 s).
	if got, want := benchBudget(cfg), setupBudget+30*15*time.Second; got != want {
		t.Errorf("benchBudget() = %v, want %v", got, want)
	}
	cfg.flatNotes = 1000
	// The flat twin of notes: one load more per round.
	if got, want := benchBudget(cfg), setupBudget+33*15*time.Second; got != want {
		t.Errorf("benchBudget() with --flat-notes = %v, want %v", got, want)
	}
	if got, want := strings.Join(measureOrder(cfg), ","),
		"fixed,baseline,verify,verify-me,verify-data,notes,notes-flat,me,data,create,create-normal"; got != want {
		t.Errorf("measureOrder() = %s, want %s", got, want)
	}
	cfg.flatNotes = 0
	cfg.pgURL = &url.URL{Scheme: "postgres", Host: "127.0.0.1"}
	// On PostgreSQL there is no twin: 3 × 9 loads.
	if got, want := benchBudget(cfg), setupBudget+27*15*time.Second; got != want {
		t.Errorf("benchBudget() on PostgreSQL = %v, want %v", got, want)
	}
	cfg.duration = time.Minute
	if got, want := mixBudget(cfg), setupBudget+time.Minute+loadGrace; got != want {
		t.Errorf("mixBudget() = %v, want %v", got, want)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown route", []string{"--routes", "notes,admin"}, "unknown route"},
		{"repeated route", []string{"--routes", "me,me"}, "given twice"},
		{"no route", []string{"--routes", " , "}, "no route"},
		{"no users", []string{"--users", "0"}, "--users"},
		{"no keys for data", []string{"--keys", "0"}, "--keys"},
		{"no notes for notes", []string{"--notes", "0"}, "--notes"},
		{"too many logins", []string{"--logins", "101"}, "--logins"},
		{"short duration", []string{"--duration", "10ms"}, "--duration"},
		{"no rounds", []string{"--rounds", "0"}, "--rounds"},
		{"no connections", []string{"--connections", "0"}, "--connections"},
		{"bad cpu list", []string{"--cpu-server", "zero"}, "CPU list"},
		{"bad nice", []string{"--nice", "-21"}, "--nice"},
		{"argument", []string{"extra"}, "unexpected arguments"},
		{"one client", []string{"--mix", "--clients", "1"}, "--clients"},
		{"no refresh interval", []string{"--mix", "--refresh-every", "0s"}, "--refresh-every"},
		{"more clients than users", []string{"--mix", "--users", "10", "--clients", "11"}, "must not exceed --users"},
		{"negative flat twin", []string{"--flat-notes", "-1"}, "--flat-notes must not be negative"},
		{"flat twin with the mix", []string{"--mix", "--flat-notes", "100"}, "--flat-notes needs SQLite"},
		{"flat twin without notes", []string{"--routes", "me", "--notes", "10000", "--flat-notes", "100"}, "--flat-notes needs SQLite"},
		{"flat twin on PostgreSQL", []string{"--notes", "10000", "--flat-notes", "100", "--database-url", "postgres://127.0.0.1/test"}, "--flat-notes needs SQLite"},
		{"flat twin with fewer users than logins", []string{"--notes", "10000", "--flat-notes", "63"}, "at least the users logged in (64)"},
		{"flat twin not smaller", []string{"--notes", "1000", "--flat-notes", "1000"}, "fewer than --notes (1000)"},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: parseFlags(%q) = %v, want an error containing %q", tt.name, tt.args, err, tt.wantErr)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
}
