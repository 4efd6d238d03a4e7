package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// redoclyVersion is the Redocly CLI release the lint test is written for;
// .ci/run installs it.
const redoclyVersion = "2.77.0"

// lintWarningsAllowed are the linter's warnings notesd's document keeps,
// by rule and JSON pointer, each with the reason (see addRoutes).
var lintWarningsAllowed = map[string]string{
	"operation-4xx-response #/paths/~1public/get/responses":    "reads nothing from the request: no input to refuse",
	"operation-4xx-response #/paths/~1healthz/get/responses":   "reads nothing from the request: no input to refuse",
	"operation-4xx-response #/paths/~1readyz/get/responses":    "reads nothing from the request; it fails only with 503",
	"operation-2xx-response #/paths/~1notes~1ws/get/responses": "a WebSocket upgrade succeeds with 101 Switching Protocols, never 2xx",
}

// lintReport is what `redocly lint --format=json` writes.
type lintReport struct {
	Totals   struct{ Errors, Warnings int }
	Version  string
	Problems []struct {
		RuleID, Severity, Message string
		Location                  []struct {
			Pointer string
			Start   struct{ Line, Col int }
		}
	}
}

// TestOpenAPILint runs a third-party linter, Redocly CLI, with its
// recommended ruleset on notesd's document, as a new user's tooling
// would: any error fails, and so does any warning but the few the
// document keeps for a stated reason (lintWarningsAllowed). The linter
// is NOTESD_TEST_REDOCLY (the redocly binary, which .ci/run installs
// from the npm registry and sets) or redocly on PATH; elsewhere the test
// skips. It never fetches the linter itself: tests send no traffic off
// this machine.
func TestOpenAPILint(t *testing.T) {
	bin := os.Getenv("NOTESD_TEST_REDOCLY")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redocly"); err != nil {
			t.Skipf("skipping the OpenAPI lint: set NOTESD_TEST_REDOCLY to the redocly binary of @redocly/cli@%s "+
				"(npm install --prefix DIR @redocly/cli@%[1]s; .ci/run does it)", redoclyVersion)
		}
	}
	for name, opts := range map[string][]func(*httpapi.Config){"default": nil, "query API key": {allowQueryKey}} {
		t.Run(name, func(t *testing.T) {
			body, _ := servedDocument(t, newEnv(t, opts...))
			dir := t.TempDir() // no redocly.yaml: the recommended rules, nothing else
			if err := os.WriteFile(filepath.Join(dir, "openapi.json"), body, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "lint", "--extends=recommended", "--format=json", "openapi.json")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run() // exits 1 on errors: the report says which
			var rep lintReport
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("%s lint: %v; no report (%v):\n%s\n%s", bin, runErr, err, stdout.Bytes(), stderr.Bytes())
			}
			if rep.Version != redoclyVersion {
				t.Logf("Redocly CLI %s; the test is written for %s", rep.Version, redoclyVersion)
			}
			for _, p := range rep.Problems {
				where := ""
				if len(p.Location) > 0 {
					l := p.Location[0]
					where = fmt.Sprintf("%d:%d %s", l.Start.Line, l.Start.Col, l.Pointer)
				}
				line := fmt.Sprintf("%s %s %s: %s", where, p.Severity, p.RuleID, p.Message)
				key := p.RuleID
				if len(p.Location) > 0 {
					key += " " + p.Location[0].Pointer
				}
				if why, ok := lintWarningsAllowed[key]; ok && p.Severity == "warn" {
					t.Logf("kept: %s (%s)", line, why)
					continue
				}
				t.Errorf("%s", line)
			}
			t.Logf("Redocly CLI %s, recommended rules: %d errors, %d warnings", rep.Version, rep.Totals.Errors, rep.Totals.Warnings)
			if rep.Totals.Errors > 0 && !t.Failed() {
				t.Errorf("the linter counts %d errors it did not list:\n%s", rep.Totals.Errors, strings.TrimSpace(stdout.String()))
			}
		})
	}
}
