package mail_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/mail"
)

// readOutbox returns the outbox files of dir, failing on anything else
// (a temporary file left behind).
func readOutbox(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir(outbox) = %v", err)
	}
	files := make(map[string][]byte)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("outbox holds %q, want only NAME.eml files", e.Name())
			continue
		}
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode(); mode != 0o600 {
			t.Errorf("outbox file %s has mode %v, want -rw-------", e.Name(), mode)
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func TestOutboxWritesMessage(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	o := mail.NewOutbox(dir)
	if err := o.Send(context.Background(), testMessage); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("Stat(outbox) = %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o700 {
		t.Errorf("outbox directory mode = %v, want 0700", mode)
	}
	files := readOutbox(t, dir)
	if len(files) != 1 {
		t.Fatalf("outbox holds %d files, want 1", len(files))
	}
	for _, b := range files {
		msg, err := netmail.ReadMessage(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("ReadMessage(outbox file) = %v\n%s", err, b)
		}
		if got := msg.Header.Get("To"); got != `"Bob" <bob@example.com>` {
			t.Errorf("To = %q, want Bob", got)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subject != testMessage.Subject {
			t.Errorf("Subject decodes to %q (%v), want %q", subject, err, testMessage.Subject)
		}
		if _, err := msg.Header.Date(); err != nil {
			t.Errorf("Date = %q: %v", msg.Header.Get("Date"), err)
		}
		if msg.Header.Get("Message-Id") == "" {
			t.Errorf("no Message-ID header")
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ReplaceAll(testMessage.Text, "\n", "\r\n"); string(body) != want {
			t.Errorf("body = %q, want %q", body, want)
		}
	}
}

func TestOutboxConcurrentSends(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := mail.NewOutbox(dir)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			m := testMessage
			m.Subject = "message " + strings.Repeat("x", i)
			errs <- o.Send(context.Background(), m)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Send = %v, want nil", err)
		}
	}
	files := readOutbox(t, dir)
	if len(files) != n {
		t.Fatalf("%d parallel sends left %d files, want %d", n, len(files), n)
	}
	subjects := make(map[string]bool)
	for _, b := range files {
		msg, err := netmail.ReadMessage(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("ReadMessage = %v", err)
		}
		subjects[msg.Header.Get("Subject")] = true
	}
	if len(subjects) != n {
		t.Errorf("outbox files hold %d distinct subjects, want %d", len(subjects), n)
	}
}

func TestOutboxRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := mail.NewOutbox(dir)
	if err := o.Send(context.Background(), mail.Message{To: "bob@example.com", Subject: "hi\r\nBcc: eve@example.com"}); !errors.Is(err, mail.ErrHeaderInjection) {
		t.Errorf("Send(CRLF in subject) = %v, want ErrHeaderInjection", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, testMessage); !errors.Is(err, context.Canceled) {
		t.Errorf("Send(cancelled ctx) = %v, want context.Canceled", err)
	}
	if files := readOutbox(t, dir); len(files) != 0 {
		t.Errorf("outbox holds %d files after refusals, want 0", len(files))
	}
}
