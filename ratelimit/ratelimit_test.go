package ratelimit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/ratelimit"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Unix(1000, 0)}
	r := ratelimit.Rule{Counter: ratelimit.NewMemory(15*time.Minute, c.now), Max: 3, Prefix: "login:"}
	for i := 1; i <= 3; i++ {
		if over, _, _ := r.Hit(ctx, "ada"); over {
			t.Fatalf("Hit #%d over the limit of 3", i)
		}
	}
	if ex, reset, _ := r.Exceeded(ctx, "ada"); !ex || reset != 15*time.Minute {
		t.Fatalf("Exceeded after 3 = %v, %v; want true, 15m", ex, reset)
	}
	if over, _, _ := r.Hit(ctx, "ada"); !over {
		t.Fatal("4th Hit not over the limit")
	}
	if ex, _, _ := r.Exceeded(ctx, "bob"); ex {
		t.Fatal("another key is limited")
	}
	c.add(10 * time.Minute)
	if _, reset, _ := r.Exceeded(ctx, "ada"); reset != 5*time.Minute {
		t.Fatalf("reset after 10 of 15 minutes = %v, want 5m", reset)
	}
	c.add(5 * time.Minute)
	if ex, _, _ := r.Exceeded(ctx, "ada"); ex {
		t.Fatal("limit did not lift when the window passed")
	}
}

// TestMemoryWindowsExpire: keys of passed windows count from zero again,
// across the sweeps that 5,000 keys trigger.
func TestMemoryWindowsExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Unix(1000, 0)}
	m := ratelimit.NewMemory(time.Minute, c.now)
	for i := range 5000 {
		m.Add(ctx, fmt.Sprint("k", i), 1)
		if i%1000 == 999 {
			c.add(2 * time.Minute)
		}
	}
	// Keys of passed windows are gone: they count from zero again.
	if n, _, _ := m.Add(ctx, "k0", 0); n != 0 {
		t.Fatalf("count of an old key = %d, want 0", n)
	}
}

func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	m := ratelimit.NewMemory(time.Hour, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				m.Add(context.Background(), "k", 1)
			}
		})
	}
	wg.Wait()
	if n, _, _ := m.Add(context.Background(), "k", 0); n != 800 {
		t.Fatalf("count = %d, want 800", n)
	}
}
