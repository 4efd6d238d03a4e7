package main

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestShutdownClosesSockets: on SIGTERM, a client of GET /notes/ws gets
// the close frame 1001 (going away, so it reconnects elsewhere), not a
// connection that just ends (1006), and the process exits only after
// every socket's handler has finished: each socket's request line is in
// the log, even for clients slow to answer the close handshake.
// http.Server.Shutdown does not wait for hijacked connections.
func TestShutdownClosesSockets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals a notesd process")
	}
	cmd, base, logPath := startChild(t, buildNotesd(t), "--drain-delay", "0s", "--shutdown-timeout", "5s", "--max-streams-per-user", "64")
	s := &server{url: base}
	register(t, s, "ws-drain@example.com", "correct horse battery")
	tok := login(t, s, "ws-drain@example.com", "correct horse battery")

	const sockets = 32
	conns := make([]*websocket.Conn, sockets)
	for i := range conns {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/notes/ws",
			&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}}})
		cancel()
		if err != nil {
			t.Fatalf("GET /notes/ws: %v", err)
		}
		defer c.CloseNow()
		conns[i] = c
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Clients slow to answer the close handshake: the handlers wait for
	// their answer (up to the shutdown timeout), and so must the process.
	time.Sleep(500 * time.Millisecond)
	for i, c := range conns {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		_, _, err := c.Read(ctx)
		cancel()
		if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
			t.Errorf("socket %d after SIGTERM: read = %v (close status %d), want close %d (going away)",
				i, err, got, websocket.StatusGoingAway)
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			t.Errorf("notesd exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("notesd did not exit after SIGTERM")
	}
	var logged int
	for _, l := range jsonLines(t, logPath) {
		if l["msg"] == "request" && l["route"] == "GET /notes/ws" {
			logged++
		}
	}
	if logged != sockets {
		t.Errorf("%d request lines of GET /notes/ws logged before exit, want %d", logged, sockets)
	}
}
