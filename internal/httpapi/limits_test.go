package httpapi_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/ratelimit"
	"github.com/gatehouse-dev/gatehouse/ratelimit/redisrate"
	"github.com/redis/go-redis/v9"
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

// TestLimitKeys: an IPv6 client is limited by its /64 and an IPv4-mapped
// address shares the IPv4 address's counter, directly and through the
// X-Forwarded-For of a trusted proxy.
func TestLimitKeys(t *testing.T) {
	tests := []struct {
		name           string
		first, second  string // peer addresses, or X-Forwarded-For values behind the proxy
		xff, sameLimit bool
	}{
		{name: "same IPv6 /64", first: "[2001:db8:1:2::1]:1000", second: "[2001:db8:1:2:ffff:ffff:ffff:fffe]:1001", sameLimit: true},
		{name: "another IPv6 /64", first: "[2001:db8:1:2::1]:1000", second: "[2001:db8:1:3::1]:1000"},
		{name: "IPv4-mapped and IPv4", first: "[::ffff:192.0.2.7]:1000", second: "192.0.2.7:1001", sameLimit: true},
		{name: "another IPv4", first: "192.0.2.7:1000", second: "192.0.2.8:1000"},
		{name: "forwarded IPv6 /64", first: "2001:db8:5:6::1", second: "2001:db8:5:6:a:b:c:d", xff: true, sameLimit: true},
		{name: "forwarded IPv4-mapped", first: "::ffff:198.51.100.3", second: "198.51.100.3", xff: true, sameLimit: true},
		{name: "forwarded other /64", first: "2001:db8:5:6::1", second: "2001:db8:5:7::1", xff: true},
	}
	for _, tt := range tests {
		for _, path := range []string{"/auth/register", "/auth/login"} {
			t.Run(tt.name+" "+path, func(t *testing.T) {
				e := newEnv(t, func(c *httpapi.Config) {
					c.Limits.RegisterPerIP, c.Limits.LoginPerIP = 1, 1
					c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
				})
				// An empty body is 422 and costs no hashing, but counts.
				attempt := func(addr string) int {
					r := req{method: "POST", path: path, raw: "{}", contentType: "application/json", remoteAddr: addr}
					if tt.xff {
						r.remoteAddr, r.header = "10.0.0.1:4000", map[string]string{"X-Forwarded-For": addr}
					}
					return e.do(r).code
				}
				if code := attempt(tt.first); code == 429 {
					t.Fatalf("first attempt from %s = 429", tt.first)
				}
				code := attempt(tt.second)
				if tt.sameLimit && code != 429 {
					t.Fatalf("second attempt from %s (same client as %s) = %d, want 429", tt.second, tt.first, code)
				}
				if !tt.sameLimit && code == 429 {
					t.Fatalf("attempt from %s = 429: limited by %s's counter", tt.second, tt.first)
				}
			})
		}
	}
}

// TestLoginLongUsername: a username over 254 bytes is 422 and counts
// nothing against an account, on the API and in the web UI.
func TestLoginLongUsername(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.Limits.LoginPerAccount = 1 })
	long := strings.Repeat("a", 255-len("@example.com")) + "@example.com"
	for i := range 3 {
		res := e.must(422, req{method: "POST", path: "/auth/login", form: url.Values{"username": {long}, "password": {"wrong-password"}}})
		if p := res.problem(t); len(p.Errors) != 1 || p.Errors[0].Location != "body.username" {
			t.Fatalf("attempt %d: errors %+v, want one at body.username", i, p.Errors)
		}
	}
	// 254 bytes is an e-mail like any other: a wrong password is 401, then the account is limited.
	e.must(401, req{method: "POST", path: "/auth/login", form: url.Values{"username": {long[1:]}, "password": {"wrong-password"}}})
	e.must(429, req{method: "POST", path: "/auth/login", form: url.Values{"username": {long[1:]}, "password": {"wrong-password"}}})
}

// limitCounters are the counters the account-limit tests run on: memory,
// and Redis when NOTESD_TEST_REDIS_URL is set.
func limitCounters(t *testing.T) map[string]func(t *testing.T) ratelimit.Counter {
	return map[string]func(t *testing.T) ratelimit.Counter{
		"memory": func(*testing.T) ratelimit.Counter { return nil }, // the default
		"redis": func(t *testing.T) ratelimit.Counter {
			u := os.Getenv("NOTESD_TEST_REDIS_URL")
			if u == "" {
				t.Skip("NOTESD_TEST_REDIS_URL not set: Redis rate-limit test skipped")
			}
			opts, err := redis.ParseURL(u)
			if err != nil {
				t.Fatal(err)
			}
			c := redis.NewClient(opts)
			t.Cleanup(func() { c.Close() })
			return redisrate.New(c, 15*time.Minute, "gatehouse-test:"+rand.Text()+":")
		},
	}
}

