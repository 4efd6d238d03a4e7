package redisrate_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/ratelimit"
	"github.com/gatehouse-dev/gatehouse/ratelimit/redisrate"
	"github.com/redis/go-redis/v9"
)

// redisCounter returns a Redis counter with a fresh key prefix, or skips
// the test when NOTESD_TEST_REDIS_URL is not set.
func redisCounter(t *testing.T, window time.Duration) *redisrate.Counter {
	t.Helper()
	return redisCounterWith(t, window, "gatehouse-test:"+rand.Text()+":")
}

// redisCounterWith is redisCounter over its own client, with prefix.
func redisCounterWith(t *testing.T, window time.Duration, prefix string) *redisrate.Counter {
	t.Helper()
	url := os.Getenv("NOTESD_TEST_REDIS_URL")
	if url == "" {
		t.Skip("NOTESD_TEST_REDIS_URL not set: Redis rate-limit tests skipped")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return redisrate.New(c, window, prefix)
}

func TestRedisRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := ratelimit.Rule{Counter: redisCounter(t, time.Minute), Max: 3, Prefix: "login:"}
	for i := 1; i <= 3; i++ {
		if over, _, err := r.Hit(ctx, "ada"); err != nil || over {
			t.Fatalf("Hit #%d = over %v, %v", i, over, err)
		}
	}
	ex, reset, err := r.Exceeded(ctx, "ada")
	if err != nil || !ex || reset <= 0 || reset > time.Minute {
		t.Fatalf("Exceeded after 3 = %v, %v, %v; want true within the minute", ex, reset, err)
	}
	if ex, _, _ := r.Exceeded(ctx, "bob"); ex {
		t.Fatal("another key is limited")
	}
}

func TestRedisWindowEnds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := redisCounter(t, 200*time.Millisecond)
	if n, _, err := c.Add(ctx, "k", 5); err != nil || n != 5 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	time.Sleep(400 * time.Millisecond) // a bounded wait for Redis's own expiry
	if n, _, err := c.Add(ctx, "k", 1); err != nil || n != 1 {
		t.Fatalf("Add after the window = %d, %v; want a fresh count of 1", n, err)
	}
}

// TestRedisSharedAcrossReplicas: two counters (two replicas) over one
// Redis count together.
func TestRedisSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prefix := "gatehouse-test:" + rand.Text() + ":"
	replicas := []*redisrate.Counter{redisCounterWith(t, time.Minute, prefix), redisCounterWith(t, time.Minute, prefix)}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 25 {
				if _, _, err := replicas[i%2].Add(ctx, "shared", 1); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for i, r := range replicas {
		if n, _, err := r.Add(ctx, "shared", 0); err != nil || n != 100 {
			t.Fatalf("replica %d sees count %d, %v; want 100", i, n, err)
		}
	}
}

// TestRedisKeysHashed: keys are stored hashed, so a 60 KB key is a short
// Redis key that does not show what was counted.
func TestRedisKeysHashed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := os.Getenv("NOTESD_TEST_REDIS_URL")
	if url == "" {
		t.Skip("NOTESD_TEST_REDIS_URL not set: Redis rate-limit tests skipped")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	prefix := "gatehouse-test:" + rand.Text() + ":"
	c := redisrate.New(client, time.Minute, prefix)
	long := strings.Repeat("a", 60_000) + "@example.com"
	for _, key := range []string{"login-account:ada@example.com", "login-account:" + long} {
		if _, _, err := c.Add(ctx, key, 1); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("keys %q, want 2", keys)
	}
	for _, k := range keys {
		if len(k) > len(prefix)+64 || strings.Contains(k, "example.com") {
			t.Errorf("Redis key %.100q: not hashed", k)
		}
	}
}
