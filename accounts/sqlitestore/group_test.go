package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// openGroupTest opens and migrates a database at path, closed when t ends
// (closing twice is harmless).
func openGroupTest(t testing.TB, path string, o Options) *Store {
	t.Helper()
	db, err := OpenWith(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateApp(context.Background(), "items", itemsApp); err != nil {
		t.Fatal(err)
	}
	return db
}

// itemsApp is a test app's schema: items of a user, the tables an app
// keeps beside the identity ones (MigrateApp).
var itemsApp = fstest.MapFS{"migrations/0001_items.sql": {Data: []byte(`
CREATE TABLE items (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title    TEXT    NOT NULL
) STRICT;
CREATE INDEX items_owner_id ON items (owner_id, id);
`)}}

// item is a row of the test app's items.
type item struct {
	ID, OwnerID int64
	Title       string
}

// errLimit is the test app's quota error.
var errLimit = errors.New("test: item limit reached")

// createItemSQL is createItem's statement.
const createItemSQL = `
INSERT INTO items (owner_id, title)
SELECT ?1, 't'
WHERE ?2 <= 0 OR (SELECT count(*) FROM (SELECT 1 FROM items WHERE owner_id = ?1 LIMIT ?2)) < ?2
RETURNING id, owner_id, title`

// createItem creates an item of owner through the group commit writer, as
// an app would (WriteStmt, Write), the quota's count and the insert in one
// statement: errLimit when owner has max items (max > 0), ErrNotFound
// when owner is not a user.
func createItem(db *Store, ctx context.Context, owner int64, max int) (item, error) {
	st, err := db.WriteStmt(ctx, createItemSQL)
	if err != nil {
		return item{}, err
	}
	var it item
	err = db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, owner, max).Scan(&it.ID, &it.OwnerID, &it.Title)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return item{}, errLimit
	}
	return it, MapError(err)
}

// getItem reads one item of owner on the readers (ReadRow).
func getItem(db *Store, ctx context.Context, owner, id int64) (item, error) {
	it := item{ID: id, OwnerID: owner}
	err := db.ReadRow(ctx, `SELECT title FROM items WHERE id = ? AND owner_id = ?`, id, owner).Scan(&it.Title)
	return it, MapError(err)
}

// listItems lists owner's items on the readers (ReadRows), newest first.
func listItems(db *Store, ctx context.Context, owner int64) ([]item, int64, error) {
	rows, err := db.ReadRows(ctx, `SELECT id, owner_id, title FROM items WHERE owner_id = ? ORDER BY id DESC`, owner)
	if err != nil {
		return nil, 0, err
	}
	its, err := collect(rows, func(s scanner) (item, error) {
		var it item
		return it, s.Scan(&it.ID, &it.OwnerID, &it.Title)
	})
	return its, 0, err
}

