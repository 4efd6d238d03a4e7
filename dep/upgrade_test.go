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

// wrapped is a middleware's writer that only unwraps to the server's.
type wrapped struct{ http.ResponseWriter }

func (w wrapped) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestUpgradeHijacksAndEnds: an Upgrade endpoint's writer reaches the
// server's Hijacker through the writers wrapping it; the hijacked
// connection's context ends, with ErrStreamRevoked as cause, when the
// credential stops holding.
func TestUpgradeHijacksAndEnds(t *testing.T) {
	t.Parallel()
	var valid atomic.Bool
	valid.Store(true)
	var calls atomic.Int32
	causes := make(chan error, 1)
	h := dep.Upgrade(credential(&valid, &calls), dep.StreamOptions{Recheck: 5 * time.Millisecond}, func(ctx context.Context, w http.ResponseWriter, _ *http.Request, u string) error {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nhello " + u + "\n"); err != nil {
			return err
		}
		if err := brw.Flush(); err != nil {
			return err
		}
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(wrapped{w}, r) }))
	defer srv.Close()

	r, err := http.NewRequest("GET", srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "test")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("status = %d %s, want 101", res.StatusCode, b)
	}
	line, err := bufio.NewReader(res.Body.(io.Reader)).ReadString('\n')
	if err != nil || line != "hello alice\n" {
		t.Fatalf("first line = %q, %v", line, err)
	}
	valid.Store(false)
	select {
	case cause := <-causes:
		if !errors.Is(cause, dep.ErrStreamRevoked) {
			t.Errorf("cause = %v, want ErrStreamRevoked", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the upgraded connection's context did not end after the credential stopped holding")
	}
}

// TestUpgradeRefusals: a failing dependency, or fn's error before it wrote
// anything, is written as the endpoint's error.
func TestUpgradeRefusals(t *testing.T) {
	t.Parallel()
	var valid atomic.Bool
	var calls atomic.Int32
	h := dep.Upgrade(credential(&valid, &calls), dep.StreamOptions{}, func(context.Context, http.ResponseWriter, *http.Request, string) error {
		return problem.New(http.StatusUpgradeRequired, "Upgrade required")
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 401 || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
		t.Errorf("without the credential = %d %q, want a 401 problem", rec.Code, rec.Header().Get("Content-Type"))
	}
	valid.Store(true)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 426 || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
		t.Errorf("fn refusing = %d %q, want its 426 problem", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !h.Upgrades() {
		t.Error("Upgrades() = false, want true")
	}
}
