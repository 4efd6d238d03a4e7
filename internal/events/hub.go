// Package events fans note changes out to their owners' open streams in
// one process: a bounded queue per stream (a stream that falls behind is
// dropped, never waited for), a per-user cap on streams, and a bounded
// buffer of recent events per user so that a stream can resume after a
// reconnect (SSE's Last-Event-ID).
package events

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Errors of Subscribe and of an ended Subscription.
var (
	ErrTooManyStreams = errors.New("events: too many open streams for this user")
	ErrClosed         = errors.New("events: the hub is closed")
	ErrSlow           = errors.New("events: the stream fell behind and was dropped")
)

// Defaults of Config.
const (
	DefaultMaxPerUser = 5
	DefaultBuffer     = 256
	DefaultQueue      = 64
	DefaultIdleUsers  = 1024
)

// Config bounds a Hub. Zero fields take the defaults.
type Config struct {
	// MaxPerUser streams one user may have open at once.
	MaxPerUser int
	// Buffer is how many recent events are kept per user for resuming.
	Buffer int
	// Queue is how many events may wait for one stream before it is dropped.
	Queue int
	// IdleUsers is how many users without an open stream keep their buffer.
	IdleUsers int
}

// Delivery is an event as a stream receives it, with its id in this hub.
type Delivery struct {
	ID string // "<hub epoch>-<sequence>", what Last-Event-ID sends back
	notes.Event
}

// Hub is an in-process notes.Events: what is published is delivered to the
// owner's subscriptions in this process. Safe for concurrent use.
type Hub struct {
	cfg   Config
	epoch string

	mu     sync.Mutex
	seq    uint64
	users  map[int64]*user
	closed bool
	tick   uint64 // orders idle users for eviction
}

type user struct {
	subs  map[*Subscription]struct{}
	ring  []entry // oldest first, at most cfg.Buffer
	floor uint64  // events up to floor may be missing from ring
	idle  uint64  // tick when the last subscription left
}

type entry struct {
	seq uint64
	ev  notes.Event
}

var _ notes.Events = (*Hub)(nil)

// NewHub returns an empty hub.
func NewHub(cfg Config) *Hub {
	cfg.MaxPerUser = cmp.Or(cfg.MaxPerUser, DefaultMaxPerUser)
	cfg.Buffer = cmp.Or(cfg.Buffer, DefaultBuffer)
	cfg.Queue = cmp.Or(cfg.Queue, DefaultQueue)
	cfg.IdleUsers = cmp.Or(cfg.IdleUsers, DefaultIdleUsers)
	return &Hub{cfg: cfg, epoch: strings.ToLower(rand.Text()[:8]), users: map[int64]*user{}}
}

// Publish delivers e to its owner's subscriptions now; it never blocks on
// them. It implements notes.Events and never fails.
func (h *Hub) Publish(_ context.Context, e notes.Event) error {
	h.Deliver(e)
	return nil
}

// Deliver hands e to the subscriptions of e.OwnerID and keeps it (without
// the note's text) for resuming. A subscription whose queue is full is
// dropped with ErrSlow. Events of users who never subscribed are not kept.
func (h *Hub) Deliver(e notes.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[e.OwnerID]
	if u == nil || h.closed {
		return
	}
	h.seq++
	kept := e
	kept.Note = nil // the buffer holds ids; a resumed stream reads the note again
	u.ring = append(u.ring, entry{seq: h.seq, ev: kept})
	if len(u.ring) > h.cfg.Buffer {
		u.floor = u.ring[0].seq
		u.ring = append(u.ring[:0], u.ring[1:]...)
	}
	d := Delivery{ID: h.id(h.seq), Event: e}
	for s := range u.subs {
		select {
		case s.ch <- d:
		default:
			h.dropLocked(u, s, ErrSlow)
		}
	}
}

func (h *Hub) id(seq uint64) string { return h.epoch + "-" + strconv.FormatUint(seq, 10) }

// Subscribe opens a subscription to userID's events. lastID is the id of
// the last event the client saw ("" for none): the events after it still
// in the buffer are returned to send first, and resync is true when some
// may have been missed (an id of another hub or older than the buffer).
// ErrTooManyStreams when the user has Config.MaxPerUser open already;
// ErrClosed after Close.
func (h *Hub) Subscribe(userID int64, lastID string) (s *Subscription, replay []Delivery, resync bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, false, ErrClosed
	}
	u := h.users[userID]
	if u == nil {
		h.evictIdleLocked()
		u = &user{subs: map[*Subscription]struct{}{}, floor: h.seq}
		h.users[userID] = u
	}
	if len(u.subs) >= h.cfg.MaxPerUser {
		return nil, nil, false, ErrTooManyStreams
	}
	if lastID != "" {
		replay, resync = h.replayLocked(u, lastID)
	}
	s = &Subscription{hub: h, userID: userID, ch: make(chan Delivery, h.cfg.Queue), done: make(chan struct{})}
	u.subs[s] = struct{}{}
	return s, replay, resync, nil
}

// replayLocked returns the buffered events after lastID, and whether some
// may be missing.
func (h *Hub) replayLocked(u *user, lastID string) ([]Delivery, bool) {
	epoch, n, ok := strings.Cut(lastID, "-")
	seq, err := strconv.ParseUint(n, 10, 64)
	if !ok || err != nil || epoch != h.epoch || seq > h.seq {
		return nil, true
	}
	var out []Delivery
	for _, e := range u.ring {
		if e.seq > seq {
			out = append(out, Delivery{ID: h.id(e.seq), Event: e.ev})
		}
	}
	return out, seq < u.floor
}

// evictIdleLocked forgets the buffer of the longest idle user while more
// than Config.IdleUsers users have no open stream.
func (h *Hub) evictIdleLocked() {
	for {
		var idle int
		var oldest int64
		var oldestTick uint64
		for id, u := range h.users {
			if len(u.subs) > 0 {
				continue
			}
			if idle == 0 || u.idle < oldestTick {
				oldest, oldestTick = id, u.idle
			}
			idle++
		}
		if idle < h.cfg.IdleUsers {
			return
		}
		delete(h.users, oldest)
	}
}

// dropLocked ends s with err.
func (h *Hub) dropLocked(u *user, s *Subscription, err error) {
	if _, ok := u.subs[s]; !ok {
		return
	}
	delete(u.subs, s)
	if len(u.subs) == 0 {
		h.tick++
		u.idle = h.tick
	}
	s.err = err
	close(s.done)
}

// Open returns how many subscriptions are open.
func (h *Hub) Open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var n int
	for _, u := range h.users {
		n += len(u.subs)
	}
	return n
}

// Close ends every subscription with ErrClosed and refuses new ones: the
// server is draining.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, u := range h.users {
		for s := range u.subs {
			h.dropLocked(u, s, ErrClosed)
		}
	}
}

// Subscription is one stream's view of its user's events.
type Subscription struct {
	hub    *Hub
	userID int64
	ch     chan Delivery
	done   chan struct{}
	err    error // set before done is closed
}

// Events is where the user's events arrive.
func (s *Subscription) Events() <-chan Delivery { return s.ch }

// Done is closed when the hub ended the subscription (see Err).
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err is why the hub ended the subscription (ErrSlow, ErrClosed), once
// Done is closed; nil before.
func (s *Subscription) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Close ends the subscription; its slot counts no more against the cap.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if u := h.users[s.userID]; u != nil {
		h.dropLocked(u, s, ErrClosed)
	}
}
