package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// TestProofTypesHaveNoExportedFields holds the capability types to what
// makes them unforgeable: no code outside package auth can set a field of
// a Principal, an Owner or a RoleGrant, so it can only copy one that auth
// made.
func TestProofTypesHaveNoExportedFields(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[auth.Principal[account]](),
		reflect.TypeFor[auth.Owner[int64]](),
		reflect.TypeFor[auth.RoleGrant](),
	} {
		for f := range typ.Fields() {
			if f.IsExported() {
				t.Errorf("%v has the exported field %s: code outside auth could forge one", typ, f.Name)
			}
		}
	}
}

// TestForgedPrincipalRefused: the most a dependency outside auth can make
// is the zero Principal, and every check that mints a proof refuses it.
func TestForgedPrincipalRefused(t *testing.T) {
	forged := dep.New("forged", func(*http.Request) (auth.Principal[account], error) {
		var p auth.Principal[account] // no field of it can be set here
		return p, nil
	})
	tests := []struct {
		name string
		h    http.Handler
	}{
		{"OwnerOf", dep.Handler(auth.OwnerOf[int64](forged), func(context.Context, auth.Owner[int64]) (string, error) { return "owner", nil })},
		{"RequireAdmin", dep.Handler(auth.RequireAdmin(forged), func(context.Context, auth.Privileged[account]) (string, error) { return "admin", nil })},
		{"RequireRole", dep.Handler(auth.RequireRole(forged, "admin"), func(context.Context, auth.Privileged[account]) (string, error) { return "role", nil })},
		{"ActiveUser", dep.Handler(auth.ActiveUser(forged), func(context.Context, auth.Principal[account]) (string, error) { return "active", nil })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s over a forged principal = %d %s, want 401", tt.name, rec.Code, rec.Body)
			}
		})
	}
}

// forgery is the forge, as a user of the module would write it.
const forgery = `package main

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

type user struct{ id int64 }

func (u user) IsActive() bool        { return true }
func (u user) HasRole(string) bool   { return true }
func (u user) Subject() int64        { return u.id }

func main() {
	forged := dep.New("forged", func(*http.Request) (auth.Principal[user], error) {
		return auth.Principal[user]{User: user{42}, Method: auth.MethodBearer}, nil
	})
	_ = auth.OwnerOf[int64](forged)
}
`

// TestForgeDoesNotCompile builds the forge from a module outside this
// one: it must not compile.
func TestForgeDoesNotCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module: skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module forger\n\ngo 1.26\n\nrequire github.com/gatehouse-dev/gatehouse v0.0.0\n\n" +
		"replace github.com/gatehouse-dev/gatehouse => " + root + "\n"
	for name, body := range map[string]string{"go.mod": gomod, "main.go": forgery} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The module's go.sum covers its own requirements; the forger needs no more.
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the forge compiled:\n%s", out)
	}
	if !strings.Contains(string(out), "unknown field User") {
		t.Fatalf("the forge failed for another reason than the unexported fields:\n%s", out)
	}
	t.Logf("the forge does not compile:\n%s", out)
}
