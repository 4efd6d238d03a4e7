//go:build unix

package sqlitestore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// TestOpenLockedWhateverPathNamesTheFile: one server per database file,
// not per path. A second OpenLocked through any other name of the locked
// file (the same path, ./ and .., a symlink to the file or to its
// directory, a hard link) fails with a clear error, before SQLite reads
// the file, while a store opened unlocked, as the CLI's is, still reads
// and writes beside the server; once the server closes, the file can be
// locked again.
func TestOpenLockedWhateverPathNamesTheFile(t *testing.T) {
	t.Parallel()
	aliases := []struct {
		name   string
		alias  func(t *testing.T, dir, path string) string
		beside bool // whether SQLite supports a second connection through the alias
	}{
		{"same path", func(_ *testing.T, _, path string) string { return path }, true},
		{"dot", func(_ *testing.T, dir, _ string) string { return dir + "/./notesd.db" }, true},
		{"dot dot", func(t *testing.T, dir, _ string) string {
			mkdir(t, filepath.Join(dir, "sub"))
			return dir + "/sub/../notesd.db"
		}, true},
		{"symlink to the file", func(t *testing.T, _, path string) string {
			other := filepath.Join(t.TempDir(), "link.db")
			symlink(t, path, other)
			return other
		}, true},
		{"symlink to the directory", func(t *testing.T, dir, _ string) string {
			other := filepath.Join(t.TempDir(), "linkdir")
			symlink(t, dir, other)
			return filepath.Join(other, "notesd.db")
		}, true},
		// Under another name SQLite looks for another -wal file, so no
		// one should open a hard link of a live database; a server
		// must still be refused.
		{"hard link", func(t *testing.T, _, path string) string {
			other := filepath.Join(t.TempDir(), "hard.db")
			if err := os.Link(path, other); err != nil {
				t.Fatalf("Link() = %v", err)
			}
			return other
		}, false},
	}
	for _, a := range aliases {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			dir := filepath.Join(t.TempDir(), "data")
			path := filepath.Join(dir, "notesd.db")
			first, err := OpenLocked(ctx, path)
			if err != nil {
				t.Fatalf("OpenLocked(%s) = %v, want nil error", path, err)
			}
			defer first.Close()
			if err := first.Migrate(ctx); err != nil {
				t.Fatalf("Migrate() = %v", err)
			}

			other := a.alias(t, dir, path)
			second, err := OpenLocked(ctx, other)
			if err == nil {
				second.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "being served by another process") {
				t.Errorf("second OpenLocked(%s) = %v, want an error saying another process serves it", other, err)
			}

			if a.beside {
				cli, err := Open(ctx, other)
				if err != nil {
					t.Fatalf("Open(%s) beside the server = %v", other, err)
				}
				u, err := cli.CreateUser(ctx, accounts.NewUser{Email: "cli@example.com", Name: "cli", PasswordHash: "x"})
				if err != nil {
					t.Fatalf("CreateUser through the unlocked store = %v", err)
				}
				if _, err := first.UserByID(ctx, u.ID); err != nil {
					t.Errorf("UserByID(%d) through the server's store = %v, want the user the CLI wrote", u.ID, err)
				}
				if _, err := first.CreateUser(ctx, accounts.NewUser{Email: "srv@example.com", Name: "srv", PasswordHash: "x"}); err != nil {
					t.Errorf("CreateUser through the server's store = %v", err)
				}
				if _, err := cli.UserByEmail(ctx, "srv@example.com"); err != nil {
					t.Errorf("UserByEmail through the unlocked store = %v, want the user the server wrote", err)
				}
				if err := cli.Close(); err != nil {
					t.Errorf("Close() of the unlocked store = %v", err)
				}
			}

			// Closing the server releases the file.
			if err := first.Close(); err != nil {
				t.Fatalf("Close() = %v", err)
			}
			third, err := OpenLocked(ctx, other)
			if err != nil {
				t.Fatalf("OpenLocked(%s) after the server closed = %v, want nil error", other, err)
			}
			if err := third.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
		})
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("MkdirAll() = %v", err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatalf("Symlink() = %v", err)
	}
}
