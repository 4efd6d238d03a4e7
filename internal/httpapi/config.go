package httpapi

import (
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Config is what the API is built from.
type Config struct {
	Store      notes.Store
	Keyring    *auth.Keyring
	Hasher     *auth.Hasher
	AccessTTL  time.Duration // default 30m
	RefreshTTL time.Duration // default 30 days
	// AllowQueryAPIKey accepts API keys in the api_key query parameter too.
	AllowQueryAPIKey bool
	Logger           *slog.Logger
	Now              func() time.Time // default time.Now
}

func (c *Config) defaults() {
	if c.AccessTTL == 0 {
		c.AccessTTL = 30 * time.Minute
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = 30 * 24 * time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}
