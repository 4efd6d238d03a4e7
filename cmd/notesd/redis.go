package main

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/ratelimit"
	"github.com/redis/go-redis/v9"
)

// openRedis connects to the Redis of --redis-url and returns the rate-limit
// counter kept there, shared by every replica. Errors never show the URL:
// it may hold a password.
func openRedis(ctx context.Context, url string, window time.Duration) (ratelimit.Counter, func(), error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, errors.New("--redis-url: not a valid redis:// or rediss:// URL")
	}
	client := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		client.Close()
		return nil, nil, errors.New("--redis-url: Redis does not answer at " + opts.Addr)
	}
	return ratelimit.NewRedis(client, window, "notesd:ratelimit:"), func() { client.Close() }, nil
}
