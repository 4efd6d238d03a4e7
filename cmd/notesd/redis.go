package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/ratelimit"
	"github.com/gatehouse-dev/gatehouse/ratelimit/redisrate"
	"github.com/redis/go-redis/v9"
)

// openRedis connects to the Redis of --redis-url and returns the rate-limit
// counter kept there, shared by every replica. When Redis does not answer
// within ratelimit.RedisTimeout (no retries), the counter counts in memory
// on this replica, with a warning on logger: limits never open. Errors
// never show the URL: it may hold a password.
func openRedis(ctx context.Context, url string, window time.Duration, logger *slog.Logger) (*ratelimit.Fallback, func(), error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, errors.New("--redis-url: not a valid redis:// or rediss:// URL")
	}
	opts.DialTimeout = ratelimit.RedisTimeout
	opts.ReadTimeout = ratelimit.RedisTimeout
	opts.WriteTimeout = ratelimit.RedisTimeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1   // a retry would outlast the timeout
	opts.DialerRetries = 1 // likewise (0 would mean the default, 5)
	client := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		client.Close()
		return nil, nil, errors.New("--redis-url: Redis does not answer at " + opts.Addr)
	}
	shared := redisrate.New(client, window, "notesd:ratelimit:")
	counter := ratelimit.NewFallback(shared, ratelimit.NewMemory(window, nil), ratelimit.RedisTimeout, logger)
	return counter, func() { client.Close() }, nil
}
