package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWorkDirKept: a kept --dir is reused, without the files and the
// twins' directories of the run before (each run makes them anew, and
// os.Mkdir would fail on them), and with the other files left alone.
func TestWorkDirKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"notesd.db", "normal/notesd.db", "flat/notesd.db", "notes-1.lua"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, cleanup, err := workDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := cleanup(); err != nil || got != dir {
		t.Fatalf("workDir(%s) = %s, cleanup %v; want the same directory, kept", dir, got, err)
	}
	for name, kept := range map[string]bool{"notesd.db": false, "normal": false, "flat": false, "notes-1.lua": true} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != kept {
			t.Errorf("after workDir: %s exists %v, want %v", name, err == nil, kept)
		}
	}
}
