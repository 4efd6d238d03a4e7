package dep_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// credential is a dependency that holds while valid is true.
func credential(valid *atomic.Bool, calls *atomic.Int32) dep.Dep[string] {
	return dep.New("credential", func(*http.Request) (string, error) {
		calls.Add(1)
		if !valid.Load() {
			return "", problem.NotAuthenticated()
		}
		return "alice", nil
	})
}

// TestStreamEndsWhenTheCredentialStops: the stream's context ends, with
// ErrStreamRevoked as its cause, once re-resolving the graph fails, and the
// opened dependency is released then.
func TestStreamEndsWhenTheCredentialStops(t *testing.T) {
	t.Parallel()
	var valid atomic.Bool
	valid.Store(true)
	var calls atomic.Int32
	var released atomic.Bool
	conn := dep.Open("conn", func(*http.Request) (int, func(error) error, error) {
		return 1, func(error) error { released.Store(true); return nil }, nil
	})
	user := dep.Derive2(credential(&valid, &calls), conn, func(_ context.Context, u string, _ int) (string, error) { return u, nil })
	causes := make(chan error, 1)
	h := dep.Stream(user, dep.StreamOptions{Recheck: 5 * time.Millisecond}, func(ctx context.Context, w *dep.StreamWriter, u string) error {
		if _, err := io.WriteString(w, "hello "+u+"\n"); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("Stream answered %d %q, want 200 text/event-stream", res.StatusCode, ct)
	}
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || line != "hello alice\n" {
		t.Fatalf("first line = %q, %v; want %q", line, err, "hello alice\n")
	}
	for calls.Load() < 3 { // the graph is being re-checked while valid
		time.Sleep(time.Millisecond)
	}
	valid.Store(false)
	cause := <-causes
	if !errors.Is(cause, dep.ErrStreamRevoked) {
		t.Fatalf("context.Cause = %v, want ErrStreamRevoked", cause)
	}
	var p *problem.Details
	if !errors.As(cause, &p) || p.Status != http.StatusUnauthorized {
		t.Fatalf("context.Cause = %v, want it to wrap the 401 of the credential", cause)
	}
	if _, err := io.ReadAll(res.Body); err != nil {
		t.Fatalf("reading the ended stream: %v", err)
	}
	if !released.Load() {
		t.Fatal("the opened dependency was not released when the stream ended")
	}
}

// TestStreamRefusals: a failing dependency, or an error before anything was
// written, is answered as a problem like any endpoint's.
func TestStreamRefusals(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var valid atomic.Bool
	tests := []struct {
		name   string
		valid  bool
		fn     func(ctx context.Context, w *dep.StreamWriter, u string) error
		status int
	}{
		{"credential fails", false, func(context.Context, *dep.StreamWriter, string) error { return nil }, 401},
		{"handler refuses", true, func(context.Context, *dep.StreamWriter, string) error {
			return problem.TooManyRequests(time.Second)
		}, 429},
	}
	for _, tt := range tests {
		valid.Store(tt.valid)
		h := dep.Stream(credential(&valid, &calls), dep.StreamOptions{}, tt.fn)
		rec := serve(t, "GET /", h, httptest.NewRequest("GET", "/", nil))
		if p := decodeProblem(t, rec); rec.Code != tt.status || p.Status != tt.status {
			t.Errorf("%s: Stream answered %d (%+v), want %d", tt.name, rec.Code, p, tt.status)
		}
	}
}

// TestStreamRecheckKeepsOverrides: a dependency provided with Provide (a
// test's override) stays provided when the graph is checked again, while
// the rest is recomputed.
func TestStreamRecheckKeepsOverrides(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var valid atomic.Bool // false: the real credential would fail
	cred := credential(&valid, &calls)
	var derived atomic.Int32
	user := dep.Derive(cred, func(_ context.Context, u string) (string, error) {
		derived.Add(1)
		return u, nil
	})
	h := dep.Stream(user, dep.StreamOptions{Recheck: time.Millisecond}, func(ctx context.Context, _ *dep.StreamWriter, u string) error {
		for derived.Load() < 4 {
			select {
			case <-ctx.Done():
				return context.Cause(ctx)
			case <-time.After(time.Millisecond):
			}
		}
		return problem.Conflict("done: " + u)
	})
	req := dep.Provide(httptest.NewRequest("GET", "/", nil), cred, "bob")
	rec := serve(t, "GET /", h, req)
	if p := decodeProblem(t, rec); p.Detail != "done: bob" {
		t.Fatalf("Stream with an override ended with %+v, want the handler's own end", p)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("the provided credential ran %d times, want 0", n)
	}
}

// TestStreamOutlivesWriteTimeout: each write moves the deadline, so a
// server's WriteTimeout does not cut a stream that keeps writing.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var valid atomic.Bool
	valid.Store(true)
	const timeout = 50 * time.Millisecond
	h := dep.Stream(credential(&valid, &calls), dep.StreamOptions{}, func(ctx context.Context, w *dep.StreamWriter, _ string) error {
		for i := range 5 {
			if i > 0 {
				time.Sleep(timeout) // 5 × the timeout in all
			}
			if _, err := io.WriteString(w, "tick\n"); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
		return nil
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.WriteTimeout = timeout
	srv.Start()
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if got := strings.Count(string(b), "tick\n"); err != nil || got != 5 {
		t.Fatalf("read %d ticks (%v), want 5", got, err)
	}
}
