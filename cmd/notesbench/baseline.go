package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/gatehouse/internal/logline"
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
		b, err := encodeNote(id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /healthz", healthz)
	return mux
}

// healthz is GET /healthz of the encoding and verify baselines.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"ok"}`)
}

// encodeNote is the JSON of the note id as the encoding baseline writes it.
func encodeNote(id int64) ([]byte, error) {
	return json.Marshal(baselineNote{
		ID: id, Title: noteTitle(id), Body: noteBody, OwnerID: 1,
		CreatedAt: baselineTime, UpdatedAt: baselineTime,
	})
}

// fixedBodies holds the fixed baseline's precomputed answers: element d is
// the JSON of the note whose id is the smallest with d digits, encoded as
// the encoding baseline encodes it. Any id of d digits gives a note of the
// same shape and byte size (the title's number is zero-padded to 7
// digits, and grows with the id past that), so the fixed baseline answers
// every request with exactly as many bytes as the encoding one.
type fixedBodies [20][]byte

// newFixedBodies precomputes the fixed baseline's answers.
func newFixedBodies() (*fixedBodies, error) {
	var fb fixedBodies
	id := int64(1)
	for d := 1; d < len(fb); d++ {
		b, err := encodeNote(id)
		if err != nil {
			return nil, fmt.Errorf("fixed baseline: %w", err)
		}
		fb[d] = b
		if d < 19 {
			id *= 10
		}
	}
	return &fb, nil
}

// fixedBaselineHandler is the fixed baseline: the encoding baseline's
// routes, but GET /notes/{id} writes a precomputed body (see fixedBodies)
// with a shared Content-Type header value: the cost of net/http itself,
// with no JSON encoding at all.
func fixedBaselineHandler() (http.Handler, error) {
	fb, err := newFixedBodies()
	if err != nil {
		return nil, err
	}
	contentType := []string{"application/json"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		v := r.PathValue("id")
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 || len(v) >= len(fb) || v[0] == '0' {
			http.NotFound(w, r)
			return
		}
		w.Header()["Content-Type"] = contentType
		_, _ = w.Write(fb[len(v)])
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = contentType
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	return mux, nil
}

// verifySecretEnv is where the verify baseline gets notesd's HS256
// secret (not argv, which ps shows).
const verifySecretEnv = "NOTESBENCH_VERIFY_SECRET"

// verifyBaselineHandler is the verify baseline, the issue's "bare +
// HS256 verify + map": GET /notes/{id} and GET /me check the bearer token
// as notesd issues it (golang-jwt, HS256 pinned, iss, aud and exp
// required, sub a string) with secret, then answer the note, or the
// token's user in the shape of notesd's user view, from a map (encoded
// the first time it is asked for); GET /data checks the X-API-Key header
// by its SHA-256 against keys, as notesd stores keys, and answers notesd's
// data body. No session, no database, no logging. A missing or bad token
// or key is 401.
func verifyBaselineHandler(secret []byte, keys map[[sha256.Size]byte]bool) http.Handler {
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer("notesd"),
		jwt.WithAudience("notesd"), jwt.WithExpirationRequired())
	key := func(*jwt.Token) (any, error) { return secret, nil }
	subject := func(r *http.Request) (string, bool) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var claims jwt.RegisteredClaims
		if !ok {
			return "", false
		}
		if _, err := p.ParseWithClaims(tok, &claims, key); err != nil || claims.Subject == "" {
			return "", false
		}
		return claims.Subject, true
	}
	notes := &memo[int64]{m: map[int64][]byte{}, encode: encodeNote}
	users := &memo[string]{m: map[string][]byte{}, encode: encodeUser}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := subject(r); !ok {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		notes.serve(w, id)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		sub, ok := subject(r)
		if !ok {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		users.serve(w, sub)
	})
	dataBody := []byte(`{"data":"secret"}`)
	mux.HandleFunc("GET /data", func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-API-Key")
		if key == "" || !keys[sha256.Sum256([]byte(key))] {
			http.Error(w, "bad key", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(dataBody)
	})
	mux.HandleFunc("GET /healthz", healthz)
	return mux
}

// verifyKeysEnv is where the verify baseline finds the file of the
// seeded API keys' SHA-256 hashes, one in hex per line.
const verifyKeysEnv = "NOTESBENCH_VERIFY_KEYS"

