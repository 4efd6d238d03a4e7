package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// baselineNote has the JSON shape of notesd's note view.
type baselineNote struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	OwnerID   int64     `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// baselineTime is the baseline note's time stamps: microseconds, as
// notesd stores them, so the JSON has the same length.
var baselineTime = time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC)

// baselineHandler is the baseline: a bare ServeMux answering GET
// /notes/{id} with a note the size and shape of a seeded one (encoded with
// encoding/json on every request), and GET /healthz. No auth, no database,
// no logging.
func baselineHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		b, err := json.Marshal(baselineNote{
			ID: id, Title: noteTitle(id), Body: noteBody, OwnerID: 1,
			CreatedAt: baselineTime, UpdatedAt: baselineTime,
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	return mux
}

// runBaseline runs "notesbench baseline --addr A": it serves the baseline
// on A (127.0.0.1 only), prints "baseline listening on http://ADDR", and
// stops when ctx ends.
func runBaseline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "`host:port` to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopbackOnly(*addr); err != nil {
		return err
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	srv := &http.Server{Handler: baselineHandler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "baseline listening on http://%s\n", ln.Addr())
	select {
	case err := <-served:
		return fmt.Errorf("baseline: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return errors.Join(fmt.Errorf("baseline: shutdown: %w", err), srv.Close())
	}
	return nil
}

// loopbackOnly refuses a listen address that is not on 127.0.0.1.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host != "127.0.0.1" {
		return fmt.Errorf("address %q: notesbench listens on 127.0.0.1 only", addr)
	}
	return nil
}
