package main

import (
	"context"
	"log/slog"

	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
)

// openStreams returns the event hub of this process and where note
// changes are published: the hub itself on SQLite (one process), a
// PostgreSQL NOTIFY on PostgreSQL, whose listener feeds the hub of every
// replica. stop ends the listener and waits for it.
func openStreams(ctx context.Context, db store, maxPerUser int, logger *slog.Logger) (hub *events.Hub, publish notes.Events, stop func(), err error) {
	hub = events.NewHub(events.Config{MaxPerUser: maxPerUser})
	pg, ok := db.(*postgres.DB)
	if !ok {
		return hub, hub, func() {}, nil
	}
	notifier, err := pg.Notifier(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	lctx, cancel := context.WithCancel(ctx)
	wait, err := notifier.Listen(lctx, hub.Deliver, logger)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return hub, notifier, func() { cancel(); wait() }, nil
}
