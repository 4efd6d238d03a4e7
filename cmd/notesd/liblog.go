package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
)

// libraryLog is the logger of libraries that log through a process-wide
// hook (go-redis's redis.SetLogger, set once in main): serve points it at
// its own logger, so their lines come in the --log-format of every other
// line instead of as plain text. Until then it writes to slog.Default.
type libraryLog struct{ l atomic.Pointer[slog.Logger] }

// use sends the lines to l from now on.
func (g *libraryLog) use(l *slog.Logger) { g.l.Store(l) }

// Printf implements go-redis's logger interface: each line at level warn
// (go-redis logs only what went wrong).
func (g *libraryLog) Printf(ctx context.Context, format string, v ...any) {
	l := g.l.Load()
	if l == nil {
		l = slog.Default()
	}
	l.WarnContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
