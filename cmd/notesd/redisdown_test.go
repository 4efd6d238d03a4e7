package main

import (
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// tcpProxy forwards connections from a loopback listener to target until
// it is closed; closing it drops every connection, as a Redis outage would.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	p.wg.Go(func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			p.wg.Go(func() { io.Copy(out, in); out.Close() })
			p.wg.Go(func() { io.Copy(in, out); in.Close() })
		}
	})
	t.Cleanup(p.close)
	return p
}

func (p *tcpProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestServeRedisDown: when Redis stops answering, the limits keep holding
// (per replica, in memory) with a warning: never open (SPEC §3). The real
// Redis is reached through a proxy of the test's own, which it closes.
func TestServeRedisDown(t *testing.T) {
	redisURL := os.Getenv("NOTESD_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("NOTESD_TEST_REDIS_URL not set: Redis rate-limit test skipped")
	}
	t.Parallel()
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	s := startServer(t, envOf("NOTESD_SECRET_KEY="+randomSecret(), "NOTESD_REDIS_URL="+u.String()),
		"--database-url", "sqlite:"+filepath.Join(t.TempDir(), "n.db"), "--login-limit-per-account", "2")
	email := "down-" + strings.ToLower(rand.Text()) + "@example.com"
	register(t, s, email, "the right password")
	if code, _, _ := loginStatus(t, s, email, "a wrong password"); code != http.StatusUnauthorized {
		t.Fatalf("wrong login with Redis up = %d, want 401", code)
	}
	proxy.close()
	for i := 1; i <= 2; i++ {
		if code, _, _ := loginStatus(t, s, email, "a wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("wrong login %d with Redis down = %d, want 401", i, code)
		}
	}
	if code, _, _ := loginStatus(t, s, email, "a wrong password"); code != http.StatusTooManyRequests {
		t.Fatalf("third wrong login with Redis down = %d, want 429: the limit failed open", code)
	}
	if code, _, _ := loginStatus(t, s, email, "the right password"); code != http.StatusTooManyRequests {
		t.Fatalf("right password past the in-memory limit = %d, want 429", code)
	}
	s.shutdown(t)
	if !strings.Contains(s.stderr.String(), "counting in memory") {
		t.Errorf("no warning that the limits fell back to memory; stderr:\n%s", s.stderr)
	}
}
