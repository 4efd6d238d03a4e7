package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

func TestLoginLimits(t *testing.T) {
	e := newEnv(t)
	ada, bob := e.register("ada@example.com"), e.register("bob@example.com")
	attempts := 2 // the registrations' logins count nothing; these two do below
	e.login(ada)
	e.login(bob)

	limitedAt := 0
	for i := 1; i <= 30; i++ {
		email := ada.Email
		if i%2 == 0 {
			email = strings.ToUpper(ada.Email) // case variants share the counter
		}
		res := e.do(req{method: "POST", path: "/auth/login", form: url.Values{"username": {email}, "password": {"wrong-password"}}})
		attempts++
		if res.code == 429 {
			limitedAt = i
			if ra, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
				t.Fatalf("Retry-After = %q, want 1..900 seconds", res.header.Get("Retry-After"))
			}
			if p := res.problem(t); p.Detail != "Too many requests" {
				t.Fatalf("429 detail = %q", p.Detail)
			}
			break
		}
		if res.code != 401 {
			t.Fatalf("wrong password #%d = %d, want 401", i, res.code)
		}
	}
	if limitedAt == 0 || limitedAt >= 15 {
		t.Fatalf("429 came at attempt %d, want before the 15th", limitedAt)
	}
	// Even the right password is refused until the window passes…
	e.must(429, req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {ada.password}}})
	attempts++
	// …but another account from the same address is served.
	e.login(bob)
	attempts++
	// Until the address's own limit (100 attempts per window).
	for ; attempts < 100; attempts++ {
		e.do(req{method: "POST", path: "/auth/login", form: url.Values{"username": {fmt.Sprintf("u%d@example.com", attempts)}, "password": {"whatever-1"}}})
	}
	e.must(429, req{method: "POST", path: "/auth/login", form: url.Values{"username": {bob.Email}, "password": {bob.password}}})
	// A different address is unaffected.
	e.must(200, req{method: "POST", path: "/auth/login", remoteAddr: "203.0.113.9:4000", form: url.Values{"username": {bob.Email}, "password": {bob.password}}})
}

func TestRegisterLimit(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.Limits.RegisterPerIP = 3 })
	for i := range 3 {
		e.register(fmt.Sprintf("u%d@example.com", i))
	}
	res := e.must(429, req{method: "POST", path: "/auth/register", json: map[string]string{"email": "late@example.com", "password": "password123", "name": "Late"}})
	if res.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestTrustedProxy(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) {
		c.Limits.RegisterPerIP = 1
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	})
	// Behind the trusted proxy each client address has its own limit.
	for i := range 3 {
		e.must(201, req{method: "POST", path: "/auth/register", header: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i)},
			json: map[string]string{"email": fmt.Sprintf("u%d@example.com", i), "password": "password123", "name": "U"}})
	}
	e.must(429, req{method: "POST", path: "/auth/register", header: map[string]string{"X-Forwarded-For": "198.51.100.0"},
		json: map[string]string{"email": "again@example.com", "password": "password123", "name": "U"}})
	// An untrusted peer's X-Forwarded-For is ignored.
	plain := newEnv(t, func(c *httpapi.Config) { c.Limits.RegisterPerIP = 1 })
	plain.must(201, req{method: "POST", path: "/auth/register", header: map[string]string{"X-Forwarded-For": "198.51.100.1"},
		json: map[string]string{"email": "a@example.com", "password": "password123", "name": "U"}})
	plain.must(429, req{method: "POST", path: "/auth/register", header: map[string]string{"X-Forwarded-For": "198.51.100.2"},
		json: map[string]string{"email": "b@example.com", "password": "password123", "name": "U"}})
}

// TestLoginFlood sends 200 concurrent logins with production argon2id
// parameters at a server whose hasher runs 2 workers and queues 8: the
// rest are refused at once with 503, the heap stays bounded and /healthz
// keeps answering. It is bounded in requests and time, on loopback only.
func TestLoginFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the login flood in -short mode")
	}
	e := newEnv(t, func(c *httpapi.Config) {
		c.Hasher = auth.NewHasher(auth.HasherConfig{Workers: 2, Queue: 8}) // default argon2id: 46 MiB a hash
		c.Limits.LoginPerIP = 1 << 20
		c.Limits.LoginPerAccount = 1 << 20
	})
	ada := e.register("ada@example.com")
	srv := httptest.NewServer(e.api)
	defer srv.Close()

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		mu       sync.Mutex
		codes    = map[int]int{}
		peakHeap uint64
		wg       sync.WaitGroup
	)
	done, sampled := make(chan struct{}), make(chan struct{})
	healthy := 0
	go func() { // sample the heap and /healthz while the flood runs
		defer close(sampled)
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			peakHeap = max(peakHeap, m.HeapInuse)
			mu.Unlock()
			if res, err := http.Get(srv.URL + "/healthz"); err == nil {
				if res.StatusCode == 200 {
					mu.Lock()
					healthy++
					mu.Unlock()
				}
				res.Body.Close()
			}
		}
	}()
	for i := range 200 {
		wg.Go(func() {
			form := url.Values{"username": {ada.Email}, "password": {ada.password}}
			if i%2 == 1 {
				form.Set("password", "wrong-password")
			}
			r, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/auth/login", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Errorf("login: %v", err)
				return
			}
			res.Body.Close()
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	close(done)
	<-sampled

	growth := int64(peakHeap) - int64(base.HeapInuse)
	t.Logf("200 concurrent logins: answers %v; heap in use peaked %d MiB above the start; /healthz answered %d times", codes, growth>>20, healthy)
	for code, n := range codes {
		if code != 200 && code != 401 && code != 503 {
			t.Errorf("%d answers of %d", n, code)
		}
	}
	if codes[503] == 0 {
		t.Error("no login was refused with 503: the pool did not bound the flood")
	}
	if codes[200] == 0 {
		t.Error("no login succeeded")
	}
	// 2 workers × 46 MiB live at once; the collector may let the heap reach
	// about twice the live size before it frees a finished hash, plus the
	// rest of the test. Unbounded, 200 logins would be 200 × 46 MiB ≈ 9 GiB.
	const bound = 400 << 20
	if growth > bound {
		t.Errorf("heap grew by %d MiB, want under %d MiB", growth>>20, bound>>20)
	}
	if healthy == 0 {
		t.Error("/healthz never answered during the flood")
	}
}
