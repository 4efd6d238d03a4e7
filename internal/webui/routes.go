package webui

import (
	"context"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Register adds the /ui routes to api: the one list of the web UI's routes
// and what protects each. cfg.Authn's Session() must read the cookie named
// CookieName(cfg.Secure), with a Sessions as its web-session store.
func Register(api *gatehouse.API, cfg Config) {
	ui := newUI(cfg)

	session := cfg.Authn.Session()   // the cookie: 401, which pages turn into a redirect to the login form
	user := auth.ActiveUser(session) // 400 "Inactive user"
	reader := auth.RequireScopes(user, notes.ScopeRead)
	writer := auth.RequireScopes(user, notes.ScopeWrite)
	readerOwner := auth.OwnerOf[int64](reader)
	writerOwner := auth.OwnerOf[int64](writer)
	post := sameOrigin() // 403 for a form post from another origin: first on every POST
	fields := form()
	// The notes page's user, with the proof of ownership.
	me := dep.Derive2(writer, writerOwner, func(_ context.Context, p principal, o owner) (viewer, error) { return viewer{p, o}, nil })
	noteID := dep.Path[int64]("id")

	pages := gatehouse.Errors(ui.writeError) // errors are pages (or a redirect to the login form), not JSON
	tags := gatehouse.Tags("web-ui")
	html := gatehouse.Hidden() // pages for browsers: in the route table, not in the OpenAPI document

	api.Handle("GET /ui/static/style.css", static(), gatehouse.Public("stylesheet"))
	api.Handle("GET /ui/static/favicon.svg", static(), gatehouse.Public("icon"))
	api.Handle("GET /ui/static/live.js", static(), gatehouse.Public("script"))
	api.Handle("GET /ui/login", dep.Handler(dep.Request(), ui.loginPage), gatehouse.Public("login form"), pages, tags, html)
	api.Handle("POST /ui/login", dep.Handler3(post, cfg.LoginGate, dep.Request(), ui.login), gatehouse.Public("log-in"), pages, tags, html,
		gatehouse.Responds(429, "Too many attempts from this address or for this account."))
	api.Handle("GET /ui/register", dep.Handler(dep.None, ui.registerPage), gatehouse.Public("sign-up form"), pages, tags, html)
	api.Handle("POST /ui/register", dep.Handler3(post, cfg.RegisterGate, fields, ui.register), gatehouse.Public("sign-up"), pages, tags, html,
		gatehouse.Responds(429, "Too many attempts from this address."))
	api.Handle("GET /ui/{$}", dep.Handler2(reader, readerOwner, ui.home), pages, tags, html)
	api.Handle("POST /ui/notes", dep.Handler3(post, me, fields, ui.createNote), pages, tags, html)
	api.Handle("POST /ui/notes/{id}/delete", dep.Handler3(post, writerOwner, noteID, ui.deleteNote), pages, tags, html)
	api.Handle("POST /ui/logout", dep.Handler3(post, session, auth.OwnerOf[int64](session), ui.logout), pages, tags, html)
}
