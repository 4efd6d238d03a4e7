package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// openGroupTest opens and migrates a database at path, closed when t ends
// (closing twice is harmless).
func openGroupTest(t testing.TB, path string, o Options) *DB {
	t.Helper()
	db, err := OpenWith(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// createUsers creates n users and returns their ids.
func createUsers(t testing.TB, db *DB, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		u, err := db.CreateUser(context.Background(), notes.NewUser{Email: fmt.Sprintf("u%d@x.test", i), PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = u.ID
	}
	return ids
}

// waitQueued yields until the writer's queue holds n writes.
func waitQueued(db *DB, n int) {
	for len(db.g.ops) < n {
		runtime.Gosched()
	}
}

// gate is a beforeCommit hook that holds each batch until released and
// reports its size.
type gate struct {
	entered chan int
	release chan struct{}
}

// newGate installs a gate on db, opened for good when t ends (so a failed
// test does not hang on Close).
func newGate(t *testing.T, db *DB) *gate {
	g := &gate{entered: make(chan int), release: make(chan struct{})}
	ended := make(chan struct{})
	t.Cleanup(func() { close(ended) })
	db.g.beforeCommit = func(n int) {
		select {
		case g.entered <- n:
		case <-ended:
			return
		}
		select {
		case <-g.release:
		case <-ended:
		}
	}
	return g
}

type createResult struct {
	n   notes.Note
	err error
}

func create(db *DB, ctx context.Context, owner int64, max int, out chan<- createResult) {
	n, err := db.Notes(gatehousetest.Owner(owner)).Create(ctx, notes.NoteInput{Title: "t", Body: "b", MaxPerUser: max})
	out <- createResult{n, err}
}

// TestGroupCommitBurst: 200 parallel creates by 20 users with a quota of
// 8, and creates for a user that does not exist, grouped into batches:
// each user gets exactly 8 notes and 2 ErrNoteLimit, the unknown user gets
// ErrNotFound, and every acknowledged note is there after reopening.
func TestGroupCommitBurst(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "burst.db")
	db := openGroupTest(t, path, Options{})
	users := createUsers(t, db, 20)
	const perUser, quota, ghosts = 10, 8, 10
	total := len(users)*perUser + ghosts

	// Hold the first batch until the queue is full, so the rest are
	// grouped (bounded by maxBatch).
	var once sync.Once
	sizes := make(chan int, total)
	db.g.beforeCommit = func(n int) {
		once.Do(func() { waitQueued(db, maxBatch) })
		sizes <- n
	}

	out := make(chan createResult, total)
	for _, u := range users {
		for range perUser {
			go create(db, context.Background(), u, quota, out)
		}
	}
	for range ghosts {
		go create(db, context.Background(), 1<<40, quota, out)
	}
	ok := map[int64][]int64{}
	var limited, missing int
	for range total {
		r := <-out
		switch {
		case r.err == nil:
			ok[r.n.OwnerID] = append(ok[r.n.OwnerID], r.n.ID)
		case errors.Is(r.err, notes.ErrNoteLimit):
			limited++
		case errors.Is(r.err, notes.ErrNotFound):
			missing++
		default:
			t.Errorf("Create() = %v, want nil, ErrNoteLimit or ErrNotFound", r.err)
		}
	}
	if limited != len(users)*(perUser-quota) || missing != ghosts {
		t.Errorf("got %d ErrNoteLimit and %d ErrNotFound, want %d and %d", limited, missing, len(users)*(perUser-quota), ghosts)
	}
	close(sizes)
	biggest := 0
	for n := range sizes {
		biggest = max(biggest, n)
	}
	if biggest < 2 || biggest > maxBatch {
		t.Errorf("largest batch = %d writes, want 2..%d", biggest, maxBatch)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openGroupTest(t, path, Options{})
	for _, u := range users {
		if len(ok[u]) != quota {
			t.Errorf("user %d: %d creates acknowledged, want %d", u, len(ok[u]), quota)
		}
		for _, id := range ok[u] {
			if _, err := db.Notes(gatehousetest.Owner(u)).Get(context.Background(), id); err != nil {
				t.Errorf("acknowledged note %d of user %d after reopening: %v", id, u, err)
			}
		}
		ns, _, err := db.Notes(gatehousetest.Owner(u)).List(context.Background(), notes.Page{Limit: 100})
		if err != nil || len(ns) != quota {
			t.Errorf("user %d has %d notes (%v) after reopening, want %d", u, len(ns), err, quota)
		}
	}
}

// TestGroupCommitAcksAfterCommit: no write of a batch is answered before
// its COMMIT; the writes that arrived while a batch committed form the
// next batch; a failing write rolls back only its own work.
func TestGroupCommitAcksAfterCommit(t *testing.T) {
	t.Parallel()
	db := openGroupTest(t, filepath.Join(t.TempDir(), "ack.db"), Options{})
	u := createUsers(t, db, 1)[0]
	g := newGate(t, db)
	ctx := context.Background()

	first := make(chan createResult, 1)
	go create(db, ctx, u, 0, first)
	if n := <-g.entered; n != 1 {
		t.Fatalf("first batch = %d writes, want 1", n)
	}

	const good = 8
	out := make(chan createResult, good+1)
	for range good {
		go create(db, ctx, u, 0, out)
	}
	go create(db, ctx, 1<<40, 0, out) // no such user: a foreign key error
	partial := make(chan error, 1)
	go func() {
		// Writes a note, then fails: the note must be rolled back.
		partial <- db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notes (owner_id, title, body, created_at, updated_at) VALUES (?, 'partial', '', 0, 0)`, u); err != nil {
				return err
			}
			return errors.New("test: fail after writing")
		})
	}()
	waitQueued(db, good+2)
	select {
	case r := <-first:
		t.Fatalf("first write answered (%v) before its batch committed", r.err)
	default:
	}
	g.release <- struct{}{}
	if r := <-first; r.err != nil {
		t.Fatalf("first Create() = %v, want nil", r.err)
	}

	if n := <-g.entered; n != good+2 {
		t.Fatalf("second batch = %d writes, want the %d that arrived while the first committed", n, good+2)
	}
	select {
	case r := <-out:
		t.Fatalf("a write answered (%v) before its batch committed", r.err)
	case err := <-partial:
		t.Fatalf("a write answered (%v) before its batch committed", err)
	default:
	}
	g.release <- struct{}{}
	var created, missing int
	for range good + 1 {
		r := <-out
		switch {
		case r.err == nil:
			created++
		case errors.Is(r.err, notes.ErrNotFound):
			missing++
		default:
			t.Errorf("Create() = %v", r.err)
		}
	}
	if err := <-partial; err == nil || err.Error() != "test: fail after writing" {
		t.Errorf("failing write = %v, want its own error", err)
	}
	if created != good || missing != 1 {
		t.Errorf("%d created and %d ErrNotFound, want %d and 1", created, missing, good)
	}
	db.g.beforeCommit = nil // the next write is sent after this: no race
	ns, _, err := db.Notes(gatehousetest.Owner(u)).List(ctx, notes.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Title == "partial" {
			t.Errorf("the failed write's note %d was committed", n.ID)
		}
	}
	if len(ns) != good+1 {
		t.Errorf("%d notes, want %d", len(ns), good+1)
	}
}

// TestGroupCommitContext: a caller whose context ends while its write is
// queued gets the context's error and its write never runs; a caller whose
// context ends after its write ran waits for the commit and its write is
// committed.
func TestGroupCommitContext(t *testing.T) {
	t.Parallel()
	db := openGroupTest(t, filepath.Join(t.TempDir(), "ctx.db"), Options{})
	users := createUsers(t, db, 2)
	g := newGate(t, db)

	ranCtx, cancelRan := context.WithCancel(context.Background())
	ran := make(chan createResult, 1)
	go create(db, ranCtx, users[0], 0, ran)
	<-g.entered // users[0]'s write ran; its batch waits to commit

	queuedCtx, cancelQueued := context.WithCancel(context.Background())
	queued := make(chan createResult, 1)
	go create(db, queuedCtx, users[1], 0, queued)
	waitQueued(db, 1)
	cancelQueued()
	if r := <-queued; !errors.Is(r.err, context.Canceled) {
		t.Errorf("queued write cancelled: Create() = %v, want context.Canceled", r.err)
	}

	cancelRan()
	select {
	case r := <-ran:
		t.Fatalf("write answered (%v) before its batch committed", r.err)
	default:
	}
	g.release <- struct{}{}
	r := <-ran
	if r.err != nil {
		t.Fatalf("write cancelled after it ran: Create() = %v, want nil (it commits)", r.err)
	}
	db.g.beforeCommit = nil
	if _, err := db.Notes(gatehousetest.Owner(users[0])).Get(context.Background(), r.n.ID); err != nil {
		t.Errorf("note of the write cancelled after it ran: %v, want it committed", err)
	}
	ns, _, err := db.Notes(gatehousetest.Owner(users[1])).List(context.Background(), notes.Page{})
	if err != nil || len(ns) != 0 {
		t.Errorf("user of the cancelled queued write has %d notes (%v), want 0", len(ns), err)
	}
}

// TestGroupCommitPanicAndClose: a write that panics panics in its caller
// and fails no other write; writes after Close fail.
func TestGroupCommitPanicAndClose(t *testing.T) {
	t.Parallel()
	db := openGroupTest(t, filepath.Join(t.TempDir(), "panic.db"), Options{})
	u := createUsers(t, db, 1)[0]
	func() {
		defer func() {
			if v := recover(); v != "test: boom" {
				t.Errorf("recover() = %v, want the write's panic", v)
			}
		}()
		_ = db.write(context.Background(), func(context.Context, *sql.Tx) error { panic("test: boom") })
	}()
	out := make(chan createResult, 1)
	create(db, context.Background(), u, 0, out)
	if r := <-out; r.err != nil {
		t.Errorf("Create() after a panicking write = %v, want nil", r.err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.write(context.Background(), func(context.Context, *sql.Tx) error { return nil }); !errors.Is(err, errClosed) {
		t.Errorf("write after Close = %v, want errClosed", err)
	}
}

// BenchmarkCreateNoteParallel creates notes from about 32 goroutines in
// all, as a server at 32 connections would: synchronous FULL with group
// commit against NORMAL and FULL without it. Compare the ns/op of
// the sub-benchmarks of one run (BENCHMARKS.md).
func BenchmarkCreateNoteParallel(b *testing.B) {
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"full-group", Options{Synchronous: SyncFull}},
		{"normal-nogroup", Options{Synchronous: SyncNormal, NoGroupCommit: true}},
		{"full-nogroup", Options{Synchronous: SyncFull, NoGroupCommit: true}},
		{"normal-group", Options{Synchronous: SyncNormal}},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := openGroupTest(b, filepath.Join(b.TempDir(), "bench.db"), c.o)
			users := createUsers(b, db, 32)
			var next sync.Mutex
			i := 0
			b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				next.Lock()
				u := users[i%len(users)]
				i++
				next.Unlock()
				s := db.Notes(gatehousetest.Owner(u))
				for pb.Next() {
					if _, err := s.Create(context.Background(), notes.NoteInput{Title: "t", Body: "body", MaxPerUser: 1000000}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
