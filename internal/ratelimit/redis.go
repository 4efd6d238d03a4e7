package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Counter kept in Redis, so every replica counts against the
// same limits. Each key is one fixed window: INCRBY and PEXPIRE run in one
// script, so a window always ends.
type Redis struct {
	client *redis.Client
	window time.Duration
	prefix string
}

// NewRedis returns a Redis counter over client; prefix keeps its keys
// apart from other users of the same Redis.
func NewRedis(client *redis.Client, window time.Duration, prefix string) *Redis {
	return &Redis{client: client, window: window, prefix: prefix}
}

// addScript adds ARGV[1] to KEYS[1], starts its window (ARGV[2] ms) when
// the key is new, and returns the count and the milliseconds left.
var addScript = redis.NewScript(`
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	ttl = tonumber(ARGV[2])
end
return {c, ttl}
`)

// Add implements Counter.
func (r *Redis) Add(ctx context.Context, key string, n int) (int, time.Duration, error) {
	res, err := addScript.Run(ctx, r.client, []string{r.prefix + key}, n, r.window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if len(res) != 2 {
		return 0, 0, fmt.Errorf("ratelimit: redis: unexpected reply %v", res)
	}
	return int(res[0]), time.Duration(res[1]) * time.Millisecond, nil
}
