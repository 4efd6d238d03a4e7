package httpapi_test

import (
	"context"
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
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("skipping the Swagger UI browser test: no chromium on PATH (apt-get install chromium; .ci/run installs it)")
	}
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
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	const (
		me       = `#operations-users-get_me`
		apply    = `.modal-ux button[aria-label="Apply given OAuth2 credentials"]`
		loggedIn = `.modal-ux button[aria-label="Remove authorization"]`
	)
	step("open /docs",
		chromedp.Navigate(srv.URL+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(`.scheme-container .btn.authorize`)))
	step("open the Authorize dialog",
		chromedp.Click(chromedp.CSS(`.scheme-container .btn.authorize`)),
		chromedp.WaitVisible(chromedp.CSS(`#oauth_username`)))
	step("log in with username and password",
		chromedp.SendKeys(chromedp.CSS(`#oauth_username`), ada.Email),
		chromedp.SendKeys(chromedp.CSS(`#oauth_password`), ada.password),
		chromedp.Click(chromedp.CSS(apply)),
		chromedp.WaitVisible(chromedp.CSS(loggedIn)))
	step("close the dialog",
		chromedp.Click(chromedp.CSS(`.modal-ux .close-modal`)),
		chromedp.WaitNotPresent(chromedp.CSS(`.modal-ux`)))
	step("expand GET /me, Try it out, Execute",
		chromedp.Click(chromedp.CSS(me+` .opblock-summary-control`)),
		chromedp.Click(chromedp.CSS(me+` .try-out__btn`)),
		chromedp.Click(chromedp.CSS(me+` .execute`)),
		chromedp.WaitVisible(chromedp.CSS(me+` .live-responses-table tr.response .response-col_status`)))

	status, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(me+` .live-responses-table tr.response .response-col_status`)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(me+` .live-responses-table tr.response .response-col_description`)))
	if err != nil {
		t.Fatal(err)
	}
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
