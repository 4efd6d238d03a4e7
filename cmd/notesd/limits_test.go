package main

import (
	"crypto/rand"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// retryAfter returns the Retry-After seconds of a 429 response.
func retryAfter(t *testing.T, h http.Header) time.Duration {
	t.Helper()
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q, want a positive number of seconds", h.Get("Retry-After"))
	}
	return time.Duration(secs) * time.Second
}

func TestServeLoginLimitPerAccount(t *testing.T) {
	t.Parallel()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "n.db")
	s := startServer(t, envOf("NOTESD_SECRET_KEY="+randomSecret()), "--database-url", dbURL, "--login-limit-per-account", "2")
	register(t, s, "lim@example.com", "the right password")
	register(t, s, "other@example.com", "the right password")
	for i := 1; i <= 2; i++ {
		if code, _, _ := loginStatus(t, s, "lim@example.com", "a wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("wrong login %d = %d, want 401", i, code)
		}
	}
	code, h, _ := loginStatus(t, s, "LIM@example.com", "a wrong password")
	if code != http.StatusTooManyRequests {
		t.Fatalf("wrong login 3 = %d, want 429", code)
	}
	if d := retryAfter(t, h); d > defaultRateWindow {
		t.Errorf("Retry-After = %v, want at most the default window %v", d, defaultRateWindow)
	}
	if code, _, _ := loginStatus(t, s, "lim@example.com", "the right password"); code != http.StatusTooManyRequests {
		t.Errorf("right password past the limit = %d, want 429", code)
	}
	if code, _, _ := loginStatus(t, s, "other@example.com", "the right password"); code != http.StatusOK {
		t.Errorf("another account's login = %d, want 200", code)
	}
	s.shutdown(t)
}

func TestServeLimitsPerIP(t *testing.T) {
	t.Parallel()
	const clientA, clientB = "203.0.113.7", "203.0.113.8"
	// Attempts count before the body is read, so malformed ones (422) are
	// enough and cost no password hashing.
	register := func(t *testing.T, s *server, xff string) (int, http.Header) {
		t.Helper()
		code, h, _ := send(t, "POST", s.url+"/auth/register", "application/json", "{}", "X-Forwarded-For", xff)
		return code, h
	}
	loginAttempt := func(t *testing.T, s *server, xff string) (int, http.Header) {
		t.Helper()
		code, h, _ := send(t, "POST", s.url+"/auth/login", "application/x-www-form-urlencoded", "", "X-Forwarded-For", xff)
		return code, h
	}
	refreshAttempt := func(t *testing.T, s *server, xff string) (int, http.Header) {
		t.Helper()
		code, h, _ := send(t, "POST", s.url+"/auth/refresh", "application/x-www-form-urlencoded", "", "X-Forwarded-For", xff)
		return code, h
	}
	type attempt func(*testing.T, *server, string) (int, http.Header)

	t.Run("behind a trusted proxy", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, envOf("NOTESD_SECRET_KEY="+randomSecret(), "NOTESD_TRUSTED_PROXIES=127.0.0.0/8,::1", "NOTESD_REFRESH_LIMIT_PER_IP=1"),
			"--database-url", "sqlite:"+filepath.Join(t.TempDir(), "n.db"),
			"--register-limit-per-ip", "1", "--login-limit-per-ip", "1", "--rate-window", "3s")
		for name, try := range map[string]attempt{"register": register, "login": loginAttempt, "refresh": refreshAttempt} {
			if code, _ := try(t, s, clientA); code != http.StatusUnprocessableEntity {
				t.Errorf("%s 1 from %s = %d, want 422", name, clientA, code)
			}
			code, h := try(t, s, clientA)
			if code != http.StatusTooManyRequests {
				t.Fatalf("%s 2 from %s = %d, want 429", name, clientA, code)
			}
			if d := retryAfter(t, h); d > 3*time.Second {
				t.Errorf("%s: Retry-After = %v, want at most the 3s --rate-window", name, d)
			}
			// The proxy's X-Forwarded-For names another client, with its own count.
			if code, _ := try(t, s, clientB); code != http.StatusUnprocessableEntity {
				t.Errorf("%s 1 from %s = %d, want 422", name, clientB, code)
			}
		}
		s.shutdown(t)
	})

	t.Run("no trusted proxy", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, envOf("NOTESD_SECRET_KEY="+randomSecret(), "NOTESD_REGISTER_LIMIT_PER_IP=1"),
			"--database-url", "sqlite:"+filepath.Join(t.TempDir(), "n.db"), "--refresh-limit-per-ip", "1")
		for name, try := range map[string]attempt{"register": register, "refresh": refreshAttempt} {
			if code, _ := try(t, s, clientA); code != http.StatusUnprocessableEntity {
				t.Errorf("%s 1 = %d, want 422", name, code)
			}
			// X-Forwarded-For is not believed: both requests come from 127.0.0.1.
			if code, _ := try(t, s, clientB); code != http.StatusTooManyRequests {
				t.Errorf("%s 2 with another X-Forwarded-For = %d, want 429", name, code)
			}
		}
		s.shutdown(t)
	})
}

