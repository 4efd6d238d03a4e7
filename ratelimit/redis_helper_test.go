package ratelimit_test

import (
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/ratelimit/redisrate"
	"github.com/redis/go-redis/v9"
)

// redisCounter returns a Redis counter with a fresh key prefix, or skips
// the test when NOTESD_TEST_REDIS_URL is not set.
func redisCounter(t *testing.T, window time.Duration) *redisrate.Counter {
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
	return redisrate.New(c, window, "gatehouse-test:"+rand.Text()+":")
}
