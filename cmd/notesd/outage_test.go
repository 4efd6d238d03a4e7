package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// testDBTimeout is the --db-timeout of the outage tests: short, so a
// stalled database answers 503 quickly.
const testDBTimeout = "300ms"

// outageClient registers and logs in a user on s and checks answers while
// the database is up or down.
type outageClient struct {
	t     *testing.T
	s     *server
	token string
}

// newOutageClient registers and logs in a user on s while the database
// works.
func newOutageClient(t *testing.T, s *server) *outageClient {
	t.Helper()
	code, body := call(t, "POST", s.url+"/auth/register", "application/json",
		`{"email":"erin@example.com","password":"erin's password","name":"Erin"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /auth/register = %d %s, want 201", code, body)
	}
	form := url.Values{"username": {"erin@example.com"}, "password": {"erin's password"}}.Encode()
	code, body = call(t, "POST", s.url+"/auth/login", "application/x-www-form-urlencoded", form)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); code != http.StatusOK || err != nil {
		t.Fatalf("POST /auth/login = %d %s, want 200", code, body)
	}
	return &outageClient{t: t, s: s, token: tok.AccessToken}
}

// requests are the calls each outage test makes: a read of the session
// (every authenticated request), a write, and the readiness probe.
func (c *outageClient) requests() []struct{ method, path, body string } {
	return []struct{ method, path, body string }{
		{"GET", "/me", ""},
		{"POST", "/notes", `{"title":"t","body":"b"}`},
		{"GET", "/readyz", ""},
	}
}

// wantUp checks that every request succeeds and /readyz reports the
// database ok.
func (c *outageClient) wantUp(when string) {
	c.t.Helper()
	for _, r := range c.requests() {
		code, _, body := send(c.t, r.method, c.s.url+r.path, "application/json", r.body, "Authorization", "Bearer "+c.token)
		if code >= 300 {
			c.t.Errorf("%s: %s %s = %d %s, want success", when, r.method, r.path, code, body)
		}
		if r.path == "/readyz" && !strings.Contains(body, `"database":"ok"`) {
			c.t.Errorf("%s: GET /readyz body = %s, want the database named ok", when, body)
		}
	}
}

// wantUnavailable checks that every request is 503 "Service unavailable"
// with Retry-After, that no body shows storage internals, that /readyz
// names the database unavailable, and that the log says why.
func (c *outageClient) wantUnavailable(when string) {
	c.t.Helper()
	for _, r := range c.requests() {
		code, h, body := send(c.t, r.method, c.s.url+r.path, "application/json", r.body, "Authorization", "Bearer "+c.token)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(body, `"Service unavailable"`) {
			c.t.Errorf("%s: %s %s = %d (Retry-After %q) %s, want 503 Service unavailable with Retry-After",
				when, r.method, r.path, code, h.Get("Retry-After"), body)
		}
		if h.Get("Content-Type") != "application/problem+json" {
			c.t.Errorf("%s: %s %s Content-Type = %q, want application/problem+json", when, r.method, r.path, h.Get("Content-Type"))
		}
		for _, leak := range []string{"SELECT", "INSERT", "sqlite", "SQLITE", "postgres", "dial", "127.0.0.1", "goroutine"} {
			if strings.Contains(body, leak) {
				c.t.Errorf("%s: %s %s body shows %q: %s", when, r.method, r.path, leak, body)
			}
		}
		if r.path == "/readyz" && !strings.Contains(body, `"database":"unavailable"`) {
			c.t.Errorf("%s: GET /readyz body = %s, want the database named unavailable", when, body)
		}
	}
	// The log is written in batches: wait for the warning.
	deadline := time.Now().Add(waitLimit)
	for !regexp.MustCompile(`level=WARN msg="request failed: service unavailable".*error="[^"]*storage unavailable: `).MatchString(c.s.stderr.String()) {
		if time.Now().After(deadline) {
			c.t.Errorf("%s: the log has no warning naming the storage unavailable:\n%s", when, c.s.stderr)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pgProxy is a TCP proxy in front of the test PostgreSQL that can refuse
// connections (its listener and connections closed) or blackhole them
// (accepted, never forwarded), then recover. The real server is never
// touched.
type pgProxy struct {
	t      *testing.T
	target string
	addr   string

	mu      sync.Mutex
	ln      net.Listener
	stalled chan struct{} // closed when the blackhole ends; nil while forwarding
	conns   map[net.Conn]struct{}
}

// newPGProxy starts a proxy to target (host:port), closed when t ends.
func newPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	p := &pgProxy{t: t, target: target, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() { p.refuse() })
	return p
}

func (p *pgProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
}

// track records c to be closed by refuse or recover; false when the proxy
// is refusing.
func (p *pgProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *pgProxy) handle(client net.Conn) {
	if !p.track(client) {
		client.Close()
		return
	}
	p.mu.Lock()
	stalled := p.stalled
	p.mu.Unlock()
	if stalled != nil { // accepted, never answered
		<-stalled
		client.Close()
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(up) {
		up.Close()
		client.Close()
		return
	}
	go p.pipe(up, client)
	p.pipe(client, up)
}

// pipe copies from src to dst, holding the data while the proxy stalls.
func (p *pgProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		stalled := p.stalled
		p.mu.Unlock()
		if stalled != nil {
			<-stalled
			return // the held connection is dropped when the blackhole ends
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}

// closeConns closes every tracked connection.
func (p *pgProxy) closeConns() {
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// refuse closes the listener and every connection: new connections are
// refused, open ones reset.
func (p *pgProxy) refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	if p.stalled != nil {
		close(p.stalled)
		p.stalled = nil
	}
	p.closeConns()
}

// blackhole makes the proxy accept connections and hold every byte,
// answering nothing, as a stalled server or a dropped network does.
func (p *pgProxy) blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled == nil {
		p.stalled = make(chan struct{})
	}
}

// recover forwards again, on the same address; held connections are
// dropped.
func (p *pgProxy) recover() {
	p.mu.Lock()
	if p.stalled != nil {
		close(p.stalled)
		p.stalled = nil
	}
	p.closeConns()
	listening := p.ln != nil
	p.mu.Unlock()
	if listening {
		return
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// TestPostgresOutage runs notesd serve on PostgreSQL through a proxy that
// refuses, then blackholes, the database's connections (SPEC §2, §5
// Deadlines): requests and /readyz answer 503 with Retry-After instead of
// 500 or hanging, and 200 again once the proxy recovers, without a restart.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	dbURL := postgresSchemaURL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newPGProxy(t, u.Host)
	u.Host = proxy.addr
	s := startServer(t, envOf("NOTESD_DATABASE_URL="+u.String(), "NOTESD_SECRET_KEY="+randomSecret()),
		"--db-timeout", testDBTimeout)
	c := newOutageClient(t, s)
	c.wantUp("before the outage")

	proxy.refuse()
	c.wantUnavailable("while PostgreSQL refuses connections")
	proxy.recover()
	c.wantUp("after connections are accepted again")

	proxy.blackhole()
	c.wantUnavailable("while PostgreSQL is stalled")
	proxy.recover()
	c.wantUp("after the stall")
}

// TestLegacyTokenPostgresOutage: a legacy FastAPI token's user lookup
// (--legacy-token-secret) answers 503 with Retry-After while PostgreSQL
// refuses or stalls, as a session lookup does, never 500, a hang, or a
// user the database did not confirm; and 200 again once it recovers.
func TestLegacyTokenPostgresOutage(t *testing.T) {
	t.Parallel()
	dbURL := postgresSchemaURL(t)
	secret := randomSecret()
	if _, stderr, err := runCmd(t, envOf("NOTESD_DATABASE_URL="+dbURL, "NOTESD_SECRET_KEY="+secret), "",
		"import", "fastapi", "--from", "sqlite:"+fastapiDB(t)); err != nil {
		t.Fatalf("import fastapi = %v; stderr:\n%s", err, stderr)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newPGProxy(t, u.Host)
	u.Host = proxy.addr
	s := startServer(t, envOf("NOTESD_DATABASE_URL="+u.String(), "NOTESD_SECRET_KEY="+secret),
		"--db-timeout", testDBTimeout, "--legacy-token-secret", lessonSecretKey,
		"--legacy-token-until", time.Now().Add(time.Hour).Format(time.RFC3339))
	token := lessonToken(t, lessonSecretKey, "1", time.Now().Add(30*time.Minute)) // alice, the old app's user 1
	// get checks one GET /me: 200 as alice, or 503 problem+json with
	// Retry-After, within the deadline; it returns the status.
	get := func(when string) int {
		t.Helper()
		start := time.Now()
		code, h, body := send(t, "GET", s.url+"/me", "", "", "Authorization", "Bearer "+token)
		switch {
		case code == http.StatusOK && !strings.Contains(body, `"email":"alice@example.com"`):
			t.Errorf("%s: GET /me with a legacy token = %s, want alice", when, body)
		case code == http.StatusServiceUnavailable && (h.Get("Retry-After") == "" || h.Get("Content-Type") != "application/problem+json"):
			t.Errorf("%s: GET /me = 503 with Retry-After %q, Content-Type %q; want both", when, h.Get("Retry-After"), h.Get("Content-Type"))
		case code != http.StatusOK && code != http.StatusServiceUnavailable:
			t.Errorf("%s: GET /me with a legacy token = %d %s, want 200 or 503", when, code, body)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: GET /me took %v, beyond --db-timeout %s", when, d, testDBTimeout)
		}
		return code
	}
	down := func(when string) {
		t.Helper()
		if code := get(when); code != http.StatusServiceUnavailable {
			t.Errorf("%s: GET /me with a legacy token = %d, want 503", when, code)
		}
	}
	// up waits for a 200: the first requests after a recovery may still
	// meet a pooled connection the outage broke, and answer 503 (never
	// anything else).
	up := func(when string) {
		t.Helper()
		for deadline := time.Now().Add(waitLimit); get(when) != http.StatusOK; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: GET /me with a legacy token is not 200 after %v", when, waitLimit)
			}
		}
	}
	if code := get("before the outage"); code != http.StatusOK {
		t.Fatalf("before the outage: GET /me with a legacy token = %d, want 200", code)
	}
	proxy.refuse()
	down("while PostgreSQL refuses connections")
	proxy.recover()
	up("after connections are accepted again")
	proxy.blackhole()
	down("while PostgreSQL is stalled")
	proxy.recover()
	up("after the stall")
}
