package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
)

// TestReadOneScan: ReadOne reads one row into each destination type it
// knows, as database/sql's ReadRow reads it.
func TestReadOneScan(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	ctx := t.Context()
	const q = `SELECT 42, -7, 1, 2.5, 3, 'text', x'00ff', NULL, 9, NULL, 'ns', NULL, 0, 1.5, NULL WHERE ?1 = 1 AND ?2 = 'go'`
	var (
		i64    int64
		i      int
		b      bool
		f, fi  float64
		s      string
		blob   []byte
		anyNil any
		n1, n2 sql.NullInt64
		s1, s2 sql.NullString
		b1     sql.NullBool
		f1, f2 sql.NullFloat64
	)
	if err := db.ReadOne(ctx, q, 1, "go").Scan(&i64, &i, &b, &f, &fi, &s, &blob, &anyNil, &n1, &n2, &s1, &s2, &b1, &f1, &f2); err != nil {
		t.Fatalf("ReadOne(...).Scan() = %v, want nil", err)
	}
	got := fmt.Sprint(i64, i, b, f, fi, s, blob, anyNil, n1, n2, s1, s2, b1, f1, f2)
	want := fmt.Sprint(int64(42), -7, true, 2.5, 3.0, "text", []byte{0, 0xff}, nil,
		sql.NullInt64{Int64: 9, Valid: true}, sql.NullInt64{}, sql.NullString{String: "ns", Valid: true}, sql.NullString{},
		sql.NullBool{Bool: false, Valid: true}, sql.NullFloat64{Float64: 1.5, Valid: true}, sql.NullFloat64{})
	if got != want {
		t.Errorf("ReadOne(...).Scan() read %s, want %s", got, want)
	}

	// The same query through database/sql reads the same.
	var (
		ri64 int64
		ri   int
		rb   bool
		rs   string
		rbl  []byte
	)
	if err := db.ReadRow(ctx, `SELECT 42, -7, 1, 'text', x'00ff'`).Scan(&ri64, &ri, &rb, &rs, &rbl); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ri64, ri, rb, rs, rbl) != fmt.Sprint(i64, i, b, s, blob) {
		t.Errorf("ReadRow read %v, ReadOne %v", fmt.Sprint(ri64, ri, rb, rs, rbl), fmt.Sprint(i64, i, b, s, blob))
	}
}

// TestReadOneErrors: no row is sql.ErrNoRows (accounts.ErrNotFound through
// MapError); a bad query, wrong arguments or destinations are errors, and
// none of them spoils the connections.
func TestReadOneErrors(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	ctx := t.Context()
	var v int64
	err := db.ReadOne(ctx, `SELECT id FROM users WHERE id = ?`, 12345).Scan(&v)
	if !errors.Is(err, sql.ErrNoRows) || !errors.Is(MapError(err), accounts.ErrNotFound) {
		t.Errorf("ReadOne(missing row).Scan() = %v, want sql.ErrNoRows (ErrNotFound mapped)", err)
	}
	var s string
	for name, scan := range map[string]func() error{
		"syntax error":         func() error { return db.ReadOne(ctx, `SELEC 1`).Scan(&v) },
		"unknown column":       func() error { return db.ReadOne(ctx, `SELECT nope FROM users`).Scan(&v) },
		"too few arguments":    func() error { return db.ReadOne(ctx, `SELECT ? + ?`, 1).Scan(&v) },
		"an argument type":     func() error { return db.ReadOne(ctx, `SELECT ?`, struct{}{}).Scan(&v) },
		"too few destinations": func() error { return db.ReadOne(ctx, `SELECT 1, 2`).Scan(&v) },
		"a destination type":   func() error { return db.ReadOne(ctx, `SELECT 'text'`).Scan(&v) },
		"a NULL into int64":    func() error { return db.ReadOne(ctx, `SELECT NULL`).Scan(&v) },
		"an int into string":   func() error { return db.ReadOne(ctx, `SELECT 1`).Scan(&s) },
		"a write":              func() error { return db.ReadOne(ctx, `DELETE FROM users RETURNING id`).Scan(&v) },
	} {
		if err := scan(); err == nil {
			t.Errorf("ReadOne(%s).Scan() = nil error, want one", name)
		}
	}
	if err := db.ReadOne(ctx, `SELECT ? + ?`, 40, int64(2)).Scan(&v); err != nil || v != 42 {
		t.Errorf("ReadOne(after errors).Scan() = %v, %v, want 42, nil", v, err)
	}
	if n := len(db.direct.open); n > cap(db.direct.open) {
		t.Errorf("%d connections open, want at most %d", n, cap(db.direct.open))
	}
}

