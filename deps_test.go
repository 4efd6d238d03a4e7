package gatehouse_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibraryDependencies holds the library to its dependency budget:
// the standard library, golang-jwt/jwt/v5 and golang.org/x/crypto, plus
// swaggo/files/v2 for the opt-in Swagger UI; mail is the standard library
// alone (net/smtp); a public store carries its driver and no more
// (accounts/pgstore: jackc/pgx/v5 and its dependencies). The server's own
// dependencies must never leak into the rest of the library.
func TestLibraryDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	const module = "github.com/gatehouse-dev/gatehouse"
	budget := []string{"github.com/golang-jwt/jwt/v5", "golang.org/x/crypto/", "golang.org/x/sys/"}
	tests := []struct {
		pkg   string
		extra []string
	}{
		{module, nil},
		{module + "/dep", nil},
		{module + "/auth", nil},
		{module + "/problem", nil},
		{module + "/openapi", nil},
		{module + "/gatehousetest", nil},
		{module + "/mail", nil}, // net/smtp; go-smtp is for its tests only
		{module + "/openapi/swaggerui", []string{"github.com/swaggo/files/v2"}},
		{module + "/accounts", nil},
		{module + "/accounts/pgstore", []string{"github.com/jackc/pgx/v5", "github.com/jackc/pgpassfile", "github.com/jackc/pgservicefile", "github.com/jackc/puddle/v2", "golang.org/x/sync/", "golang.org/x/text/"}},
		{module + "/accounts/accountstest", []string{"github.com/google/go-cmp"}},
		{module + "/accounts/sqlitestore", []string{"modernc.org/sqlite", "modernc.org/libc", "modernc.org/mathutil", "modernc.org/memory",
			"github.com/dustin/go-humanize", "github.com/google/uuid", "github.com/ncruces/go-strftime", "github.com/remyoudompheng/bigfft"}},
		{module + "/ratelimit", nil},
		{module + "/ratelimit/redisrate", []string{"github.com/redis/go-redis/v9", "github.com/cespare/xxhash/v2", "github.com/dgryski/go-rendezvous", "go.uber.org/atomic"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", tt.pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps %s: %v\n%s", tt.pkg, err, out)
			}
			allowed := append(append([]string{module}, budget...), tt.extra...)
			for _, dep := range strings.Fields(string(out)) {
				ok := false
				for _, a := range allowed {
					if dep == strings.TrimSuffix(a, "/") || strings.HasPrefix(dep, a) || strings.HasPrefix(dep, a+"/") {
						ok = true
						break
					}
				}
				if strings.HasPrefix(dep, module+"/internal/") {
					ok = false // the library may use no part of notesd
				}
				if !ok {
					t.Errorf("%s imports %s, outside the library's dependency budget", tt.pkg, dep)
				}
			}
		})
	}
}

// TestToolsDependency keeps golang.org/x/tools to the analyzer: only
// analysis/idor and cmd/gatehouse-vet may import it, so neither the
// library nor notesd carries it. Likewise github.com/coder/websocket is
// notesd's alone (GET /notes/ws): only its packages, under internal/ and
// cmd/notesd, may import it, never a library package.
func TestToolsDependency(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	const module = "github.com/gatehouse-dev/gatehouse"
	rules := []struct {
		dep, who string
		allowed  func(pkg string) bool
	}{
		{"golang.org/x/tools", "the analyzer", func(pkg string) bool {
			return pkg == module+"/analysis/idor" || pkg == module+"/cmd/gatehouse-vet"
		}},
		{"github.com/coder/websocket", "notesd", func(pkg string) bool {
			return strings.HasPrefix(pkg, module+"/internal/") || pkg == module+"/cmd/notesd"
		}},
	}
	out, err := exec.Command("go", "list", "-deps",
		"-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./...: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], module) {
			continue
		}
		for _, imp := range f[1:] {
			for _, r := range rules {
				if strings.HasPrefix(imp, r.dep) && !r.allowed(f[0]) {
					t.Errorf("%s imports %s: only %s's own packages may", f[0], imp, r.who)
				}
			}
		}
	}
}
