// Package ratelimit counts attempts per key in fixed windows, for login and
// registration limits. Memory keeps the counters in the process;
// ratelimit/redisrate keeps them in Redis, shared by every replica, and
// Fallback keeps limits holding (per process) when Redis does not answer. Both store a key as its
// SHA-256, so what is counted (an e-mail, say) is never stored and a long
// key costs no more than a short one.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"maps"
	"sync"
	"time"
)

// Counter counts events per key in fixed windows.
type Counter interface {
	// Add adds n to key's count in the current window and returns the new
	// count and the time until the window ends. n = 0 only reads; n < 0
	// takes back earlier events but never opens a window nor goes below 0.
	Add(ctx context.Context, key string, n int) (count int, reset time.Duration, err error)
	// Take adds one event to key's count only while the count is under
	// limit, in one atomic step, and reports whether it did and the time
	// until the window ends.
	Take(ctx context.Context, key string, limit int) (taken bool, reset time.Duration, err error)
}

// DefaultMaxKeys is the number of keys a Memory counter made by NewMemory
// holds at most.
const DefaultMaxKeys = 100_000

// MemoryBytes bounds the heap that a Memory counter of DefaultMaxKeys keys
// keeps, whatever the keys and however many: 16 MiB. Measured (Go 1.26,
// amd64): 7.0 MiB for 100,000 keys of 1 KiB each, and still 7.0 MiB after
// 500,000 more; see TestMemoryBounded. A rebuild of the map (once every
// DefaultMaxKeys evictions) briefly holds a second copy.
const MemoryBytes = 16 << 20

// Memory is an in-process Counter. It holds at most a fixed number of keys
// (DefaultMaxKeys unless made by NewMemorySize), each as its 32-byte
// SHA-256 with its count and window end, so its memory is bounded whatever
// the input (MemoryBytes for DefaultMaxKeys). Expired windows are swept as
// the map grows; when it is full, a new key evicts one of a sample of
// entries: an expired one if any, else the one with the lowest count (so a
// flood of new keys evicts other new keys, not a locked account).
type Memory struct {
	window  time.Duration
	now     func() time.Time
	maxKeys int

	mu        sync.Mutex
	counts    map[[sha256.Size]byte]entry
	nextSweep int
	evicted   int // since counts was last rebuilt
}

type entry struct {
	ends  int64 // Unix nanoseconds
	count int
}

// evictSample is how many entries a full Memory looks at to pick the one
// a new key evicts.
const evictSample = 32

// NewMemory returns a Memory counter of DefaultMaxKeys keys with the given
// window; now is the clock (time.Now when nil).
func NewMemory(window time.Duration, now func() time.Time) *Memory {
	return NewMemorySize(window, now, DefaultMaxKeys)
}

// NewMemorySize is NewMemory holding at most maxKeys keys (at least 1).
func NewMemorySize(window time.Duration, now func() time.Time, maxKeys int) *Memory {
	if now == nil {
		now = time.Now
	}
	maxKeys = max(1, maxKeys)
	return &Memory{window: window, now: now, maxKeys: maxKeys, counts: map[[sha256.Size]byte]entry{}, nextSweep: 1024}
}

// Add implements Counter.
func (m *Memory) Add(_ context.Context, key string, n int) (int, time.Duration, error) {
	k := sha256.Sum256([]byte(key))
	now := m.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.counts[k]
	if !ok || now >= e.ends {
		if n <= 0 {
			return 0, m.window, nil
		}
		e = m.open(k, now)
	}
	e.count = max(0, e.count+n)
	m.counts[k] = e
	return e.count, time.Duration(e.ends - now), nil
}

// Take implements Counter.
func (m *Memory) Take(_ context.Context, key string, limit int) (bool, time.Duration, error) {
	k := sha256.Sum256([]byte(key))
	now := m.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.counts[k]
	if !ok || now >= e.ends {
		if limit <= 0 {
			return false, m.window, nil
		}
		e = m.open(k, now)
	}
	if e.count >= limit {
		return false, time.Duration(e.ends - now), nil
	}
	e.count++
	m.counts[k] = e
	return true, time.Duration(e.ends - now), nil
}

// open starts key's window, making room for it first; m.mu is held.
func (m *Memory) open(k [sha256.Size]byte, now int64) entry {
	if _, ok := m.counts[k]; !ok {
		if len(m.counts) >= m.nextSweep {
			m.sweep(now)
		}
		if len(m.counts) >= m.maxKeys {
			m.evict(now)
		}
	}
	return entry{ends: now + int64(m.window)}
}

// sweep drops the expired entries; m.mu is held.
func (m *Memory) sweep(now int64) {
	for k, e := range m.counts {
		if now >= e.ends {
			delete(m.counts, k)
		}
	}
	// Past maxKeys/2 the next sweep is never due: a full map makes room
	// by eviction, which also finds expired entries, at a bounded cost.
	m.nextSweep = max(1024, 2*len(m.counts))
}

// evict drops one entry of a sample (map order starts at random): the
// first expired one, else the lowest count, the earliest end among equal
// counts; m.mu is held.
func (m *Memory) evict(now int64) {
	var (
		victim [sha256.Size]byte
		best   entry
		seen   int
	)
	for k, e := range m.counts {
		if now >= e.ends {
			victim = k
			break
		}
		if seen == 0 || e.count < best.count || (e.count == best.count && e.ends < best.ends) {
			victim, best = k, e
		}
		if seen++; seen == evictSample {
			break
		}
	}
	delete(m.counts, victim)
	// A Go map does not give back the room of deleted entries under
	// constant churn: rebuild it once every maxKeys evictions, an
	// amortized constant cost, so its size stays that of maxKeys entries.
	if m.evicted++; m.evicted >= m.maxKeys {
		fresh := make(map[[sha256.Size]byte]entry, len(m.counts))
		maps.Copy(fresh, m.counts)
		m.counts = fresh
		m.evicted = 0
	}
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

// Take reserves one event for key while it is under the limit, atomically:
// false (and how long until the limit lifts) when none is left. A
// reservation that turns out not to count is given back with Refund.
func (r Rule) Take(ctx context.Context, key string) (bool, time.Duration, error) {
	return r.Counter.Take(ctx, r.Prefix+key, r.Max)
}

// Refund gives back one event reserved by Take.
func (r Rule) Refund(ctx context.Context, key string) error {
	_, _, err := r.Counter.Add(ctx, r.Prefix+key, -1)
	return err
}
