package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse-dev/gatehouse/openapi/swaggerui"
)

// browserLog is what the page did, as the browser reported it.
type browserLog struct {
	mu       sync.Mutex
	requests []string // every URL the page asked for
	foreign  []string // those that went to another host
	console  []string // console messages, log entries and exceptions
}

func (b *browserLog) listen(host string) func(ev any) {
	return func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
			u, err := url.Parse(ev.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != host) {
				b.foreign = append(b.foreign, ev.Request.URL)
			}
		case *log.EventEntryAdded:
			b.console = append(b.console, string(ev.Entry.Level)+": "+ev.Entry.Text)
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			b.console = append(b.console, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		case *runtime.EventExceptionThrown:
			b.console = append(b.console, "exception: "+ev.ExceptionDetails.Text)
		}
	}
}

// TestSwaggerUIInBrowser logs in through Swagger UI's Authorize dialog
// (the OAuth2 password flow against /auth/login) and calls GET /me with
// "Try it out", in Debian's Chromium, checking that the page asks no host
// but the server for anything.
func TestSwaggerUIInBrowser(t *testing.T) {
	chromium := needChromium(t, "Swagger UI")
	e := newEnv(t)
	ada := e.register("ada@example.com")

	var mu sync.Mutex
	var meAuth []string // Authorization headers of the requests to /me
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/me" {
			mu.Lock()
			meAuth = append(meAuth, r.Header.Get("Authorization"))
			mu.Unlock()
		}
		e.api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	ctx, seen := openBrowser(t, chromium, host, "swaggerui.png")

	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()
	authorizeInSwaggerUI(t, tctx, srv.URL, ada)
	status, body := tryGetMe(t, tctx)
	if !strings.HasPrefix(strings.TrimSpace(status), "200") || !strings.Contains(body, `"email": "`+ada.Email+`"`) {
		t.Errorf("GET /me in the page: status %q, body %q; want 200 with %s", status, body, ada.Email)
	}

	mu.Lock()
	if len(meAuth) != 1 || !strings.HasPrefix(meAuth[0], "Bearer ") {
		t.Errorf("Authorization of GET /me = %q, want one bearer token from the Authorize dialog", meAuth)
	}
	mu.Unlock()

	seen.mu.Lock()
	defer seen.mu.Unlock()
	if len(seen.foreign) > 0 {
		t.Errorf("the page asked other hosts than %s for: %q", host, seen.foreign)
	}
	for _, c := range seen.console {
		if strings.Contains(c, "Content Security Policy") {
			t.Errorf("the page broke its Content-Security-Policy: %s", c)
		}
	}
}

