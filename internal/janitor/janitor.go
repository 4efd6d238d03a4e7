// Package janitor deletes the rows that stopped working long ago (SPEC §5,
// retention): revoked and expired sessions, web sessions included, and
// used refresh tokens, and used or expired account tokens (password reset,
// e-mail verification), 30 days after they stopped working by default. It
// deletes in bounded batches, so on SQLite it never holds the write lock
// for long.
package janitor

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// Defaults of Config.
const (
	DefaultRetention = 30 * 24 * time.Hour
	DefaultBatch     = 1000
	DefaultEvery     = time.Hour
)

// Config is what a janitor runs with. Zero fields take the defaults.
type Config struct {
	Store accounts.Purger
	// Retention is how long a row is kept after it stopped working;
	// default 30 days.
	Retention time.Duration
	// Batch is the most rows of each kind one statement deletes; default
	// 1,000.
	Batch int
	// Every is the time between sweeps; default an hour.
	Every  time.Duration
	Logger *slog.Logger     // default slog.Default()
	Now    func() time.Time // default time.Now
}

func (c Config) withDefaults() Config {
	c.Retention = cmp.Or(c.Retention, DefaultRetention)
	c.Batch = cmp.Or(c.Batch, DefaultBatch)
	c.Every = cmp.Or(c.Every, DefaultEvery)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Sweep deletes everything that stopped working more than the retention
// before now, one batch per Purge call, until a call deletes less than a
// full batch of each kind. It returns what it deleted, also on an error.
func Sweep(ctx context.Context, c Config) (accounts.Purged, error) {
	c = c.withDefaults()
	p := accounts.Purge{Before: c.Now().Add(-c.Retention), Limit: c.Batch}
	var total accounts.Purged
	for {
		got, err := c.Store.Purge(ctx, p)
		total.Sessions += got.Sessions
		total.RefreshTokens += got.RefreshTokens
		total.AccountTokens += got.AccountTokens
		if err != nil {
			return total, fmt.Errorf("janitor: %w", err)
		}
		if got.Sessions < int64(c.Batch) && got.RefreshTokens < int64(c.Batch) && got.AccountTokens < int64(c.Batch) {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("janitor: %w", err)
		}
	}
}

// Run sweeps at once and then every c.Every until ctx ends, logging what
// each sweep deleted; a failed sweep is logged and retried at the next
// tick.
func Run(ctx context.Context, c Config) {
	c = c.withDefaults()
	tick := time.NewTicker(c.Every)
	defer tick.Stop()
	for {
		got, err := Sweep(ctx, c)
		if err != nil && ctx.Err() == nil {
			c.Logger.WarnContext(ctx, "retention sweep failed", "sessions", got.Sessions, "refresh_tokens", got.RefreshTokens,
				"account_tokens", got.AccountTokens, "error", err)
		} else if err == nil {
			c.Logger.InfoContext(ctx, "retention sweep", "sessions", got.Sessions, "refresh_tokens", got.RefreshTokens,
				"account_tokens", got.AccountTokens,
				"retention", c.Retention.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