// TestReadOneSeesCommittedWrites: each read is a transaction of its own:
// it sees every write committed before it, from any connection of the
// Store, however many reads ran on the connection before.
func TestReadOneSeesCommittedWrites(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	ctx := t.Context()
	u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ada@x.test", Name: "n0", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	o := gatehousetest.Owner(u.ID)
	for i := range 20 {
		want := fmt.Sprintf("n%d", i)
		if i > 0 {
			if _, err := db.SetName(ctx, o, want); err != nil {
				t.Fatal(err)
			}
		}
		var got string
		if err := db.ReadOne(ctx, `SELECT name FROM users WHERE id = ?`, u.ID).Scan(&got); err != nil || got != want {
			t.Fatalf("ReadOne after write %d = %q, %v, want %q", i, got, err, want)
		}
	}
}

// TestReadOneConcurrent: many readers at once, beside a writer, share at
// most the pool's size of connections and each read its own row (run with
// -race).
func TestReadOneConcurrent(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	ctx := t.Context()
	var ids []int64
	for i := range 8 {
		u, err := db.CreateUser(ctx, accounts.NewUser{Email: fmt.Sprintf("u%d@x.test", i), PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := range 50 {
				id := ids[(g+i)%len(ids)]
				var got int64
				var email string
				if err := db.ReadOne(ctx, `SELECT id, email FROM users WHERE id = ?`, id).Scan(&got, &email); err != nil || got != id {
					t.Errorf("ReadOne(%d) = %d, %v", id, got, err)
					return
				}
				if n := len(db.direct.open); n > cap(db.direct.open) {
					t.Errorf("%d connections open, want at most %d", n, cap(db.direct.open))
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			if _, err := db.CreateUser(ctx, accounts.NewUser{Email: fmt.Sprintf("w%d@x.test", i), PasswordHash: "h"}); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}

// TestReadOneAfterClose: Close closes ReadOne's connections; a read after
// it fails.
func TestReadOneAfterClose(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	var v int64
	if err := db.ReadOne(t.Context(), `SELECT 1`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(db.direct.open); n != 0 {
		t.Errorf("after Close, %d connections open, want 0", n)
	}
	if err := db.ReadOne(t.Context(), `SELECT 1`).Scan(&v); !errors.Is(err, errClosed) {
		t.Errorf("ReadOne after Close = %v, want errClosed", err)
	}
}

// TestDirectPoolDropsBrokenConnections: a connection whose query fails
// (here driver.ErrBadConn) is closed and never handed out again; one whose
// query succeeds is reused; closing the pool closes the idle ones and waits
// for those in use to come back, and closes them too.
func TestDirectPoolDropsBrokenConnections(t *testing.T) {
	t.Parallel()
	fc := &fakeConnector{}
	p := newDirectPool(fc, 2)
	r := Row{p: p, query: "q"}
	var v int64

	fc.fail = driver.ErrBadConn
	if err := r.Scan(&v); !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("Scan on a broken connection = %v, want driver.ErrBadConn", err)
	}
	if len(fc.conns) != 1 || !fc.conns[0].closed || len(p.open) != 0 {
		t.Fatalf("after the failed query: %d opened, first closed %v, %d open; want 1, true, 0",
			len(fc.conns), fc.conns[0].closed, len(p.open))
	}

	fc.fail = nil
	for range 3 {
		if err := r.Scan(&v); err != nil || v != 7 {
			t.Fatalf("Scan() = %d, %v, want 7, nil", v, err)
		}
	}
	if len(fc.conns) != 2 || fc.conns[1].closed {
		t.Errorf("after good queries: %d opened (want 2: one new), the new one closed %v", len(fc.conns), fc.conns[1].closed)
	}

	inUse, err := p.get()
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error)
	go func() { closed <- p.close() }()
	p.put(inUse) // before or after close began: close waits for it either way
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i, c := range fc.conns {
		if !c.closed {
			t.Errorf("connection %d open after close", i)
		}
	}
	if len(p.open) != 0 {
		t.Errorf("%d connections open after close, want 0", len(p.open))
	}
	if _, err := p.get(); !errors.Is(err, errClosed) {
		t.Errorf("get after close = %v, want errClosed", err)
	}
}

// fakeConnector hands out fakeConns whose queries fail with fail, or else
// return one row of one column, 7.
type fakeConnector struct {
	fail  error
	conns []*fakeConn
}

func (f *fakeConnector) Connect(context.Context) (driver.Conn, error) {
	c := &fakeConn{f: f}
	f.conns = append(f.conns, c)
	return c, nil
}

func (f *fakeConnector) Driver() driver.Driver { return nil }

type fakeConn struct {
	f      *fakeConnector
	closed bool
}

func (c *fakeConn) Prepare(string) (driver.Stmt, error) { return fakeStmt{c}, nil }
func (c *fakeConn) PrepareContext(context.Context, string) (driver.Stmt, error) {
	return fakeStmt{c}, nil
}
func (c *fakeConn) Close() error              { c.closed = true; return nil }
func (c *fakeConn) Begin() (driver.Tx, error) { return nil, errors.New("no transactions") }

type fakeStmt struct{ c *fakeConn }

func (fakeStmt) Close() error                               { return nil }
func (fakeStmt) NumInput() int                              { return 0 }
func (fakeStmt) Exec([]driver.Value) (driver.Result, error) { return nil, errors.New("no exec") }
func (fakeStmt) Query([]driver.Value) (driver.Rows, error)  { return nil, errors.New("no query") }
func (s fakeStmt) QueryContext(context.Context, []driver.NamedValue) (driver.Rows, error) {
	if s.c.f.fail != nil {
		return nil, s.c.f.fail
	}
	return &fakeRows{}, nil
}

type fakeRows struct{ done bool }

func (*fakeRows) Columns() []string { return []string{"v"} }
func (*fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(7)
	return nil
}

// TestDirectPoolLastIn: get hands out the connection put back last, so
// that on a quiet server one connection, whose page cache and prepared
// statements are warm, serves the reads, and one opened during a burst
// only serves the next burst (a first-in pool rotates over all of them:
// every connection's page cache must then hold the whole working set).
func TestDirectPoolLastIn(t *testing.T) {
	t.Parallel()
	p := newDirectPool(&fakeConnector{}, 3)
	var got [3]*directConn
	for i := range got {
		c, err := p.get()
		if err != nil {
			t.Fatal(err)
		}
		got[i] = c
	}
	for _, c := range got {
		p.put(c)
	}
	for _, want := range []int{2, 1} {
		c, err := p.get()
		if err != nil {
			t.Fatal(err)
		}
		if c != got[want] {
			t.Errorf("get() = a connection other than the one put back last (%d)", want)
		}
		p.put(c)
		if c, err = p.get(); err != nil || c != got[want] {
			t.Errorf("get() after putting it back = another connection, want %d again", want)
		}
		// Keep it out, so that the next get sees the one put back before it.
		defer p.put(c)
	}
	if len(p.open) != 3 {
		t.Errorf("%d connections open, want the 3 made", len(p.open))
	}
}