// writeKeyHashes writes the SHA-256 of each key to path, one in hex per
// line: the verify baseline's keys, without the keys themselves.
func writeKeyHashes(path string, keys []sampleKey) error {
	var b strings.Builder
	for _, k := range keys {
		h := sha256.Sum256([]byte(k.Key))
		b.WriteString(hex.EncodeToString(h[:]) + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// readKeyHashes reads a file writeKeyHashes wrote.
func readKeyHashes(path string) (map[[sha256.Size]byte]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys := map[[sha256.Size]byte]bool{}
	for i, line := range strings.Fields(string(b)) {
		var h [sha256.Size]byte
		if len(line) != hex.EncodedLen(sha256.Size) {
			return nil, fmt.Errorf("%s:%d: not a hex SHA-256", path, i+1)
		}
		if _, err := hex.Decode(h[:], []byte(line)); err != nil {
			return nil, fmt.Errorf("%s:%d: not a hex SHA-256", path, i+1)
		}
		keys[h] = true
	}
	return keys, nil
}

// memo is the verify baseline's map: the JSON answer for each key,
// encoded the first time it is asked for. Safe for concurrent use.
type memo[K comparable] struct {
	mu     sync.RWMutex
	m      map[K][]byte
	encode func(K) ([]byte, error)
}

// serve writes k's answer.
func (c *memo[K]) serve(w http.ResponseWriter, k K) {
	c.mu.RLock()
	b, ok := c.m[k]
	c.mu.RUnlock()
	if !ok {
		var err error
		if b, err = c.encode(k); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		c.mu.Lock()
		c.m[k] = b
		c.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// baselineUser has the JSON shape of notesd's user view.
type baselineUser struct {
	ID         int64     `json:"id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	IsActive   bool      `json:"is_active"`
	IsVerified bool      `json:"is_verified"`
	CreatedAt  time.Time `json:"created_at"`
}

// encodeUser is the verify baseline's GET /me answer for the user sub
// (notesd's user ids are decimal).
func encodeUser(sub string) ([]byte, error) {
	id, err := strconv.ParseInt(sub, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("sub %q is not a user id", sub)
	}
	return json.Marshal(baselineUser{ID: id, Email: "user" + sub + "@bench.example", Name: "User " + sub,
		Role: "user", IsActive: true, CreatedAt: baselineTime})
}

// guarded wraps the fixed baseline's handler h with what notesd adds to
// every answer whatever its route: the security headers of SPEC §7
// (nosniff, no-store, the CSP and referrer policy), a request id (§8),
// and a request line with notesd's attributes logged through log, which
// writes each line before the answer goes out (notesd's own handler,
// internal/logline, on an unbuffered file: lines logged at the same time
// share one write(2), as in notesd). It measures what
// those guarantees cost net/http alone, without notesd's code. Without
// headers it sets none of them but the request id; with a nil log it logs
// nothing.
func guarded(h http.Handler, headers bool, log *slog.Logger) http.Handler {
	// Values shared by every answer, as notesd shares its own: net/http
	// copies the header map before it writes it.
	shared := []struct {
		k string
		v []string
	}{
		{"Cache-Control", []string{"no-store"}},
		{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
		{"Referrer-Policy", []string{"no-referrer"}},
		{"X-Content-Type-Options", []string{"nosniff"}},
	}
	var n atomic.Uint64
	prefix := strconv.FormatUint(uint64(time.Now().UnixNano())&0xffffffffffff, 16) + "-"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		hd := w.Header()
		if headers {
			for _, kv := range shared {
				hd[kv.k] = kv.v
			}
		}
		id := prefix + strconv.FormatUint(n.Add(1), 10)
		hd["X-Request-Id"] = []string{id}
		cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(cw, r)
		if log == nil {
			return
		}
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", id), slog.String("ip", ip),
			slog.String("method", r.Method), slog.String("route", r.Pattern), slog.Int("status", cw.status),
			slog.Int("bytes", cw.bytes), slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
	})
}

// countingWriter records the status and body size of an answer.
type countingWriter struct {
	http.ResponseWriter
	status, bytes int
}

func (c *countingWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.bytes += n
	return n, err
}

// runBaseline runs "notesbench baseline --addr A [--fixed [--guarded] | --verify]":
// it serves the encoding baseline (with --fixed the fixed one, with
// --guarded what notesd adds to every answer as well, with
// --verify the verify one, its secret from NOTESBENCH_VERIFY_SECRET and
// its API keys' hashes from the file NOTESBENCH_VERIFY_KEYS names) on A
// (127.0.0.1 only), prints "baseline listening on http://ADDR", and stops
// when ctx ends.
func runBaseline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "`host:port` to listen on")
	fixed := fs.Bool("fixed", false, "serve precomputed bodies instead of encoding each note")
	guard := fs.Bool("guarded", false, "with --fixed: add what notesd adds to every answer (its response headers, a request id, a request line logged to stderr, its server timeouts)")
	without := fs.String("without", "", "with --guarded: comma-separated guarantees to leave out, of headers, log and timeouts (to price each)")
	verify := fs.Bool("verify", false, "check each request's HS256 bearer token (secret from "+verifySecretEnv+
		") or API key (SHA-256 hashes from the file "+verifyKeysEnv+" names) and answer from a map")
	if err := fs.Parse(args); err != nil {
		return err
	}
	handler := baselineHandler()
	switch {
	case *fixed && *verify:
		return errors.New("baseline: --fixed or --verify, not both")
	case *verify:
		secret := os.Getenv(verifySecretEnv)
		if secret == "" {
			return errors.New("baseline: --verify needs the secret in " + verifySecretEnv)
		}
		var keys map[[sha256.Size]byte]bool
		if path := os.Getenv(verifyKeysEnv); path != "" {
			var err error
			if keys, err = readKeyHashes(path); err != nil {
				return fmt.Errorf("baseline: %w", err)
			}
		}
		handler = verifyBaselineHandler([]byte(secret), keys)
	}
	if *fixed {
		var err error
		if handler, err = fixedBaselineHandler(); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	if *guard {
		if !*fixed {
			return errors.New("baseline: --guarded needs --fixed")
		}
		off := map[string]bool{}
		for _, g := range strings.Split(*without, ",") {
			switch g {
			case "":
			case "headers", "log", "timeouts":
				off[g] = true
			default:
				return fmt.Errorf("baseline: --without %q: not one of headers, log, timeouts", g)
			}
		}
		var log *slog.Logger
		if !off["log"] {
			log = slog.New(logline.NewText(stderr, nil))
		}
		srv.Handler = guarded(handler, !off["headers"], log)
		if !off["timeouts"] {
			// notesd's (cmd/notesd/serve.go): net/http sets a deadline
			// for each phase of a request.
			srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout = 30*time.Second, 30*time.Second, 120*time.Second
		}
	} else if *without != "" {
		return errors.New("baseline: --without needs --guarded")
	}
	if err := loopbackOnly(*addr); err != nil {
		return err
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
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