// TestSwaggerUIStoresNoSecret logs in through Swagger UI's Authorize
// dialog in Chromium and reads back everything the page keeps in the
// browser (local and session storage, cookies): neither the password nor
// the refresh token that /auth/login answered may be there, by default
// (nothing is kept) nor with PersistAuthorization on (only the access
// token is kept, and still works after a reload). A record left by an
// older page, password and all, is cleaned on load.
func TestSwaggerUIStoresNoSecret(t *testing.T) {
	chromium := needChromium(t, "Swagger UI")
	for _, persist := range []bool{false, true} {
		t.Run(fmt.Sprintf("persistAuthorization=%t", persist), func(t *testing.T) {
			e := newEnv(t)
			ada := e.register("ada@example.com")
			var opts []swaggerui.Option
			if persist {
				opts = append(opts, swaggerui.PersistAuthorization(true))
			}
			docs := swaggerui.Handler("/openapi.json", opts...)

			var mu sync.Mutex
			var issued token    // what /auth/login answered the page
			var meAuth []string // Authorization headers of the requests to /me
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/docs" || strings.HasPrefix(r.URL.Path, "/docs/"):
					docs.ServeHTTP(w, r)
				case r.URL.Path == "/auth/login":
					rec := httptest.NewRecorder()
					e.api.ServeHTTP(rec, r)
					mu.Lock()
					_ = json.Unmarshal(rec.Body.Bytes(), &issued)
					mu.Unlock()
					maps.Copy(w.Header(), rec.Header())
					w.WriteHeader(rec.Code)
					_, _ = w.Write(rec.Body.Bytes())
				default:
					if r.URL.Path == "/me" {
						mu.Lock()
						meAuth = append(meAuth, r.Header.Get("Authorization"))
						mu.Unlock()
					}
					e.api.ServeHTTP(w, r)
				}
			}))
			defer srv.Close()
			ctx, _ := openBrowser(t, chromium, strings.TrimPrefix(srv.URL, "http://"), "swaggerui-storage.png")
			tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
			defer tcancel()

			authorizeInSwaggerUI(t, tctx, srv.URL, ada)
			mu.Lock()
			tok := issued
			mu.Unlock()
			if tok.RefreshToken == "" || tok.AccessToken == "" {
				t.Fatalf("the page got no token pair from /auth/login: %+v", tok)
			}
			stored := browserStorage(t, tctx)
			for what, secret := range map[string]string{
				"the password": ada.password, "the refresh token": tok.RefreshToken,
				"a refresh_token field": "refresh_token", "a client_secret field": "client_secret",
			} {
				if strings.Contains(stored, secret) {
					t.Errorf("after Authorize the browser keeps %s:\n%s", what, stored)
				}
			}
			if got := strings.Contains(stored, tok.AccessToken); got != persist {
				t.Errorf("after Authorize the access token is kept: %t, want %t:\n%s", got, persist, stored)
			}

			if persist { // what is kept is enough to stay logged in
				step(t, tctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(swaggerAuthorize)))
				if status, _ := tryGetMe(t, tctx); !strings.HasPrefix(strings.TrimSpace(status), "200") {
					t.Errorf("GET /me after a reload: status %q, want 200", status)
				}
				mu.Lock()
				if len(meAuth) != 1 || meAuth[0] != "Bearer "+tok.AccessToken {
					t.Errorf("Authorization of GET /me after a reload = %q, want the kept access token", meAuth)
				}
				mu.Unlock()
			}

			// A record an older page kept, password and refresh token in it.
			legacy := map[string]any{"OAuth2PasswordBearer": map[string]any{
				"name":     "OAuth2PasswordBearer",
				"schema":   map[string]any{"type": "oauth2", "flows": map[string]any{"password": map[string]any{"tokenUrl": "/auth/login", "scopes": map[string]any{}}}},
				"username": ada.Email, "password": "legacy-password-value", "clientSecret": "legacy-client-secret",
				"token": map[string]any{"access_token": "legacy-access-value", "token_type": "bearer", "refresh_token": "legacy-refresh-value"},
			}}
			b, err := json.Marshal(legacy)
			if err != nil {
				t.Fatal(err)
			}
			step(t, tctx, "plant an old record and reload",
				chromedp.Evaluate[chromedp.Void](fmt.Sprintf("localStorage.setItem('authorized', %q)", b)),
				chromedp.Reload(),
				chromedp.WaitVisible(chromedp.CSS(swaggerAuthorize)))
			stored = browserStorage(t, tctx)
			for _, secret := range []string{"legacy-password-value", "legacy-refresh-value", "legacy-client-secret"} {
				if strings.Contains(stored, secret) {
					t.Errorf("after a reload the browser still keeps %s:\n%s", secret, stored)
				}
			}
			if got := strings.Contains(stored, "legacy-access-value"); got != persist {
				t.Errorf("after a reload the old access token is kept: %t, want %t:\n%s", got, persist, stored)
			}
		})
	}
}

// browserStorage returns every key and value of the page's local and
// session storage, and its cookies, one per line.
func browserStorage(t *testing.T, ctx context.Context) string {
	t.Helper()
	dump, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const out = [];
		for (const [name, s] of [["localStorage", localStorage], ["sessionStorage", sessionStorage]]) {
			for (let i = 0; i < s.length; i++) {
				const k = s.key(i);
				out.push(name + ": " + k + " = " + s.getItem(k));
			}
		}
		out.push("cookie: " + document.cookie);
		return out.join("\n");
	})()`))
	if err != nil {
		t.Fatalf("read the browser's storage: %v", err)
	}
	return dump
}

// Selectors of Swagger UI's page.
const (
	swaggerAuthorize = `.scheme-container .btn.authorize`
	swaggerMe        = `#operations-users-get_me`
	swaggerApply     = `.modal-ux button[aria-label="Apply given OAuth2 credentials"]`
	swaggerLoggedIn  = `.modal-ux button[aria-label="Remove authorization"]`
)

