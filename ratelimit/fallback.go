package ratelimit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// RedisTimeout is how long a Fallback waits for its shared counter before
// it counts in memory instead (SPEC §3: 250 ms).
const RedisTimeout = 250 * time.Millisecond

// Fallback is a Counter that asks a shared counter (Redis) within a
// timeout and, when it fails or does not answer in time, counts in a local
// one instead: the limits keep holding, per replica, and never open. It
// logs once per change of state (a warning when the shared counter stops
// answering, a line when it answers again), not once per check.
type Fallback struct {
	shared, local Counter
	timeout       time.Duration
	logger        *slog.Logger
	down          atomic.Bool
}

// Degraded reports whether the last call to the shared counter failed, so
// that the limits are counted in memory on this replica.
func (f *Fallback) Degraded() bool { return f.down.Load() }

// NewFallback returns a Fallback over shared and local, waiting timeout
// for shared and warning on logger (slog.Default when nil).
func NewFallback(shared, local Counter, timeout time.Duration, logger *slog.Logger) *Fallback {
	if logger == nil {
		logger = slog.Default()
	}
	return &Fallback{shared: shared, local: local, timeout: timeout, logger: logger}
}

// Add implements Counter.
func (f *Fallback) Add(ctx context.Context, key string, n int) (int, time.Duration, error) {
	sctx, cancel := context.WithTimeout(ctx, f.timeout)
	c, reset, err := f.shared.Add(sctx, key, n)
	cancel()
	if err == nil {
		f.up(ctx)
		return c, reset, nil
	}
	f.warn(ctx, err)
	return f.local.Add(ctx, key, n)
}

// Take implements Counter.
func (f *Fallback) Take(ctx context.Context, key string, limit int) (bool, time.Duration, error) {
	sctx, cancel := context.WithTimeout(ctx, f.timeout)
	taken, reset, err := f.shared.Take(sctx, key, limit)
	cancel()
	if err == nil {
		f.up(ctx)
		return taken, reset, nil
	}
	f.warn(ctx, err)
	return f.local.Take(ctx, key, limit)
}

// warn records a failure of the shared counter, logging it if the counter
// was up.
func (f *Fallback) warn(ctx context.Context, err error) {
	if f.down.CompareAndSwap(false, true) {
		f.logger.WarnContext(ctx, "rate limits: the shared counter does not answer; counting in memory on this replica", "error", err)
	}
}

// up records an answer of the shared counter, logging it if the counter
// was down.
func (f *Fallback) up(ctx context.Context) {
	if f.down.Load() && f.down.CompareAndSwap(true, false) {
		f.logger.InfoContext(ctx, "rate limits: the shared counter answers again; counting there")
	}
}
