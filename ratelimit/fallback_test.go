package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/ratelimit"
)

// flaky is a Counter that fails while down is set.
type flaky struct {
	ratelimit.Counter
	down atomic.Bool
}

func (f *flaky) Add(ctx context.Context, key string, n int) (int, time.Duration, error) {
	if f.down.Load() {
		return 0, 0, errors.New("connection refused")
	}
	return f.Counter.Add(ctx, key, n)
}

func (f *flaky) Take(ctx context.Context, key string, limit int) (bool, time.Duration, error) {
	if f.down.Load() {
		return false, 0, errors.New("connection refused")
	}
	return f.Counter.Take(ctx, key, limit)
}

// TestFallbackLogsStateChanges: one warning when the shared counter goes
// down, one line when it is back, however many checks run in between; and
// Degraded tells the state.
func TestFallbackLogsStateChanges(t *testing.T) {
	var logs bytes.Buffer
	shared := &flaky{Counter: ratelimit.NewMemory(time.Minute, nil)}
	f := ratelimit.NewFallback(shared, ratelimit.NewMemory(time.Minute, nil), time.Second, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := t.Context()
	check := func(want bool) {
		t.Helper()
		for range 50 {
			if _, _, err := f.Add(ctx, "k", 1); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.Take(ctx, "k", 1000); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.Degraded(); got != want {
			t.Errorf("Degraded() = %v, want %v", got, want)
		}
	}
	check(false)
	shared.down.Store(true)
	check(true)
	shared.down.Store(false)
	check(false)
	shared.down.Store(true)
	check(true)
	if n := strings.Count(logs.String(), "does not answer"); n != 2 {
		t.Errorf("%d warnings for two outages, want 2:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "answers again"); n != 1 {
		t.Errorf("%d recovery lines for one recovery, want 1:\n%s", n, logs.String())
	}
}
