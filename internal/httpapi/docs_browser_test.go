package httpapi_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// swaggerOperation is one operation block as Swagger UI shows it.
type swaggerOperation struct {
	ID      string `json:"id"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Summary string `json:"summary"`
}

// TestSwaggerUIShowsSummaries opens /docs in Debian's Chromium and reads
// every operation block: each of the document's operations is shown, each
// with a summary beside its path (as FastAPI's docs show "Read Profile"),
// and the examples of a note's answer and of the login form are in the
// page once their operations are opened. Full-page screenshots, before and
// after, are written to the test's artifact directory (kept with go test
// -artifacts).
func TestSwaggerUIShowsSummaries(t *testing.T) {
	chromium := needChromium(t, "Swagger UI")
	e := newEnv(t)
	_, doc := servedDocument(t, e)
	want := map[string]string{} // "GET /notes/{id}" → summary
	for path, item := range doc.Paths {
		for method, op := range item.Operations() {
			want[method+" "+path] = op.Summary
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(e.api.ServeHTTP))
	defer srv.Close()
	ctx, _ := openBrowser(t, chromium, strings.TrimPrefix(srv.URL, "http://"), "swaggerui-summaries.png")
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()

	step(t, tctx, "open /docs",
		chromedp.Navigate(srv.URL+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(`.opblock .opblock-summary-path`)))
	shown, err := chromedp.Run(tctx, chromedp.Evaluate[[]swaggerOperation](`Array.from(document.querySelectorAll('.opblock')).map(b => ({
		id: b.id,
		method: (b.querySelector('.opblock-summary-method') || {}).textContent || '',
		path: ((b.querySelector('.opblock-summary-path') || {}).textContent || '').replace(/\u200b/g, ''),
		summary: ((b.querySelector('.opblock-summary-description') || {}).textContent || '').trim(),
	}))`))
	if err != nil {
		t.Fatalf("read the operation blocks: %v", err)
	}
	seen := map[string]bool{}
	for _, op := range shown {
		key := op.Method + " " + op.Path
		seen[key] = true
		switch {
		case op.Summary == "":
			t.Errorf("%s (%s): no summary shown", key, op.ID)
		case op.Summary != want[key]:
			t.Errorf("%s: summary %q shown, the document says %q", key, op.Summary, want[key])
		}
	}
	for _, key := range slices.Sorted(maps.Keys(want)) {
		if !seen[key] {
			t.Errorf("%s: in the document, not in the page", key)
		}
	}
	if len(shown) < 20 {
		t.Errorf("the page shows %d operations, want every route of notesd", len(shown))
	}

	screenshot(t, tctx, "swaggerui-summaries.png")

	// The examples: a note's, shown as the answer of GET /notes/{id}, and
	// the login form's, filled in by Try it out.
	const note, login = `#operations-notes-get_notes_id`, `#operations-auth-post_auth_login`
	step(t, tctx, "open GET /notes/{id}",
		chromedp.Click(chromedp.CSS(note+` .opblock-summary-control`)),
		chromedp.WaitVisible(chromedp.CSS(note+` .opblock-body`)))
	text, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(note+` .responses-wrapper`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `"title": "Groceries"`) {
		t.Errorf("GET /notes/{id}: the answer's example is not shown:\n%s", text)
	}
	step(t, tctx, "open POST /auth/login, Try it out",
		chromedp.Click(chromedp.CSS(login+` .opblock-summary-control`)),
		chromedp.Click(chromedp.CSS(login+` .try-out__btn`)),
		chromedp.WaitVisible(chromedp.CSS(login+` .execute`)))
	form, err := chromedp.Run(tctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('`+login+` .opblock-body input')).map(i => i.value).join(' ')`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(form, "ada@example.com") {
		t.Errorf("POST /auth/login: Try it out does not fill in the example; the form holds %q", form)
	}

	screenshot(t, tctx, "swaggerui-examples.png")
}

// screenshot writes a PNG of the whole page to the test's artifact
// directory, named name.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the page: %s (kept with go test -artifacts)", path)
}
