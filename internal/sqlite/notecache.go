package sqlite

import (
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Bounds of the note cache: entries, bytes of title and body in all, and
// the largest note kept (a bigger one is read from the database each time).
const (
	noteCacheEntries = 4096
	noteCacheBytes   = 8 << 20
	noteCacheMaxNote = 16 << 10
)

// noteCache keeps notes read by GET /notes/{id}, so the hottest read does
// not query SQLite. It is correct for the reason the accounts' auth cache
// is (sqlitestore): one process serves a database (OpenLocked), every
// write that changes or deletes a note goes through this DB and drops the
// note after it commits, and a read that raced with such a write is never
// stored (each drop advances the epoch; a note read under an older epoch
// is thrown away). The CLI beside the server only inserts notes
// (notesd import), with new ids no cached answer depends on (AUTOINCREMENT:
// an id is never reused). A cached note is only given to its owner
// (noteStore.Cached); anyone else's goes on to the database and is not
// found there, so a probe of someone else's cached note takes as long as
// one of an id that does not exist.
type noteCache struct {
	mu    sync.Mutex
	epoch uint64
	notes map[int64]notes.Note
	bytes int
}

func newNoteCache() *noteCache { return &noteCache{notes: map[int64]notes.Note{}} }

// size is what n counts against noteCacheBytes.
func size(n notes.Note) int { return len(n.Title) + len(n.Body) }

// get returns the cached note id.
func (c *noteCache) get(id int64) (notes.Note, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.notes[id]
	return n, ok
}

// begin returns the epoch to pass to put after reading the database.
func (c *noteCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put keeps n, read from the database under epoch, unless a drop came
// since or n is too big; a full cache is emptied first.
func (c *noteCache) put(epoch uint64, n notes.Note) {
	sz := size(n)
	if sz > noteCacheMaxNote {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if old, ok := c.notes[n.ID]; ok {
		c.bytes -= size(old)
	} else if len(c.notes) >= noteCacheEntries || c.bytes+sz > noteCacheBytes {
		clear(c.notes)
		c.bytes = 0
	}
	c.notes[n.ID] = n
	c.bytes += sz
}

// drop forgets note id after a write that changed or deleted it committed,
// and turns away the answers of reads that began before.
func (c *noteCache) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if old, ok := c.notes[id]; ok {
		c.bytes -= size(old)
		delete(c.notes, id)
	}
}
