package janitor_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/accountstest"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/janitor"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// engines opens a fresh migrated store of each engine: SQLite always,
// PostgreSQL when NOTESD_TEST_POSTGRES_URL is set.
var engines = map[string]func(t *testing.T) accountstest.Store{
	"sqlite": func(t *testing.T) accountstest.Store {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "j.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return db
	},
	"postgres": func(t *testing.T) accountstest.Store {
		base := os.Getenv("NOTESD_TEST_POSTGRES_URL")
		if base == "" {
			t.Skip("NOTESD_TEST_POSTGRES_URL not set: PostgreSQL janitor test skipped")
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		schema := "gh_" + hex.EncodeToString(b)
		conn, err := pgx.Connect(t.Context(), base)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(t.Context(), `CREATE SCHEMA `+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			conn, err := pgx.Connect(context.Background(), base)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
				t.Error(err)
			}
		})
		cfg, err := pgxpool.ParseConfig(base)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		db, err := postgres.OpenConfig(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return db
	},
}

// counting wraps a Purger and records the largest batch of any call.
type counting struct {
	accounts.Purger
	calls    int
	maxBatch int64
}

func (c *counting) Purge(ctx context.Context, p accounts.Purge) (accounts.Purged, error) {
	got, err := c.Purger.Purge(ctx, p)
	c.calls++
	c.maxBatch = max(c.maxBatch, got.Sessions, got.RefreshTokens, got.AccountTokens)
	return got, err
}

// seed makes dead sessions of a fresh user, each with one used refresh
// token, and as many used account tokens, plus one live session, and
// returns the live session and user.
func seed(t *testing.T, s accountstest.Store, dead int) (accounts.User, accounts.Session) {
	t.Helper()
	ctx := t.Context()
	u, err := s.CreateUser(ctx, accounts.NewUser{Email: "ann@example.com", Role: accounts.RoleUser})
	if err != nil {
		t.Fatal(err)
	}
	for i := range dead {
		first, second := []byte{byte(i), 1}, []byte{byte(i), 2}
		ss, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour), RefreshHash: first})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RotateRefresh(ctx, first, second, time.Now(), 0); err != nil {
			t.Fatal(err)
		}
		if err := s.Sessions(gatehousetest.Owner(u.ID)).Revoke(ctx, ss.ID); err != nil {
			t.Fatal(err)
		}
		token := []byte{byte(i), 3}
		if err := s.CreateAccountToken(ctx, accounts.NewAccountToken{UserID: u.ID, Purpose: accounts.PurposeVerify, Hash: token,
			CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VerifyEmail(ctx, token, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	alive, err := s.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return u, alive
}

func TestSweep(t *testing.T) {
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			const dead, batch = 7, 3
			u, alive := seed(t, s, dead)
			store := &counting{Purger: s}
			cfg := janitor.Config{Store: store, Batch: batch, Retention: 24 * time.Hour}

			// Within the retention nothing goes.
			got, err := janitor.Sweep(t.Context(), cfg)
			if err != nil || got != (accounts.Purged{}) {
				t.Fatalf("Sweep(now) = %+v, %v, want nothing deleted", got, err)
			}
			// A day and a minute later every dead row goes, in batches.
			cfg.Now = func() time.Time { return time.Now().Add(24*time.Hour + time.Minute) }
			store.calls = 0
			got, err = janitor.Sweep(t.Context(), cfg)
			if err != nil {
				t.Fatalf("Sweep(a day later) = %v", err)
			}
			if want := (accounts.Purged{Sessions: dead, RefreshTokens: dead, AccountTokens: dead}); got != want {
				t.Errorf("Sweep(a day later) = %+v, want %+v", got, want)
			}
			if store.maxBatch > batch {
				t.Errorf("a Purge call deleted %d rows of one kind, want at most the batch, %d", store.maxBatch, batch)
			}
			if store.calls < dead/batch+1 {
				t.Errorf("Sweep made %d Purge calls, want at least %d for %d rows in batches of %d", store.calls, dead/batch+1, dead, batch)
			}
			if _, _, err := s.SessionUser(t.Context(), u.ID, alive.ID, time.Now()); err != nil {
				t.Errorf("SessionUser(live session) after Sweep = %v, want it kept", err)
			}
			if got, _ := janitor.Sweep(t.Context(), cfg); got != (accounts.Purged{}) {
				t.Errorf("second Sweep = %+v, want nothing left", got)
			}
		})
	}
}

// records is a slog handler that sends each record's message and
// attributes to a channel.
type records chan map[string]any

func (r records) Enabled(context.Context, slog.Level) bool { return true }
func (r records) Handle(_ context.Context, rec slog.Record) error {
	m := map[string]any{"msg": rec.Message}
	rec.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.Any(); return true })
	r <- m
	return nil
}
func (r records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r records) WithGroup(string) slog.Handler      { return r }

// TestRunSweepsAtStartAndStops checks that Run sweeps as soon as it
// starts, logs the counts, and returns once its context ends.
func TestRunSweepsAtStartAndStops(t *testing.T) {
	s := engines["sqlite"](t)
	seed(t, s, 2)
	logs := make(records, 16)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		janitor.Run(ctx, janitor.Config{
			Store: s, Logger: slog.New(logs), Every: time.Hour,
			Now: func() time.Time { return time.Now().Add(31 * 24 * time.Hour) },
		})
	}()
	rec := <-logs
	// 31 days on, the live session has expired too.
	if rec["msg"] != "retention sweep" || rec["sessions"] != int64(3) || rec["refresh_tokens"] != int64(2) {
		t.Errorf("first log record = %v, want a retention sweep of 3 sessions and 2 refresh tokens", rec)
	}
	cancel()
	<-done
}

// TestRunLogsFailure checks that a failed sweep is logged as a warning and
// does not stop Run.
func TestRunLogsFailure(t *testing.T) {
	s := engines["sqlite"](t)
	if err := s.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	logs := make(records, 16)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		janitor.Run(ctx, janitor.Config{Store: s, Logger: slog.New(logs)})
	}()
	if rec := <-logs; rec["msg"] != "retention sweep failed" {
		t.Errorf("log record = %v, want a failed sweep", rec)
	}
	cancel()
	<-done
}
