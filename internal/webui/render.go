package webui

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// csp is the pages' Content-Security-Policy: their own stylesheet, no
// script at all, forms that post only here, never framed. cspScripted is
// the notes page's: the same, but for its own script file (live.js, no
// inline script), which follows the event stream of this origin.
const (
	csp         = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	cspScripted = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

// pageCSP is the Content-Security-Policy of the page name: only the notes
// page loads a script.
func pageCSP(name string) string {
	if name == "notes" {
		return cspScripted
	}
	return csp
}

// ui is the web UI's state: its configuration and parsed pages.
type ui struct {
	cfg        Config
	cookieName string
	pages      map[string]*template.Template
}

func newUI(cfg Config) *ui {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pages := map[string]*template.Template{}
	funcs := template.FuncMap{"loggedIn": loggedIn}
	for _, name := range []string{"login", "register", "notes", "error", "account", "admin", "forgot", "reset", "verify"} {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	return &ui{cfg: cfg, cookieName: CookieName(cfg.Secure), pages: pages}
}

// sameOrigin is the dependency that refuses an unsafe request from
// another origin with 403 (http.CrossOriginProtection: Sec-Fetch-Site,
// else Origin against Host). Every form post lists it first, so it is
// checked before anything else.
func sameOrigin() dep.Dep[struct{}] {
	cop := http.NewCrossOriginProtection()
	return dep.New("sameorigin", func(r *http.Request) (struct{}, error) {
		if err := cop.Check(r); err != nil {
			return struct{}{}, problem.New(http.StatusForbidden, "Cross-origin request refused")
		}
		return struct{}{}, nil
	})
}

// form is the dependency on a strictly parsed form body.
func form() dep.Dep[formValues] {
	return dep.New("form.ui", func(r *http.Request) (formValues, error) {
		f, err := auth.ParseForm(r)
		return formValues(f), err
	})
}

// formValues is a parsed form.
type formValues map[string][]string

// get returns the first value of key, or "".
func (f formValues) get(key string) string {
	if vs := f[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// result is what every /ui handler returns: a page or a redirect.
type result struct {
	status   int
	page     *template.Template
	data     any
	csp      string       // the page's Content-Security-Policy
	location string       // a 303 redirect to here, instead of a page
	cookie   *http.Cookie // set with the response
}

// page is a page of status rendered from data.
func (ui *ui) page(status int, name string, data any) result {
	return result{status: status, page: ui.pages[name], data: data, csp: pageCSP(name)}
}

// seeOther redirects to location after a form post (or a missing session).
func seeOther(location string) result { return result{location: location} }

// Render implements dep.Renderer.
func (res result) Render(w http.ResponseWriter, _ *http.Request) error {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if res.cookie != nil {
		http.SetCookie(w, res.cookie)
	}
	if res.location != "" {
		h.Set("Location", res.location)
		w.WriteHeader(http.StatusSeeOther)
		return nil
	}
	var buf bytes.Buffer
	if err := res.page.Execute(&buf, res.data); err != nil {
		return err
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", res.csp)
	w.WriteHeader(res.status)
	_, err := w.Write(buf.Bytes())
	return err
}

// errorData is the error page's.
type errorData struct {
	Title  string
	Status int
	Detail string
}

// writeError answers a failed /ui request with a page: a GET without a
// (live) session is sent to the login form, anything else gets the error
// page of its status (401 for a form post without a session, 403 for a
// cross-origin one, 404 for someone else's note).
func (ui *ui) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := ui.problem(r, err)
	if p.Status == http.StatusUnauthorized && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		res := seeOther("/ui/login")
		if _, err := r.Cookie(ui.cookieName); err == nil {
			res.cookie = ui.cookie("") // a dead session's cookie goes
		}
		_ = res.Render(w, r)
		return
	}
	for k, v := range p.Header { // Retry-After, WWW-Authenticate
		w.Header()[k] = v
	}
	res := ui.page(p.Status, "error", errorData{Title: p.Title, Status: p.Status, Detail: p.Detail})
	if err := res.Render(w, r); err != nil {
		ui.cfg.Logger.ErrorContext(r.Context(), "render error page", "request_id", gatehouse.RequestID(r), "error", err)
	}
}

// problem is the problem an error stands for; unknown errors are logged
// and become a generic 500.
func (ui *ui) problem(r *http.Request, err error) *problem.Details {
	var p *problem.Details
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, notes.ErrNotFound):
		return problem.NotFound("Note") // missing or someone else's: one answer
	}
	if ui.cfg.MapError != nil {
		if p := ui.cfg.MapError(err); p != nil {
			return p
		}
	}
	ui.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
		slog.String("request_id", gatehouse.RequestID(r)), slog.String("method", r.Method),
		slog.String("pattern", r.Pattern), slog.String("error", err.Error()))
	return problem.Internal()
}

// messages are the user-facing lines of a problem: each field error's
// message, or its detail.
func messages(p *problem.Details) []string {
	if len(p.Errors) == 0 {
		return []string{p.Detail}
	}
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = strings.TrimPrefix(e.Location, "body.") + ": " + e.Message
	}
	return out
}

// static serves the pages' stylesheet, icon and script.
func static() http.Handler {
	files := http.FileServerFS(staticFiles)
	return http.StripPrefix("/ui", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
}
