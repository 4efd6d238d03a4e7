package sqlitestore

import "database/sql"

// count records a lookup of the auth cache; c.mu is held.
func (c *authCache) count(hit bool) {
	if hit {
		c.hits++
		return
	}
	c.misses++
}

// CacheStats are the counts of the auth cache's lookups since Open.
type CacheStats struct {
	Hits   uint64 // answered from memory
	Misses uint64 // answered by the database
}

// CacheStats returns how many session and API-key lookups the auth cache
// answered and how many it passed to the database: for metrics.
func (db *Store) CacheStats() CacheStats {
	db.cache.mu.Lock()
	defer db.cache.mu.Unlock()
	return CacheStats{Hits: db.cache.hits, Misses: db.cache.misses}
}

// PoolStats returns the statistics of the writer connection and of the
// reader pool: for metrics.
func (db *Store) PoolStats() (writer, reader sql.DBStats) {
	return db.w.Stats(), db.r.Stats()
}
