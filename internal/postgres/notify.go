package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// maxPayload is how large a NOTIFY payload is sent with the note in it;
// PostgreSQL refuses payloads of 8000 bytes or more, so a larger note goes
// as ids only and the receiving stream reads it through its owner's view.
const maxPayload = 7000

// Notifier carries note events between the replicas that share one
// PostgreSQL database (and schema) with LISTEN/NOTIFY: Publish sends a
// NOTIFY, Listen holds one connection of its own that receives them all,
// the sending replica's included. Events sent while a listener is
// reconnecting are lost to it (a stream can tell by a reset on resume).
type Notifier struct {
	db      *DB
	channel string
}

var _ notes.Events = (*Notifier)(nil)

// Notifier returns the notifier of db's schema: its channel is named after
// the schema, so databases of several schemas do not hear each other.
func (db *DB) Notifier(ctx context.Context) (*Notifier, error) {
	var schema string
	if err := db.Pool().QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("postgres: notifier: %w", err)
	}
	return &Notifier{db: db, channel: "notesd_notes_" + schema}, nil
}

// payload is an event as NOTIFY carries it.
type payload struct {
	Kind    string      `json:"k"`
	OwnerID int64       `json:"o"`
	NoteID  int64       `json:"n"`
	Note    *notes.Note `json:"note,omitempty"`
}

// Publish sends e to every replica's listener, the note left out when it
// would not fit in a NOTIFY.
func (n *Notifier) Publish(ctx context.Context, e notes.Event) error {
	p := payload{Kind: e.Kind, OwnerID: e.OwnerID, NoteID: e.NoteID, Note: e.Note}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("postgres: notify: %w", err)
	}
	if len(b) > maxPayload {
		p.Note = nil
		if b, err = json.Marshal(p); err != nil {
			return fmt.Errorf("postgres: notify: %w", err)
		}
	}
	if _, err := n.db.Pool().Exec(ctx, `SELECT pg_notify($1, $2)`, n.channel, string(b)); err != nil {
		return fmt.Errorf("postgres: notify: %w", err)
	}
	return nil
}

// Listen connects a listener and hands every event that arrives to
// deliver, until ctx ends; the returned wait blocks until it stopped. The
// first connection is made before Listen returns (its error is returned);
// a lost one is made again, with a pause, and logged.
func (n *Notifier) Listen(ctx context.Context, deliver func(notes.Event), logger *slog.Logger) (wait func(), err error) {
	conn, err := n.listen(ctx)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			err := n.receive(ctx, conn, deliver, logger)
			_ = conn.Close(context.WithoutCancel(ctx))
			if ctx.Err() != nil {
				return
			}
			logger.WarnContext(ctx, "note events listener lost its connection; reconnecting", "error", err)
			for conn = nil; conn == nil; {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
				if conn, err = n.listen(ctx); err != nil && ctx.Err() == nil {
					logger.WarnContext(ctx, "note events listener cannot reconnect", "error", err)
				}
			}
		}
	}()
	return func() { <-done }, nil
}

// listen opens a connection of its own and LISTENs on the channel.
func (n *Notifier) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, n.db.Pool().Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{n.channel}.Sanitize()); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	return conn, nil
}

// receive delivers notifications until the connection fails or ctx ends.
func (n *Notifier) receive(ctx context.Context, conn *pgx.Conn, deliver func(notes.Event), logger *slog.Logger) error {
	for {
		msg, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("postgres: listen: %w", err)
		}
		var p payload
		if err := json.Unmarshal([]byte(msg.Payload), &p); err != nil {
			logger.WarnContext(ctx, "note event not understood", "error", errors.New("bad payload"))
			continue
		}
		if p.Note != nil && (p.Note.OwnerID != p.OwnerID || p.Note.ID != p.NoteID) {
			p.Note = nil // inconsistent: let the stream read the note itself
		}
		deliver(notes.Event{Kind: p.Kind, OwnerID: p.OwnerID, NoteID: p.NoteID, Note: p.Note})
	}
}
