package auth

import (
	"sync"
	"time"
)

// verifyCacheSize is how many verified tokens a keyring remembers per
// generation (two generations are kept: at most twice this many).
const verifyCacheSize = 8192

// verifyCache remembers tokens that passed verification, so a client that
// sends the same token on every request pays for the signature and the
// strict parsing once. Only successes are kept, by the token's exact text;
// the one time-dependent rule that can turn a success into a failure (exp)
// is checked again on every hit. A keyring is immutable, so a removed key
// means a new keyring and an empty cache. Revocation is not the cache's
// business: sessions are checked on every request after verification.
type verifyCache struct {
	mu       sync.Mutex
	cur, old map[string]verified
}

type verified struct {
	claims Claims
	until  time.Time // exp plus leeway: the token is good while now is before it
}

func newVerifyCache() *verifyCache {
	return &verifyCache{cur: make(map[string]verified)}
}

func (c *verifyCache) get(token string, now time.Time) (Claims, bool) {
	c.mu.Lock()
	v, ok := c.cur[token]
	if !ok {
		if v, ok = c.old[token]; ok {
			c.putLocked(token, v)
		}
	}
	c.mu.Unlock()
	if !ok || !now.Before(v.until) {
		return Claims{}, false
	}
	return v.claims, true
}

func (c *verifyCache) put(token string, v verified) {
	c.mu.Lock()
	c.putLocked(token, v)
	c.mu.Unlock()
}

// putLocked adds an entry; a full generation becomes the old one and the
// oldest generation is dropped, so memory stays bounded without LRU lists.
func (c *verifyCache) putLocked(token string, v verified) {
	if len(c.cur) >= verifyCacheSize {
		c.old, c.cur = c.cur, make(map[string]verified, verifyCacheSize)
	}
	c.cur[token] = v
}

func (c *verifyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}
