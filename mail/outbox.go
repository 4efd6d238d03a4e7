package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Outbox is a Mailer that writes each message as a file into a directory
// instead of sending it: for development, and for a server without a
// relay. It is safe for concurrent use.
type Outbox struct {
	dir string
}

var _ Mailer = (*Outbox)(nil)

// NewOutbox returns a mailer writing into dir, which Send creates (mode
// 0700) when missing.
func NewOutbox(dir string) *Outbox { return &Outbox{dir: dir} }

// Dir returns the directory the outbox writes into.
func (o *Outbox) Dir() string { return o.dir }

// Send writes m as an RFC 5322 message (CRLF line ends, no From header:
// it has no sender) into a new file of the outbox, mode 0600, named
// YYYYMMDDTHHMMSS.nnnnnnnnnZ-RANDOM.eml so names sort by time and never
// collide. The file appears whole or not at all (written to a temporary
// file in the same directory, synced, then renamed). Nothing is logged.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	now := time.Now().UTC()
	msg, _, err := compose(m, nil, now)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	r, err := randomHex(8)
	if err != nil {
		return err
	}
	name := filepath.Join(o.dir, now.Format("20060102T150405.000000000Z")+"-"+r+".eml")
	if err := writeAtomic(o.dir, name, msg); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	return nil
}

// writeAtomic writes b to a temporary file in dir (mode 0600), syncs it
// and renames it to name.
func writeAtomic(dir, name string, b []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*.eml") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}
