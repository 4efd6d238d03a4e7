package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/routes.golden from the output of notesd routes")

// goldenRoutes is the route table golden file.
var goldenRoutes = filepath.Join("testdata", "routes.golden")

func TestRoutesGolden(t *testing.T) {
	got := mustRun(t, envOf(), "", "routes")
	if *update {
		if err := os.WriteFile(goldenRoutes, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenRoutes)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/notesd -run Routes -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("notesd routes differs from %s; if the change of protection is intended, run\n"+
			"go test ./cmd/notesd -run Routes -update\ngot:\n%s\nwant:\n%s", goldenRoutes, got, want)
	}
}

func TestRoutesQueryAPIKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		env       []string
		args      []string
		wantQuery bool
	}{
		{name: "default", wantQuery: false},
		{name: "flag", args: []string{"--allow-query-api-key"}, wantQuery: true},
		{name: "env", env: []string{"NOTESD_ALLOW_QUERY_API_KEY=true"}, wantQuery: true},
		{name: "flag wins over env", env: []string{"NOTESD_ALLOW_QUERY_API_KEY=true"}, args: []string{"--allow-query-api-key=false"}, wantQuery: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := mustRun(t, envOf(tt.env...), "", append([]string{"routes"}, tt.args...)...)
			if got := strings.Contains(out, "APIKeyQuery"); got != tt.wantQuery {
				t.Errorf("routes %q lists APIKeyQuery = %v, want %v:\n%s", tt.args, got, tt.wantQuery, out)
			}
		})
	}
}

func TestRoutesBadEnv(t *testing.T) {
	t.Parallel()
	_, _, err := runCmd(t, envOf("NOTESD_ALLOW_QUERY_API_KEY=maybe"), "", "routes")
	if err == nil || !strings.Contains(err.Error(), "NOTESD_ALLOW_QUERY_API_KEY") {
		t.Errorf("routes with NOTESD_ALLOW_QUERY_API_KEY=maybe = %v, want an error naming the variable", err)
	}
}

func TestRoutesSigningAlg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		env      []string
		wantJWKS bool
	}{
		{wantJWKS: false},
		{args: []string{"--signing-alg", "EdDSA"}, wantJWKS: true},
		{env: []string{"NOTESD_SIGNING_ALG=EdDSA"}, wantJWKS: true},
	}
	for _, tt := range tests {
		out := mustRun(t, envOf(tt.env...), "", append([]string{"routes"}, tt.args...)...)
		if got := strings.Contains(out, "/.well-known/jwks.json"); got != tt.wantJWKS {
			t.Errorf("routes %q %q lists /.well-known/jwks.json = %v, want %v", tt.args, tt.env, got, tt.wantJWKS)
		}
	}
}
