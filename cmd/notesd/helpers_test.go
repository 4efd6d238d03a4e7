package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
)

// envOf returns a getenv that reads vars (name=value pairs).
func envOf(vars ...string) func(string) string {
	m := make(map[string]string)
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runCmd runs notesd with args, getenv and stdin, and returns what it wrote.
func runCmd(t *testing.T, getenv func(string) string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustRun runs notesd and fails the test if it returns an error.
func mustRun(t *testing.T, getenv func(string) string, stdin string, args ...string) string {
	t.Helper()
	stdout, stderr, err := runCmd(t, getenv, stdin, args...)
	if err != nil {
		t.Fatalf("run(%q) = %v, want nil; stderr:\n%s", args, err, stderr)
	}
	return stdout
}
