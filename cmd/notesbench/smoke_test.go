package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for notesbench when the smoke
// tests start its children (baseline, loadgen, mixgen) from os.Executable.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "baseline" || os.Args[1] == "loadgen" || os.Args[1] == "mixgen") {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSmoke runs the whole benchmark, small: it builds notesd, seeds,
// logs in, and loads every route once with the Go client. It takes tens of
// seconds, so it runs only with NOTESBENCH_SMOKE=1 and without -short.
func TestSmoke(t *testing.T) {
	if testing.Short() || os.Getenv("NOTESBENCH_SMOKE") != "1" {
		t.Skip("end-to-end benchmark: set NOTESBENCH_SMOKE=1 (and no -short) to run it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"--users", "20", "--notes", "100", "--flat-notes", "20", "--duration", "1s", "--rounds", "1",
		"--connections", "8", "--wrk", "off"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run() = %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"baseline fixed", "baseline encoding", "baseline verify", "baseline verify me", "baseline verify data", "GET /notes/{id}", "GET /me", "GET /data",
		"POST /notes ", "POST /notes normal", "synchronous=FULL ≥ 0.50× NORMAL", "load: Go client", "20 users logged in",
		"GET /notes/{id} flat", "GET /notes/{id} at 100 notes ≥ 0.90× at 20 (flat)"} {
		if !strings.Contains(out, want) {
			t.Errorf("run() output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr.String(), "seeded 20 users, 100 notes, 20 API keys") || !strings.Contains(stderr.String(), "seeded the flat twin: 20 users, 20 notes") {
		t.Errorf("run() progress lacks the seeding line:\n%s", stderr.String())
	}
	t.Logf("\n%s", out)
}

// TestSmokeMix runs a very short mixed workload against a real notesd
// built from the tree: four clients for 4 s (their first argon2id logins
// take part of it on a busy machine), logging in again every ~1 s
// and refreshing every ~0.5 s, which must pass (no error, no cross-user
// answer). Building notesd takes seconds, so -short skips it.
func TestSmokeMix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs notesd: skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"--mix", "--clients", "4", "--users", "10", "--notes", "40", "--duration", "4s",
		"--relogin-every", "1s", "--refresh-every", "500ms", "--cpu-server", "none", "--cpu-client", "none", "--json"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run(--mix) = %v\n%s", err, stderr.String())
	}
	var rep mixReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("run(--mix --json) printed %v:\n%s", err, stdout.String())
	}
	if rep.Mode != "mix" || rep.Clients != 4 || rep.LoggedIn != 4 || rep.AllLoggedInSeconds <= 0 || rep.Errors != 0 || rep.CrossUser != 0 || rep.Requests == 0 ||
		rep.LoginLimitPerIP != mixRateLimit || rep.CPUPerReqUs <= 0 || rep.PeakRSSMB <= 0 || len(rep.Ops) != len(mixOps) {
		t.Errorf("run(--mix) = %+v", rep)
	}
	for _, o := range rep.Ops {
		// Every client logs in at least once; the rest is drawn at random,
		// but thousands of times.
		if o.Count == 0 || (o.Op == opLogin && o.Count < 4) {
			t.Errorf("op %s ran %d times", o.Op, o.Count)
		}
	}
	t.Logf("\n%s", stdout.String())
}
