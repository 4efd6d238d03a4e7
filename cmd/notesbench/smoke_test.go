package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for notesbench when the smoke
// test starts its children (baseline, loadgen) from os.Executable.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "baseline" || os.Args[1] == "loadgen") {
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
	err := run(ctx, []string{"--users", "20", "--notes", "100", "--duration", "1s", "--rounds", "1",
		"--connections", "8", "--wrk", "off"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run() = %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"baseline net/http", "GET /notes/{id}", "GET /me", "GET /data", "load: Go client", "20 users logged in"} {
		if !strings.Contains(out, want) {
			t.Errorf("run() output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr.String(), "seeded 20 users, 100 notes, 20 API keys") {
		t.Errorf("run() progress lacks the seeding line:\n%s", stderr.String())
	}
	t.Logf("\n%s", out)
}
