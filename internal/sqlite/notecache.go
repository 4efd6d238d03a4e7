package sqlite

import (
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// DefaultNoteCache is the bytes of notes a DB keeps in memory when
// Options.NoteCache is 0: 8 MiB, some thousands of notes of a few
// hundred bytes.
const DefaultNoteCache = 8 << 20

// noteOverhead is what a cached note costs beside its title and body: the
// Note itself, its two strings' headers and the map's slot.
const noteOverhead = 192

// noteCache keeps the notes Get read, by owner and id, so a note read
// again by its owner is not read from SQLite. An entry is the answer of
// Get's owner-scoped query for that owner, so the ownership rule stays in
// the query: another owner's Get of the same id is a miss and asks SQLite,
// which finds nothing. It is correct for the same reasons as the auth cache
// of sqlitestore: every statement that changes or deletes a note runs in
// this package (Update, Delete, DeleteAnyNote) and drops the note after
// its write returned, committed or not (unless the statement matched no
// note of the owner, so changed nothing); a read that raced with such a
// write is never stored, since every drop advances the epoch and a note
// read under an older epoch is thrown away; and only one process serves
// a database (OpenLocked), the others only insert notes (notesd import),
// whose new ids no entry holds (AUTOINCREMENT: an id is never reused).
// The cache holds at most max bytes: when a note would overflow it, it is
// emptied first. A nil *noteCache keeps nothing.
type noteCache struct {
	mu    sync.Mutex
	epoch uint64
	max   int
	size  int
	notes map[noteKey]notes.Note
	stats NoteCacheStats
}

// NoteCacheStats are the counts of the note cache's lookups since Open.
type NoteCacheStats struct {
	Hits   uint64 // Gets answered from memory
	Misses uint64 // Gets that read SQLite
}

// NoteCacheStats returns how many Gets the note cache answered and how
// many it passed to SQLite; zero without a cache.
func (db *DB) NoteCacheStats() NoteCacheStats {
	c := db.notes
	if c == nil {
		return NoteCacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// noteKey is a cached note's owner and id.
type noteKey struct{ owner, id int64 }

// newNoteCache returns a cache of at most max bytes; nil when max < 0.
func newNoteCache(max int) *noteCache {
	switch {
	case max < 0:
		return nil
	case max == 0:
		max = DefaultNoteCache
	}
	return &noteCache{max: max, notes: map[noteKey]notes.Note{}}
}

// noteBytes is what n costs in the cache.
func noteBytes(n notes.Note) int { return len(n.Title) + len(n.Body) + noteOverhead }

// get returns the cached note id of owner, or, when there is none, the
// epoch to pass to put after reading it.
func (c *noteCache) get(owner, id int64) (n notes.Note, ok bool, epoch uint64) {
	if c == nil {
		return notes.Note{}, false, 0
	}
	c.mu.Lock()
	n, ok = c.notes[noteKey{owner, id}]
	epoch = c.epoch
	if ok {
		c.stats.Hits++
	} else {
		c.stats.Misses++
	}
	c.mu.Unlock()
	return n, ok, epoch
}

// put stores n, read under epoch by its owner, unless a drop came in
// between. A note larger than a sixteenth of the cache is not kept.
func (c *noteCache) put(epoch uint64, n notes.Note) {
	if c == nil {
		return
	}
	b := noteBytes(n)
	if b > c.max/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	k := noteKey{n.OwnerID, n.ID}
	if old, ok := c.notes[k]; ok {
		c.size -= noteBytes(old)
	}
	if c.size+b > c.max {
		clear(c.notes)
		c.size = 0
	}
	c.notes[k] = n
	c.size += b
}

// drop forgets note id of owner and fails every put of a read that began
// before it. Call it after the write that changed or deleted the note
// returned.
func (c *noteCache) drop(owner, id int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	k := noteKey{owner, id}
	if old, ok := c.notes[k]; ok {
		c.size -= noteBytes(old)
		delete(c.notes, k)
	}
}

// dropAll forgets every note and fails every put of a read that began
// before it: for a write whose note's owner is not known.
func (c *noteCache) dropAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.notes)
	c.size = 0
}
