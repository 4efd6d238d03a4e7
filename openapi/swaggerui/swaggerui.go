package swaggerui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	swaggerfiles "github.com/swaggo/files/v2"

	"github.com/gatehouse-dev/gatehouse/problem"
)

//go:embed static/init.js static/index.html
var static embed.FS

// ContentSecurityPolicy is the policy of the page: everything from the
// server itself, nothing inline, no other host (data: images are Swagger
// UI's icons).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// assets are the files of swaggo/files the page uses, besides init.js.
var assets = []string{"swagger-ui.css", "swagger-ui-bundle.js", "index.css", "favicon-32x32.png", "favicon-16x16.png"}

// Option configures Handler.
type Option func(*config)

type config struct {
	path    string
	title   string
	persist bool
}

// Path sets where the page is served (default "/docs"); its assets are
// served below it ("/docs/swagger-ui.css").
func Path(p string) Option { return func(c *config) { c.path = strings.TrimSuffix(p, "/") } }

// Title sets the page's title (default "API docs").
func Title(t string) Option { return func(c *config) { c.title = t } }

// PersistAuthorization sets whether the browser keeps the authorization
// made in the Authorize dialog across reloads, in its local storage
// (default false, unlike FastAPI's persistAuthorization). Even when on, it
// keeps only what sends requests, an OAuth2 access token or an HTTP bearer
// token: never the password, the refresh token, a client secret or an API
// key, which Swagger UI on its own would store as typed. When off, the
// page also removes what an older page stored.
func PersistAuthorization(on bool) Option { return func(c *config) { c.persist = on } }

// file is one response body, with its validator.
type file struct {
	body        []byte
	contentType string
	etag        string
}

func newFile(name string, body []byte) file {
	sum := sha256.Sum256(body)
	ct := map[string]string{
		".css":  "text/css; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".png":  "image/png",
		".html": "text/html; charset=utf-8",
	}[path.Ext(name)]
	return file{body: body, contentType: ct, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

// Handler returns the handler of Swagger UI for the OpenAPI document at
// specURL: the page at the configured path (with or without a trailing
// slash) and its assets below it, all from the binary. Register it for
// both, e.g. "GET /docs" and "GET /docs/". The Authorize dialog logs in
// with the document's OAuth2 password flow, and "Try it out" then sends
// the token.
func Handler(specURL string, opts ...Option) http.Handler {
	c := config{path: "/docs", title: "API docs"}
	for _, o := range opts {
		o(&c)
	}
	files, err := load(specURL, c)
	if err != nil {
		panic(err) // the embedded files are part of the build
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "index.html"
		if r.URL.Path != c.path && r.URL.Path != c.path+"/" {
			rest, ok := strings.CutPrefix(r.URL.Path, c.path+"/")
			if !ok || rest == "index.html" {
				problem.Write(w, problem.RouteNotFound())
				return
			}
			name = rest
		}
		f, ok := files[name]
		if !ok {
			problem.Write(w, problem.RouteNotFound())
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		if name == "index.html" {
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("Referrer-Policy", "no-referrer")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	})
}

// load reads the assets and renders the page.
func load(specURL string, c config) (map[string]file, error) {
	files := map[string]file{}
	for _, name := range assets {
		b, err := fs.ReadFile(swaggerfiles.FS, name)
		if err != nil {
			return nil, fmt.Errorf("swaggerui: %w", err)
		}
		files[name] = newFile(name, b)
	}
	js, err := static.ReadFile("static/init.js")
	if err != nil {
		return nil, fmt.Errorf("swaggerui: %w", err)
	}
	files["init.js"] = newFile("init.js", js)
	tmpl, err := template.ParseFS(static, "static/index.html")
	if err != nil {
		return nil, fmt.Errorf("swaggerui: %w", err)
	}
	var page bytes.Buffer
	err = tmpl.Execute(&page, map[string]any{
		"Title": c.title,
		"Base":  c.path + "/",
		"Config": map[string]any{
			"url":                    specURL,
			"deepLinking":            true,
			"persistAuthorization":   c.persist,
			"validatorUrl":           nil, // no badge fetched from another host
			"layout":                 "BaseLayout",
			"displayRequestDuration": true,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("swaggerui: %w", err)
	}
	files["index.html"] = newFile("index.html", page.Bytes())
	return files, nil
}
