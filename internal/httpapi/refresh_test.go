package httpapi_test

import (
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) config(cfg *httpapi.Config) { cfg.Now = c.Now }

// engineEnvs builds an env on each engine with opts.
var engineEnvs = []struct {
	name   string
	newEnv func(t *testing.T, opts ...func(*httpapi.Config)) *env
}{
	{"sqlite", func(t *testing.T, opts ...func(*httpapi.Config)) *env { return newEnv(t, opts...) }},
	{"postgres", newPostgresEnv},
}

// TestRefreshRetryWithinInterval: a client whose refresh answer was lost
// retries with the previous refresh token within the reuse interval
// (default 10 s) and gets a working pair; the session lives on.
func TestRefreshRetryWithinInterval(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			c := newClock()
			e := eng.newEnv(t, c.config)
			ada := e.register("ada@example.com")
			first := e.loginPair(ada)
			lost := e.refresh(first.RefreshToken, 200) // the answer never arrives
			c.advance(5 * time.Second)
			retry := e.refresh(first.RefreshToken, 200)
			if retry.RefreshToken == first.RefreshToken || retry.RefreshToken == lost.RefreshToken {
				t.Fatalf("retry returned an old refresh token")
			}
			e.must(200, req{method: "GET", path: "/me", token: retry.AccessToken})
			next := e.refresh(retry.RefreshToken, 200)
			e.must(200, req{method: "GET", path: "/me", token: next.AccessToken})

			// Past the interval, the first token is reuse again: the
			// session ends.
			c.advance(10 * time.Second)
			e.refresh(first.RefreshToken, 401)
			e.refresh(next.RefreshToken, 401)
			e.must(401, req{method: "GET", path: "/me", token: next.AccessToken})
		})
	}
}

// TestRefreshRetryAfterInterval: the previous refresh token presented
// after the reuse interval is reuse, and revokes the session.
func TestRefreshRetryAfterInterval(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			c := newClock()
			e := eng.newEnv(t, c.config, func(cfg *httpapi.Config) { cfg.RefreshReuseInterval = 2 * time.Second })
			ada := e.register("ada@example.com")
			first := e.loginPair(ada)
			second := e.refresh(first.RefreshToken, 200)
			c.advance(3 * time.Second)
			e.refresh(first.RefreshToken, 401)
			e.refresh(second.RefreshToken, 401)
			e.must(401, req{method: "GET", path: "/me", token: second.AccessToken})
		})
	}
}

// TestRefreshRetryRace: two parallel presentations of the same previous
// token both get a pair (neither is taken for reuse), and the session
// lives on.
func TestRefreshRetryRace(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			e := eng.newEnv(t)
			ada := e.register("ada@example.com")
			for range 5 {
				first := e.loginPair(ada)
				e.refresh(first.RefreshToken, 200)
				var wg sync.WaitGroup
				codes := make([]int, 4)
				for i := range codes {
					wg.Go(func() {
						codes[i] = e.do(req{method: "POST", path: "/auth/refresh", form: url.Values{
							"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}}).code
					})
				}
				wg.Wait()
				for i, code := range codes {
					if code != 200 {
						t.Errorf("parallel retry %d = %d, want 200", i, code)
					}
				}
				e.must(200, req{method: "GET", path: "/me", token: first.AccessToken})
			}
		})
	}
}