// createUsers creates n users and returns their ids.
func createUsers(t testing.TB, db *Store, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		u, err := db.CreateUser(context.Background(), accounts.NewUser{Email: fmt.Sprintf("u%d@x.test", i), PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = u.ID
	}
	return ids
}

// waitQueued yields until the writer's queue holds n writes.
func waitQueued(db *Store, n int) {
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
func newGate(t *testing.T, db *Store) *gate {
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
	n   item
	err error
}

func create(db *Store, ctx context.Context, owner int64, max int, out chan<- createResult) {
	n, err := createItem(db, ctx, owner, max)
	out <- createResult{n, err}
}

// TestGroupCommitBurst: 200 parallel creates by 20 users with a quota of
// 8, and creates for a user that does not exist, grouped into batches:
// each user gets exactly 8 items and 2 errLimit, the unknown user gets
// ErrNotFound, and every acknowledged item is there after reopening.
func TestGroupCommitBurst(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "burst.db")
	db := openGroupTest(t, path, Options{})
	users := createUsers(t, db, 20)
	const perUser, quota, ghosts = 10, 8, 10
	total := len(users)*perUser + ghosts

	// Hold the first batch until the queue is full, so the rest are
	// grouped (bounded by maxBatch). The statement is prepared first: a
	// caller preparing it needs the writer's connection, which the held
	// batch keeps, and would never reach the queue.
	if _, err := db.WriteStmt(context.Background(), createItemSQL); err != nil {
		t.Fatal(err)
	}
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
		case errors.Is(r.err, errLimit):
			limited++
		case errors.Is(r.err, accounts.ErrNotFound):
			missing++
		default:
			t.Errorf("Create() = %v, want nil, errLimit or ErrNotFound", r.err)
		}
	}
	if limited != len(users)*(perUser-quota) || missing != ghosts {
		t.Errorf("got %d errLimit and %d ErrNotFound, want %d and %d", limited, missing, len(users)*(perUser-quota), ghosts)
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
			if _, err := getItem(db, context.Background(), u, id); err != nil {
				t.Errorf("acknowledged item %d of user %d after reopening: %v", id, u, err)
			}
		}
		ns, _, err := listItems(db, context.Background(), u)
		if err != nil || len(ns) != quota {
			t.Errorf("user %d has %d items (%v) after reopening, want %d", u, len(ns), err, quota)
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
		// Writes an item, then fails: the item must be rolled back.
		partial <- db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO items (owner_id, title) VALUES (?, 'partial')`, u); err != nil {
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
		case errors.Is(r.err, accounts.ErrNotFound):
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
	ns, _, err := listItems(db, ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Title == "partial" {
			t.Errorf("the failed write's item %d was committed", n.ID)
		}
	}
	if len(ns) != good+1 {
		t.Errorf("%d items, want %d", len(ns), good+1)
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
	if _, err := getItem(db, context.Background(), users[0], r.n.ID); err != nil {
		t.Errorf("item of the write cancelled after it ran: %v, want it committed", err)
	}
	ns, _, err := listItems(db, context.Background(), users[1])
	if err != nil || len(ns) != 0 {
		t.Errorf("user of the cancelled queued write has %d items (%v), want 0", len(ns), err)
	}
}

// TestGroupCommitOneCPU: on one CPU (GOMAXPROCS 1, as a pinned server
// runs), the writes of requests that arrived together share a batch, even
// though each caller becomes runnable only when the network poller finds
// its request. Before the writer yielded, the first caller to queue woke it
// at once, and over HTTP every batch held one write.
func TestGroupCommitOneCPU(t *testing.T) {
	// Not parallel: GOMAXPROCS is the process's, and the paused parallel
	// tests do not run meanwhile.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	db := openGroupTest(t, filepath.Join(t.TempDir(), "onecpu.db"), Options{})
	users := createUsers(t, db, 32)
	var mu sync.Mutex
	var batches, writes int
	db.g.beforeCommit = func(n int) {
		mu.Lock()
		batches++
		writes += n
		mu.Unlock()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := strconv.ParseInt(r.URL.Query().Get("u"), 10, 64)
		if _, err := createItem(db, r.Context(), u, 0); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: len(users)}}
	defer client.CloseIdleConnections()
	const perWriter = 20
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			for range perWriter {
				res, err := client.Post(fmt.Sprintf("%s/?u=%d", srv.URL, u), "text/plain", nil)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Errorf("POST: %s", res.Status)
				}
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if writes != len(users)*perWriter {
		t.Fatalf("%d writes committed, want %d", writes, len(users)*perWriter)
	}
	if mean := float64(writes) / float64(batches); mean < 6 {
		t.Errorf("%d writes of 32 concurrent writers in %d batches (%.1f per batch), want at least 6 per batch", writes, batches, mean)
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

// BenchmarkCreateParallel creates items from about 32 goroutines in
// all, as a server at 32 connections would: synchronous FULL with group
// commit against NORMAL and FULL without it. Compare the ns/op of
// the sub-benchmarks of one run (BENCHMARKS.md).
func BenchmarkCreateParallel(b *testing.B) {
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
				for pb.Next() {
					if _, err := createItem(db, context.Background(), u, 1000000); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestPrepareOnce: callers that first use a statement while a batch holds
// the writer's connection prepare it once between them, not once each
// behind the batch.
func TestPrepareOnce(t *testing.T) {
	t.Parallel()
	db := openGroupTest(t, filepath.Join(t.TempDir(), "prepare.db"), Options{})
	u := createUsers(t, db, 1)[0]
	var prepares atomic.Int32
	db.ws.onPrepare = func() { prepares.Add(1) }
	g := newGate(t, db)
	held := make(chan createResult, 1)
	go create(db, context.Background(), u, 0, held) // its statement: prepared before the gate
	<-g.entered
	prepares.Store(0)

	const callers = 20
	const query = `SELECT count(*) FROM items WHERE owner_id = ?`
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := db.WriteStmt(context.Background(), query)
			errs <- err
		}()
	}
	time.Sleep(200 * time.Millisecond) // the callers reach the held connection
	g.release <- struct{}{}
	if r := <-held; r.err != nil {
		t.Fatal(r.err)
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Errorf("WriteStmt() = %v", err)
		}
	}
	if n := prepares.Load(); n != 1 {
		t.Errorf("%d concurrent first uses prepared the statement %d times, want 1", callers, n)
	}
}

// TestPrepareFailureNotKept: a preparation that failed (its caller's
// context had ended) is not kept: the next caller prepares the query.
func TestPrepareFailureNotKept(t *testing.T) {
	t.Parallel()
	db := openGroupTest(t, filepath.Join(t.TempDir(), "prepfail.db"), Options{})
	const query = `SELECT count(*) FROM items`
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.WriteStmt(ctx, query); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteStmt(ended context) = %v, want context.Canceled", err)
	}
	st, err := db.WriteStmt(context.Background(), query)
	if err != nil {
		t.Fatalf("WriteStmt() after a failed preparation = %v", err)
	}
	var n int
	if err := st.QueryRowContext(context.Background()).Scan(&n); err != nil || n != 0 {
		t.Errorf("the statement counts %d items (%v), want 0", n, err)
	}
}
