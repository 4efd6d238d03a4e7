package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/pgtest"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
)

// newReplicas returns n notesd APIs, each with its own connection pool,
// event hub and LISTEN connection, on one fresh PostgreSQL schema: n
// replicas behind one load balancer.
func newReplicas(t *testing.T, n int) []*env {
	t.Helper()
	ctx := context.Background()
	schemaURL := pgtest.SchemaURL(t)
	key, err := auth.HS256Key("k1", []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "notesd", Audience: "notesd"}, key)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out []*env
	for i := range n {
		db, err := postgres.Open(ctx, schemaURL)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
		}
		hub := events.NewHub(events.Config{})
		notifier, err := db.Notifier(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lctx, stop := context.WithCancel(ctx)
		wait, err := notifier.Listen(lctx, hub.Deliver, logger)
		if err != nil {
			t.Fatalf("Listen: %v", err)
		}
		t.Cleanup(func() { stop(); wait() })
		cfg := httpapi.Config{
			Accounts: db.Stores(),
			Notes:    db,
			Ping:     db.Ping,
			Keyring:  kr,
			Hasher:   auth.NewHasher(auth.HasherConfig{Params: fastArgon2}),
			Logger:   logger,
			Streams:  hub,
			Events:   notifier,
		}
		api, err := httpapi.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &env{t: t, api: api, keyring: kr, hasher: cfg.Hasher})
	}
	return out
}

// TestNoteEventsAcrossReplicas: on PostgreSQL a note created through
// replica A reaches a stream on replica B (and only its owner's), and a
// logout through A ends B's stream.
func TestNoteEventsAcrossReplicas(t *testing.T) {
	t.Parallel()
	rs := newReplicas(t, 2)
	a, b := rs[0], rs[1]
	srvB := httptest.NewServer(b.api)
	t.Cleanup(srvB.Close)
	alice, bob := a.login(a.register("alice@example.com")), a.login(a.register("bob@example.com"))
	as := openStream(t, srvB.URL, alice, "")
	bs := openStream(t, srvB.URL, bob, "")

	theirs := a.createNote(bob, "bob's")
	mine := a.createNote(alice, "made on A")
	if ev := as.want("created", mine.ID); ev.data.Note == nil || ev.data.Note.Title != "made on A" {
		t.Fatalf("event on B = %+v, want the note made on A", ev)
	}
	bs.want("created", theirs.ID)
	a.must(204, req{method: "DELETE", path: fmtPath("/notes/%d", mine.ID), token: alice})
	as.want("deleted", mine.ID)

	a.must(204, req{method: "POST", path: "/auth/logout", token: alice})
	as.mustEnd()
}