// TestLoginBurst: with one failure left in an account's budget, a burst
// of 20 parallel logins (one with the right password) gets at most one
// password checked; the others are 429 without being checked. Once the
// budget is gone the right password is 429.
func TestLoginBurst(t *testing.T) {
	for name, counter := range limitCounters(t) {
		t.Run(name, func(t *testing.T) {
			const limit = 10
			e := newEnv(t, func(c *httpapi.Config) {
				c.Limits.Counter = counter(t)
				c.Limits.LoginPerAccount = limit
				c.Limits.LoginPerIP = 1 << 20
				// One worker with 8 MiB hashes: the burst queues behind the
				// first hash (none is refused with 503), so every login of it
				// passes the account check before any failure is counted
				// unless the check reserves the failure.
				c.Hasher = auth.NewHasher(auth.HasherConfig{Params: auth.Argon2Params{Memory: 8 << 10, Time: 1, Threads: 1}, Workers: 1, Queue: 32})
			})
			ada := e.register("ada@example.com")
			for range limit - 1 {
				e.must(401, req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {"wrong-password"}}})
			}
			const burst = 20
			codes := make([]int, burst)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range burst {
				wg.Go(func() {
					f := url.Values{"username": {ada.Email}, "password": {"wrong-password"}}
					if i == burst/2 {
						f.Set("password", ada.password)
					}
					<-start
					codes[i] = e.do(req{method: "POST", path: "/auth/login", form: f}).code
				})
			}
			close(start)
			wg.Wait()
			checked := 0
			for i, code := range codes {
				switch code {
				case 200, 401:
					checked++
				case 429:
				default:
					t.Errorf("login %d = %d", i, code)
				}
			}
			t.Logf("burst answers: %v", codes)
			if checked > 1 {
				t.Fatalf("%d passwords of the burst were checked (answers %v), want at most the 1 left in the budget", checked, codes)
			}
			if codes[burst/2] == 200 {
				return // the right password took the last slot, and it was refunded
			}
			e.must(429, req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {ada.password}}})
		})
	}
}

// TestPatchMeLimit: a wrong current_password counts against the account's
// login limit; past it PATCH /me is 429 with Retry-After, and so is login.
// A right one is refunded.
func TestPatchMeLimit(t *testing.T) {
	for name, counter := range limitCounters(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(c *httpapi.Config) {
				c.Limits.Counter = counter(t)
				c.Limits.LoginPerAccount = 3
			})
			ada := e.register("ada@example.com")
			tok := e.login(ada)
			change := func(current string) resp {
				return e.do(req{method: "PATCH", path: "/me", token: tok, json: map[string]string{"password": "new-password-1", "current_password": current}})
			}
			if res := change("wrong-password"); res.code != 400 {
				t.Fatalf("wrong current_password = %d, want 400", res.code)
			}
			// A right current password does not use up the budget…
			if res := change(ada.password); res.code != 200 {
				t.Fatalf("right current_password = %d, want 200; %s", res.code, res.body)
			}
			ada.password = "new-password-1"
			// …the wrong ones do: 2 left.
			for i := range 2 {
				if res := change("wrong-password"); res.code != 400 {
					t.Fatalf("wrong current_password %d = %d, want 400", i+2, res.code)
				}
			}
			res := change(ada.password)
			if res.code != 429 {
				t.Fatalf("right current_password past the limit = %d, want 429", res.code)
			}
			if ra, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
				t.Fatalf("Retry-After = %q, want 1..900 seconds", res.header.Get("Retry-After"))
			}
			e.must(429, req{method: "POST", path: "/auth/login", form: url.Values{"username": {strings.ToUpper(ada.Email)}, "password": {ada.password}}})
		})
	}
}

// TestRefreshLimit: refresh attempts are limited per client address.
func TestRefreshLimit(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.Limits.RefreshPerIP = 2 })
	bogus := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"not-a-token"}}
	for range 2 {
		e.must(401, req{method: "POST", path: "/auth/refresh", form: bogus})
	}
	res := e.must(429, req{method: "POST", path: "/auth/refresh", form: bogus})
	if ra, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
		t.Fatalf("Retry-After = %q, want 1..900 seconds", res.header.Get("Retry-After"))
	}
	e.must(401, req{method: "POST", path: "/auth/refresh", form: bogus, remoteAddr: "203.0.113.9:4000"})
}
