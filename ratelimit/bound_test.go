package ratelimit_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/ratelimit"
)

// TestMemoryBounded: 100,000 distinct keys of 1 KiB each (100 MiB of keys)
// cost the heap less than ratelimit.MemoryBytes; and half a million more keep it
// there, evicting no locked key.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the memory bound in -short mode")
	}
	ctx := context.Background()
	pad := strings.Repeat("x", 1<<10)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()
	m := ratelimit.NewMemory(time.Hour, nil)
	r := ratelimit.Rule{Counter: m, Max: 3, Prefix: "login-account:"}
	for i := range 3 {
		if over, _, err := r.Hit(ctx, "locked@example.com"); err != nil || over {
			t.Fatalf("Hit %d = %v, %v", i, over, err)
		}
	}
	for i := range 100_000 {
		m.Add(ctx, fmt.Sprint(i, pad), 1)
	}
	grew := int64(heap()) - int64(base)
	t.Logf("100,000 distinct 1 KiB keys: heap grew by %d bytes (%.1f MiB); bound %d", grew, float64(grew)/(1<<20), ratelimit.MemoryBytes)
	if grew > ratelimit.MemoryBytes {
		t.Fatalf("heap grew by %d bytes for 100,000 keys, want at most %d", grew, ratelimit.MemoryBytes)
	}
	// Churn: half a million more keys (short ones: the key's length no longer
	// matters) evict as many entries; the map must not keep their room.
	for i := range 500_000 {
		m.Add(ctx, strconv.Itoa(i), 1)
	}
	grew = int64(heap()) - int64(base)
	t.Logf("then 500,000 more keys: heap grew by %d bytes (%.1f MiB)", grew, float64(grew)/(1<<20))
	if grew > ratelimit.MemoryBytes {
		t.Fatalf("heap grew by %d bytes after 600,000 keys, want at most %d", grew, ratelimit.MemoryBytes)
	}
	if ex, _, _ := r.Exceeded(ctx, "locked@example.com"); !ex {
		t.Fatal("a flood of new keys evicted a locked account")
	}
	runtime.KeepAlive(m)
}

// takeCounters are the counters the reservation tests run on.
func takeCounters(t *testing.T) map[string]func(t *testing.T) ratelimit.Counter {
	return map[string]func(t *testing.T) ratelimit.Counter{
		"memory": func(*testing.T) ratelimit.Counter { return ratelimit.NewMemory(time.Hour, nil) },
		"redis":  func(t *testing.T) ratelimit.Counter { return redisCounter(t, time.Hour) },
	}
}

// TestTakeBurst: with one event left under the limit, only one of 20
// concurrent reservations gets it.
func TestTakeBurst(t *testing.T) {
	t.Parallel()
	for name, counter := range takeCounters(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := ratelimit.Rule{Counter: counter(t), Max: 10, Prefix: "login-account:"}
			for range 9 {
				if _, _, err := r.Hit(ctx, "ada"); err != nil {
					t.Fatal(err)
				}
			}
			var (
				mu    sync.Mutex
				taken int
				wg    sync.WaitGroup
			)
			for range 20 {
				wg.Go(func() {
					ok, reset, err := r.Take(ctx, "ada")
					if err != nil || (!ok && reset <= 0) {
						t.Errorf("Take = %v, %v, %v", ok, reset, err)
					}
					if ok {
						mu.Lock()
						taken++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if taken != 1 {
				t.Fatalf("%d of 20 reservations taken with 1 left, want 1", taken)
			}
			if n, _, _ := r.Counter.Add(ctx, r.Prefix+"ada", 0); n != 10 {
				t.Fatalf("count = %d, want 10", n)
			}
		})
	}
}

// TestRefund: a refunded reservation frees its place; a refund never
// makes room beyond the limit (no negative counts, no new windows).
func TestRefund(t *testing.T) {
	t.Parallel()
	for name, counter := range takeCounters(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := ratelimit.Rule{Counter: counter(t), Max: 2, Prefix: "p:"}
			if err := r.Refund(ctx, "never-seen"); err != nil {
				t.Fatal(err)
			}
			if err := r.Refund(ctx, "never-seen"); err != nil {
				t.Fatal(err)
			}
			taken := 0
			for range 5 {
				if ok, _, _ := r.Take(ctx, "never-seen"); ok {
					taken++
				}
			}
			if taken != 2 {
				t.Fatalf("refunds before any reservation let %d reservations through, want the limit of 2", taken)
			}
			ok, _, _ := r.Take(ctx, "ada")
			if !ok {
				t.Fatal("first Take refused")
			}
			if err := r.Refund(ctx, "ada"); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if ok, _, _ := r.Take(ctx, "ada"); !ok {
					t.Fatalf("Take %d after a refund refused", i+1)
				}
			}
			if ok, _, _ := r.Take(ctx, "ada"); ok {
				t.Fatal("Take past the limit accepted")
			}
		})
	}
}
