// Package ratelimit counts attempts per key in fixed windows, for login and
// registration limits. Memory keeps the counters in the process; Redis
// keeps them in Redis, shared by every replica.
package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Counter counts events per key in fixed windows.
type Counter interface {
	// Add adds n (0 to only read) to key's count in the current window and
	// returns the new count and the time until the window ends.
	Add(ctx context.Context, key string, n int) (count int, reset time.Duration, err error)
}

// Memory is an in-process Counter. Expired windows are swept as the map
// grows, so memory is bounded by the keys seen within one window.
type Memory struct {
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	counts    map[string]*entry
	nextSweep int
}

type entry struct {
	count int
	ends  time.Time
}

// NewMemory returns a Memory counter with the given window; now is the
// clock (time.Now when nil).
func NewMemory(window time.Duration, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{window: window, now: now, counts: map[string]*entry{}, nextSweep: 1024}
}

// Add implements Counter.
func (m *Memory) Add(_ context.Context, key string, n int) (int, time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.counts[key]
	if !ok || !now.Before(e.ends) {
		if n == 0 {
			return 0, m.window, nil
		}
		e = &entry{ends: now.Add(m.window)}
		m.counts[key] = e
		if len(m.counts) >= m.nextSweep {
			m.sweep(now)
		}
	}
	e.count += n
	return e.count, e.ends.Sub(now), nil
}

func (m *Memory) sweep(now time.Time) {
	for k, e := range m.counts {
		if !now.Before(e.ends) {
			delete(m.counts, k)
		}
	}
	m.nextSweep = max(1024, 2*len(m.counts))
}

// Rule is one limit: at most Max events per key and window.
type Rule struct {
	Counter Counter
	Max     int
	Prefix  string // keeps the rules' keys apart in a shared store
}

// Exceeded reports whether key has reached the limit, without counting,
// and how long until it lifts.
func (r Rule) Exceeded(ctx context.Context, key string) (bool, time.Duration, error) {
	n, reset, err := r.Counter.Add(ctx, r.Prefix+key, 0)
	return err == nil && n >= r.Max, reset, err
}

// Hit counts one event for key and reports whether it went over the limit.
func (r Rule) Hit(ctx context.Context, key string) (bool, time.Duration, error) {
	n, reset, err := r.Counter.Add(ctx, r.Prefix+key, 1)
	return err == nil && n > r.Max, reset, err
}
