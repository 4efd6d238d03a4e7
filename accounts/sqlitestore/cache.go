package sqlitestore

import (
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// cacheSize bounds each map of the auth cache; a full map is emptied.
const cacheSize = 10_000

// authCache keeps the answers of the two lookups every authenticated
// request makes (a live session with its user, an API key with its user),
// so the hot path does not query SQLite. It is correct because every write
// that could change an answer goes through this Store and drops what it
// changed after it commits, and because a lookup that raced with such a
// write is never stored: each drop advances the epoch, and an answer read
// under an older epoch is thrown away. Only one process may serve a
// database (see OpenLocked); other processes (the CLI) only create rows, which no
// cached answer depends on.
type authCache struct {
	mu       sync.Mutex
	epoch    uint64
	sessions map[int64]sessionEntry // by session id
	keys     map[string]keyEntry    // by key prefix
	hits     uint64                 // lookups answered from the maps
	misses   uint64                 // lookups that went to the database
}

type sessionEntry struct {
	user accounts.User
	sess accounts.Session
}

type keyEntry struct {
	key  accounts.APIKey
	user accounts.User
}

func newAuthCache() *authCache {
	return &authCache{sessions: map[int64]sessionEntry{}, keys: map[string]keyEntry{}}
}

// begin returns the epoch to pass to put after reading the database.
func (c *authCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

func (c *authCache) session(id int64) (sessionEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.sessions[id]
	c.count(ok)
	return e, ok
}

func (c *authCache) putSession(epoch uint64, e sessionEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch == c.epoch {
		putBounded(c.sessions, e.sess.ID, e)
	}
}

// putBounded stores v under k, emptying m first when it is full.
func putBounded[K comparable, V any](m map[K]V, k K, v V) {
	if len(m) >= cacheSize {
		clear(m)
	}
	m[k] = v
}

func (c *authCache) key(prefix string) (keyEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.keys[prefix]
	c.count(ok)
	return e, ok
}

func (c *authCache) putKey(epoch uint64, e keyEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch == c.epoch {
		putBounded(c.keys, e.key.Prefix, e)
	}
}

// dropUser forgets every session and key of a user: their role, status,
// name or password changed, or their sessions were revoked.
func (c *authCache) dropUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for id, e := range c.sessions {
		if e.user.ID == userID {
			delete(c.sessions, id)
		}
	}
	for p, e := range c.keys {
		if e.user.ID == userID {
			delete(c.keys, p)
		}
	}
}

// dropSession forgets one session (revoked).
func (c *authCache) dropSession(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.sessions, id)
}

// dropKey forgets one API key (revoked).
func (c *authCache) dropKey(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for p, e := range c.keys {
		if e.key.ID == id {
			delete(c.keys, p)
		}
	}
}

// touchSession and touchKey keep cached last-use times current, so the
// once-a-minute writes stay once a minute.
func (c *authCache) touchSession(id int64, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.sessions[id]; ok {
		e.sess.LastSeenAt = t
		c.sessions[id] = e
	}
}

func (c *authCache) touchKey(id int64, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, e := range c.keys {
		if e.key.ID == id {
			e.key.LastUsedAt = &t
			c.keys[p] = e
		}
	}
}