func TestServeCORS(t *testing.T) {
	t.Parallel()
	s := startServer(t, envOf("NOTESD_SECRET_KEY="+randomSecret()),
		"--database-url", "sqlite:"+filepath.Join(t.TempDir(), "n.db"),
		"--cors-origins", "https://app.example.com:443,http://localhost:3000")
	preflight := func(origin string) (int, http.Header) {
		code, h, _ := send(t, "OPTIONS", s.url+"/auth/login", "", "",
			"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		return code, h
	}
	for _, origin := range []string{"https://app.example.com", "http://localhost:3000"} {
		code, h := preflight(origin)
		if code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("preflight from %s = %d, Access-Control-Allow-Origin %q; want 204 and the origin",
				origin, code, h.Get("Access-Control-Allow-Origin"))
		}
		if h.Get("Access-Control-Allow-Methods") == "" {
			t.Errorf("preflight from %s: no Access-Control-Allow-Methods", origin)
		}
	}
	if _, h := preflight("https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from an unlisted origin got Access-Control-Allow-Origin %q", h.Get("Access-Control-Allow-Origin"))
	}
	// A simple request from an allowed origin is answered with the header too.
	_, h, _ := send(t, "GET", s.url+"/healthz", "", "", "Origin", "http://localhost:3000")
	if h.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("GET /healthz from an allowed origin: Access-Control-Allow-Origin %q", h.Get("Access-Control-Allow-Origin"))
	}
	s.shutdown(t)
}

// TestServeRedisLimitsShared: two replicas with one Redis count failed
// logins together (SPEC §3: shared across replicas through Redis).
func TestServeRedisLimitsShared(t *testing.T) {
	url := os.Getenv("NOTESD_TEST_REDIS_URL")
	if url == "" {
		t.Skip("NOTESD_TEST_REDIS_URL not set: Redis rate-limit test skipped")
	}
	t.Parallel()
	env := envOf("NOTESD_SECRET_KEY="+randomSecret(), "NOTESD_REDIS_URL="+url)
	a := startServer(t, env, "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "a.db"), "--login-limit-per-account", "2")
	b := startServer(t, env, "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "b.db"), "--login-limit-per-account", "2")
	email := "shared-" + strings.ToLower(rand.Text()) + "@example.com" // a fresh counter in a shared Redis
	for i, s := range []*server{a, b} {
		if code, _, _ := loginStatus(t, s, email, "a wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("wrong login %d = %d, want 401", i+1, code)
		}
	}
	if code, _, _ := loginStatus(t, a, email, "a wrong password"); code != http.StatusTooManyRequests {
		t.Fatalf("third wrong login, counted across both replicas = %d, want 429", code)
	}
	a.shutdown(t)
	b.shutdown(t)
}
