package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebUIAccountInBrowser walks the account pages in Debian's Chromium:
// forgot password, the mailed link, the new password, a password change,
// revoking another session, creating and revoking an API key, and an
// admin deactivating a user; the pages ask no other host for anything and
// break no Content-Security-Policy. A screenshot of the account page is
// kept with go test -artifacts.
func TestWebUIAccountInBrowser(t *testing.T) {
	chromium := needChromium(t, "web UI")
	mails := make(inbox, 10)
	e := newEnv(t, withMailer(t, mails))
	srv := newWebServer(t, e)
	root := e.admin("root@example.com")
	ada := e.register("ada@example.com")
	host := strings.TrimPrefix(srv.URL, "http://")

	ctx, seen := openBrowser(t, chromium, host, "webui-account.png")
	tctx, tcancel := context.WithTimeout(ctx, 90*time.Second)
	defer tcancel()
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	html := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(tctx, chromedp.OuterHTML(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("html of %s: %v", sel, err)
		}
		return s
	}
	login := func(email, password string) {
		t.Helper()
		step(t, tctx, "log in as "+email,
			chromedp.WaitVisible(chromedp.CSS(`#login`)),
			chromedp.SendKeys(chromedp.CSS(`#email`), email),
			chromedp.SendKeys(chromedp.CSS(`#password`), password),
			chromedp.Click(chromedp.CSS(`#login button`)),
			chromedp.WaitVisible(chromedp.CSS(`#create`)))
	}

	// Forgot password → the mailed link → a new password → log in with it.
	step(t, tctx, "open the login form and follow Forgot your password?",
		chromedp.Navigate(srv.URL+"/ui/login"),
		chromedp.Click(chromedp.CSS(`#forgot-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#forgot`)))
	step(t, tctx, "ask for a reset link",
		chromedp.SendKeys(chromedp.CSS(`#email`), ada.Email),
		chromedp.Click(chromedp.CSS(`#forgot button`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice`)))
	if got := text(`#notice`); !strings.Contains(got, "If an account has this e-mail address") {
		t.Errorf("notice after the request = %q", got)
	}
	token := linkToken(t, mails.next(t), "http://notes.test/ui/reset-password")
	step(t, tctx, "open the mailed link and set a new password",
		chromedp.Navigate(srv.URL+"/ui/reset-password?token="+token),
		chromedp.WaitVisible(chromedp.CSS(`#reset`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), "reset password 1"),
		chromedp.Click(chromedp.CSS(`#reset button`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice`)))
	if got := text(`#notice`); !strings.Contains(got, "Your password is changed") {
		t.Errorf("login notice after the reset = %q", got)
	}
	login(ada.Email, "reset password 1")

	// The account page: change the password.
	step(t, tctx, "open the account page from the menu",
		chromedp.Click(chromedp.CSS(`#nav-account`)),
		chromedp.WaitVisible(chromedp.CSS(`#change-password`)))
	step(t, tctx, "change the password",
		chromedp.SendKeys(chromedp.CSS(`#current-password`), "reset password 1"),
		chromedp.SendKeys(chromedp.CSS(`#new-password`), "changed password 2"),
		chromedp.Click(chromedp.CSS(`#change-password button`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice`)))
	ada.password = "changed password 2"

	// Another session (another browser), revoked from this one.
	other := e.webSession(ada)
	step(t, tctx, "reload the account page", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#sessions`)))
	var otherID string
	for _, id := range ids(html(`#sessions`), "session-") {
		if !strings.Contains(html(`#session-`+id), "this session") {
			otherID = id
		}
	}
	if otherID == "" {
		t.Fatalf("no other session listed: %s", html(`#sessions`))
	}
	step(t, tctx, "revoke the other session",
		chromedp.Click(chromedp.CSS(`#session-`+otherID+` .revoke button`)),
		chromedp.WaitVisible(chromedp.CSS(`#change-password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#session-`+otherID)))
	e.must(303, req{method: "GET", path: "/ui/", header: map[string]string{"Cookie": other}})

	// An API key: created (shown once), used, revoked.
	step(t, tctx, "create an API key",
		chromedp.SendKeys(chromedp.CSS(`#key-name`), "ci"),
		chromedp.Click(chromedp.CSS(`input[name="scopes"][value="notes:read"]`)),
		chromedp.Click(chromedp.CSS(`#create-key button`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-key`)))
	key := text(`#new-key`)
	e.must(200, req{method: "GET", path: "/notes", apiKey: key})
	png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(t.ArtifactDir(), "account.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the account page: %s (kept with go test -artifacts)", shot)
	keyIDs := ids(html(`#keys`), "key-")
	if len(keyIDs) != 1 {
		t.Fatalf("listed keys = %v, want 1", keyIDs)
	}
	step(t, tctx, "revoke the key",
		chromedp.Click(chromedp.CSS(`#key-`+keyIDs[0]+` .revoke button`)),
		chromedp.WaitVisible(chromedp.CSS(`#no-keys`)))
	e.must(403, req{method: "GET", path: "/notes", apiKey: key})

	// An admin deactivates ada.
	step(t, tctx, "log out",
		chromedp.Click(chromedp.CSS(`#nav-notes`)),
		chromedp.Click(chromedp.CSS(`#logout button`)),
		chromedp.WaitVisible(chromedp.CSS(`#login`)))
	login(root.Email, root.password)
	row := fmt.Sprintf(`#user-%d`, ada.ID)
	step(t, tctx, "open the admin page and deactivate ada",
		chromedp.Click(chromedp.CSS(`#nav-admin`)),
		chromedp.WaitVisible(chromedp.CSS(`#users`)),
		chromedp.Click(chromedp.CSS(row+`.active .set-active button`)),
		chromedp.WaitVisible(chromedp.CSS(row+`.inactive`)))
	if got := text(row + ` .status`); got != "inactive" {
		t.Errorf("ada's status on the admin page = %q, want inactive", got)
	}
	e.must(400, req{method: "POST", path: "/ui/login", form: url.Values{"email": {ada.Email}, "password": {ada.password}}})

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