// step runs the actions of one step of a browser test, failing it with
// what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// authorizeInSwaggerUI opens Swagger UI at base+"/docs" and logs u in
// through the Authorize dialog (the OAuth2 password flow), then closes it.
func authorizeInSwaggerUI(t *testing.T, ctx context.Context, base string, u user) {
	t.Helper()
	step(t, ctx, "open /docs",
		chromedp.Navigate(base+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(swaggerAuthorize)))
	step(t, ctx, "open the Authorize dialog",
		chromedp.Click(chromedp.CSS(swaggerAuthorize)),
		chromedp.WaitVisible(chromedp.CSS(`#oauth_username`)))
	step(t, ctx, "log in with username and password",
		chromedp.SendKeys(chromedp.CSS(`#oauth_username`), u.Email),
		chromedp.SendKeys(chromedp.CSS(`#oauth_password`), u.password),
		chromedp.Click(chromedp.CSS(swaggerApply)),
		chromedp.WaitVisible(chromedp.CSS(swaggerLoggedIn)))
	step(t, ctx, "close the dialog",
		chromedp.Click(chromedp.CSS(`.modal-ux .close-modal`)),
		chromedp.WaitNotPresent(chromedp.CSS(`.modal-ux`)))
}

// tryGetMe expands GET /me in Swagger UI, clicks Try it out and Execute,
// and returns the status and body the page shows.
func tryGetMe(t *testing.T, ctx context.Context) (status, body string) {
	t.Helper()
	const answer = swaggerMe + ` .live-responses-table tr.response`
	step(t, ctx, "expand GET /me, Try it out, Execute",
		chromedp.Click(chromedp.CSS(swaggerMe+` .opblock-summary-control`)),
		chromedp.Click(chromedp.CSS(swaggerMe+` .try-out__btn`)),
		chromedp.Click(chromedp.CSS(swaggerMe+` .execute`)),
		chromedp.WaitVisible(chromedp.CSS(answer+` .response-col_status`)))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(answer+` .response-col_status`)))
	if err != nil {
		t.Fatal(err)
	}
	body, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(answer+` .response-col_description`)))
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// needChromium returns Debian's Chromium, or skips t (a browser test of
// what) saying how to get it.
func needChromium(t *testing.T, what string) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("skipping the %s browser test: no chromium on PATH (apt-get install chromium; .ci/run installs it)", what)
	}
	return chromium
}

// openBrowser starts Debian's Chromium (at path chromium) for a test: no
// background networking, a fresh profile, its traffic and console recorded
// for host. When the test fails, a screenshot named shot is kept with
// go test -artifacts. The browser stops when the test ends.
func openBrowser(t *testing.T, chromium, host, shot string) (context.Context, *browserLog) {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1600),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first Do starts the browser, which lives as long as its context:
	// bound the start with a timer, not with a deadline on that context.
	stop := time.AfterFunc(60*time.Second, cancel)
	err := chromedp.Do(ctx)
	stop.Stop()
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	seen := &browserLog{}
	if err := chromedp.Listen(ctx, seen.listen(host)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // runs before the cancels above: the browser is still up
		seen.mu.Lock()
		defer seen.mu.Unlock()
		for _, c := range seen.console {
			t.Logf("browser %s", c)
		}
		if !t.Failed() {
			return
		}
		t.Logf("requests: %s", strings.Join(seen.requests, "\n  "))
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		defer scancel()
		png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Logf("screenshot: %v", err)
			return
		}
		path := filepath.Join(t.ArtifactDir(), shot)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Logf("screenshot: %v", err)
			return
		}
		t.Logf("screenshot of the page: %s (kept with go test -artifacts)", path)
	})
	return ctx, seen
}
