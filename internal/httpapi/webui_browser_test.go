package httpapi_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebUIInBrowser registers, logs in, creates a note, sees it listed and
// deletes it through the /ui pages in Debian's Chromium, checking that the
// pages ask no other host for anything and break no Content-Security-Policy.
func TestWebUIInBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("skipping the web UI browser test: no chromium on PATH (apt-get install chromium; .ci/run installs it)")
	}
	e := newEnv(t)
	srv := newWebServer(t, e)
	host := strings.TrimPrefix(srv.URL, "http://")

	ctx, seen := openBrowser(t, chromium, host, "webui.png")

	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	step("open /ui/, which sends us to the login form",
		chromedp.Navigate(srv.URL+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS(`#login`)))
	step("go to the registration form",
		chromedp.Click(chromedp.CSS(`#register-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#register`)))
	step("register",
		chromedp.SendKeys(chromedp.CSS(`#email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Ada"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "password-ada"),
		chromedp.Click(chromedp.CSS(`#register button`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice`)))
	step("log in",
		chromedp.SendKeys(chromedp.CSS(`#email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "password-ada"),
		chromedp.Click(chromedp.CSS(`#login button`)),
		chromedp.WaitVisible(chromedp.CSS(`#create`)))
	if got := text(`#user`); got != "Ada" {
		t.Errorf("logged in as %q, want Ada", got)
	}
	step("create a note",
		chromedp.SendKeys(chromedp.CSS(`#title`), "Buy <milk>"),
		chromedp.SendKeys(chromedp.CSS(`#body`), "and bread"),
		chromedp.Click(chromedp.CSS(`#create button`)),
		chromedp.WaitVisible(chromedp.CSS(`.note h3`)))
	if got := text(`.note h3`); got != "Buy <milk>" {
		t.Errorf("listed note title = %q, want %q", got, "Buy <milk>")
	}
	step("delete it",
		chromedp.Click(chromedp.CSS(`.note .delete button`)),
		chromedp.WaitVisible(chromedp.CSS(`#empty`)))
	step("log out",
		chromedp.Click(chromedp.CSS(`#logout button`)),
		chromedp.WaitVisible(chromedp.CSS(`#login`)))

	seen.mu.Lock()
	defer seen.mu.Unlock()
	if len(seen.foreign) > 0 {
		t.Errorf("the pages asked other hosts: %v", seen.foreign)
	}
	for _, c := range seen.console {
		if strings.Contains(c, "Content Security Policy") || strings.HasPrefix(c, "error") || strings.HasPrefix(c, "exception") {
			t.Errorf("browser reported: %s", c)
		}
	}
}
