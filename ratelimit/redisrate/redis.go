// Package redisrate is a ratelimit.Counter kept in Redis, shared by every
// replica; wrap it in a ratelimit.Fallback so limits hold when Redis does
// not answer.
package redisrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Counter is a ratelimit.Counter kept in Redis, so every replica counts against the
// same limits. Each key is one fixed window, stored as the prefix and the
// hex SHA-256 of the key (64 characters whatever the key); each operation
// is one Lua script, so it is atomic and a window always ends.
type Counter struct {
	client *redis.Client
	window time.Duration
	prefix string
}

// New returns a Counter over client; prefix keeps its keys
// apart from other users of the same Redis.
func New(client *redis.Client, window time.Duration, prefix string) *Counter {
	return &Counter{client: client, window: window, prefix: prefix}
}

// addScript adds ARGV[1] to KEYS[1] and returns the count and the
// milliseconds left in its window (ARGV[2] ms from the first event). A
// read (0) or a refund (< 0) of a missing key creates nothing, and a
// refund never takes the count below 0.
var addScript = redis.NewScript(`
local n = tonumber(ARGV[1])
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if n <= 0 then
	if ttl == -2 then
		return {0, tonumber(ARGV[2])}
	end
	if n < 0 and c > 0 then
		c = redis.call('DECRBY', KEYS[1], math.min(-n, c))
	end
else
	c = redis.call('INCRBY', KEYS[1], n)
end
if ttl < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	ttl = tonumber(ARGV[2])
end
return {c, ttl}
`)

// takeScript adds 1 to KEYS[1] only while its count is under ARGV[1], and
// returns 1 if it did (else 0) and the milliseconds left in the window
// (ARGV[2] ms from the first event).
var takeScript = redis.NewScript(`
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
local taken = 0
if c < tonumber(ARGV[1]) then
	redis.call('INCR', KEYS[1])
	taken = 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then
	return {0, tonumber(ARGV[2])}
end
if ttl < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	ttl = tonumber(ARGV[2])
end
return {taken, ttl}
`)

// Add implements ratelimit.Counter.
func (r *Counter) Add(ctx context.Context, key string, n int) (int, time.Duration, error) {
	c, ttl, err := r.run(ctx, addScript, key, n)
	return int(c), ttl, err
}

// Take implements ratelimit.Counter.
func (r *Counter) Take(ctx context.Context, key string, limit int) (bool, time.Duration, error) {
	taken, ttl, err := r.run(ctx, takeScript, key, limit)
	return taken == 1, ttl, err
}

// run runs script on the hashed key with ARGV n and the window.
func (r *Counter) run(ctx context.Context, script *redis.Script, key string, n int) (int64, time.Duration, error) {
	sum := sha256.Sum256([]byte(key))
	res, err := script.Run(ctx, r.client, []string{r.prefix + hex.EncodeToString(sum[:])}, n, r.window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("redisrate: %w", err)
	}
	if len(res) != 2 {
		return 0, 0, fmt.Errorf("redisrate: unexpected reply %v", res)
	}
	return res[0], time.Duration(res[1]) * time.Millisecond, nil
}
