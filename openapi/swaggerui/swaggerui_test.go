package swaggerui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/openapi/swaggerui"
)

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func ExampleHandler() {
	ui := swaggerui.Handler("/openapi.json", swaggerui.Path("/docs"))
	mux := http.NewServeMux()
	mux.Handle("GET /docs", ui)
	mux.Handle("GET /docs/", ui)

	for _, path := range []string{"/docs", "/docs/swagger-ui-bundle.js", "/docs/missing.js"} {
		rec := get(mux, path)
		fmt.Println(path, rec.Code, rec.Header().Get("Content-Type"))
	}
	// Output:
	// /docs 200 text/html; charset=utf-8
	// /docs/swagger-ui-bundle.js 200 text/javascript; charset=utf-8
	// /docs/missing.js 404 application/problem+json
}

func TestPage(t *testing.T) {
	ui := swaggerui.Handler("/openapi.json", swaggerui.Path("/api/docs/"), swaggerui.Title("Notes & more"))
	for _, path := range []string{"/api/docs", "/api/docs/"} {
		rec := get(ui, path)
		if rec.Code != 200 {
			t.Fatalf("GET %s = %d, want 200", path, rec.Code)
		}
		if got := rec.Header().Get("Content-Security-Policy"); got != swaggerui.ContentSecurityPolicy {
			t.Errorf("GET %s: Content-Security-Policy = %q, want the package's", path, got)
		}
		page := rec.Body.String()
		if !strings.Contains(page, "<title>Notes &amp; more</title>") {
			t.Errorf("GET %s: no escaped title in %s", path, page)
		}
		for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
			if !strings.HasPrefix(m[1], "/api/docs/") {
				t.Errorf("GET %s: the page loads %q, want only assets below /api/docs/", path, m[1])
			}
			if a := get(ui, m[1]); a.Code != 200 {
				t.Errorf("asset %s = %d, want 200", m[1], a.Code)
			}
		}
		if strings.Contains(page, "<script>") || strings.Contains(page, " style=") {
			t.Errorf("GET %s: inline script or style in the page, which the policy refuses", path)
		}
		cfg := regexp.MustCompile(`(?s)<script id="swagger-ui-config" type="application/json">(.*?)</script>`).FindStringSubmatch(page)
		if cfg == nil {
			t.Fatalf("GET %s: no configuration in %s", path, page)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(cfg[1]), &got); err != nil {
			t.Fatalf("configuration %s: %v", cfg[1], err)
		}
		if got["url"] != "/openapi.json" || got["persistAuthorization"] != false || got["validatorUrl"] != nil {
			t.Errorf("configuration = %v, want the spec URL, no persistAuthorization and no validator", got)
		}
	}
}

func TestPolicyAllowsNoOtherHost(t *testing.T) {
	for d := range strings.SplitSeq(swaggerui.ContentSecurityPolicy, ";") {
		for _, src := range strings.Fields(d)[1:] {
			switch src {
			case "'self'", "'none'", "data:":
			default:
				t.Errorf("directive %q allows %s", strings.TrimSpace(d), src)
			}
		}
	}
}

func TestNotFound(t *testing.T) {
	ui := swaggerui.Handler("/openapi.json")
	for _, path := range []string{"/docs/index.html", "/docs/swagger-ui-bundle.js.map", "/docs/oauth2-redirect.html", "/docsx", "/other"} {
		if rec := get(ui, path); rec.Code != 404 {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
}

func TestConditionalGet(t *testing.T) {
	ui := swaggerui.Handler("/openapi.json")
	first := get(ui, "/docs/swagger-ui.css")
	etag := first.Header().Get("ETag")
	if first.Code != 200 || etag == "" {
		t.Fatalf("GET = %d with ETag %q, want 200 with an ETag", first.Code, etag)
	}
	r := httptest.NewRequest("GET", "/docs/swagger-ui.css", nil)
	r.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	ui.ServeHTTP(rec, r)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET with If-None-Match = %d, want 304", rec.Code)
	}
}

func TestPersistAuthorization(t *testing.T) {
	for _, tt := range []struct {
		opts []swaggerui.Option
		want string
	}{
		{nil, `"persistAuthorization":false`},
		{[]swaggerui.Option{swaggerui.PersistAuthorization(false)}, `"persistAuthorization":false`},
		{[]swaggerui.Option{swaggerui.PersistAuthorization(true)}, `"persistAuthorization":true`},
	} {
		page := get(swaggerui.Handler("/spec", tt.opts...), "/docs").Body.String()
		if !strings.Contains(page, tt.want) {
			t.Errorf("page = %s, want %s", page, tt.want)
		}
	}
}
