package mail_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-dev/gatehouse/mail"
)

// An Outbox writes each message as a file, for development or a server
// without a relay.
func ExampleOutbox() {
	dir, err := os.MkdirTemp("", "outbox")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var m mail.Mailer = mail.NewOutbox(dir)
	err = m.Send(context.Background(), mail.Message{
		To:      "alice@example.com",
		Subject: "Verify your e-mail address",
		Text:    "Open https://notes.example/verify?token=…\n",
	})
	if err != nil {
		log.Fatal(err)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	b, _ := os.ReadFile(files[0])
	info, _ := os.Stat(files[0])
	fmt.Println(len(files), "file, mode", info.Mode())
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "To:") || strings.HasPrefix(line, "Subject:") {
			fmt.Print(strings.TrimRight(line, "\r\n"), "\n")
		}
	}
	// Output:
	// 1 file, mode -rw-------
	// To: <alice@example.com>
	// Subject: Verify your e-mail address
}

// NewSMTP takes the relay's URL: smtp:// with STARTTLS (required unless
// the relay is on this machine) or smtps:// with TLS from the start, and
// the credentials for AUTH PLAIN.
func ExampleNewSMTP() {
	m, err := mail.NewSMTP("smtp://notesd:app%20password@smtp.example.com:587", "Notes <noreply@example.com>")
	if err != nil {
		log.Fatal(err)
	}
	var _ mail.Mailer = m // m.Send(ctx, mail.Message{…}) delivers one message
	fmt.Println("ready")
	// Output: ready
}
