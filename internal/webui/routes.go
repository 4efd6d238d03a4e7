package webui

import (
	"context"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Register adds the /ui routes to api: the one list of the web UI's routes
// and what protects each. cfg.Authn's Session() must read the cookie named
// CookieName(cfg.Secure).
func Register(api *gatehouse.API, cfg Config) {
	ui := newUI(cfg)
	svc := cfg.Accounts

	session := svc.Authenticator().Session() // the cookie: 401, which pages turn into a redirect to the login form
	user := auth.ActiveUser(session)         // 400 "Inactive user"
	reader := auth.RequireScopes(user, notes.ScopeRead)
	writer := auth.RequireScopes(user, notes.ScopeWrite)
	readerOwner := auth.OwnerOf[int64](reader)
	writerOwner := auth.OwnerOf[int64](writer)
	post := sameOrigin() // 403 for a form post from another origin: first on every POST
	fields := form()
	// The notes page's user, with the proof of ownership.
	me := dep.Derive2(writer, writerOwner, func(_ context.Context, p principal, o owner) (viewer, error) { return viewer{p, o}, nil })
	noteID := dep.Path[int64]("id")
	// The account pages' user: password, sessions and keys are the
	// session's own, as PATCH /me, /me/sessions and /api-keys are a login
	// session's (never an API key's: the cookie is the only way in here).
	userOwner := auth.OwnerOf[int64](user)
	account := dep.Derive2(user, userOwner, func(_ context.Context, p principal, o owner) (viewer, error) { return viewer{p, o}, nil })
	// The admin page's: an active admin whose session holds the admin scope
	// (403 "Admin access required" for anyone else), as for /admin/users.
	adm := auth.RequireScopes(auth.RequireAdmin(user), notes.ScopeAdmin)
	id := dep.Path[int64]("id")
	target := dep.Derive2(adm, id, func(_ context.Context, a admin, id int64) (adminTarget, error) { return adminTarget{a, id}, nil })

	pages := gatehouse.Errors(ui.writeError) // errors are pages (or a redirect to the login form), not JSON
	tags := gatehouse.Tags("web-ui")
	html := gatehouse.Hidden() // pages for browsers: in the route table, not in the OpenAPI document

	api.Handle("GET /ui/static/style.css", static(), gatehouse.Public("stylesheet"))
	api.Handle("GET /ui/static/favicon.svg", static(), gatehouse.Public("icon"))
	api.Handle("GET /ui/static/live.js", static(), gatehouse.Public("script"))
	api.Handle("GET /ui/login", dep.Handler(dep.Request(), ui.loginPage), gatehouse.Public("login form"), pages, tags, html)
	api.Handle("POST /ui/login", dep.Handler3(post, svc.Gate(accounts.LimitLogin, cfg.ClientIP), dep.Request(), ui.login), gatehouse.Public("log-in"), pages, tags, html,
		gatehouse.Responds(429, "Too many attempts from this address or for this account."))
	api.Handle("GET /ui/register", dep.Handler(dep.None, ui.registerPage), gatehouse.Public("sign-up form"), pages, tags, html)
	api.Handle("POST /ui/register", dep.Handler3(post, svc.Gate(accounts.LimitRegister, cfg.ClientIP), fields, ui.register), gatehouse.Public("sign-up"), pages, tags, html,
		gatehouse.Responds(429, "Too many attempts from this address."))
	api.Handle("GET /ui/{$}", dep.Handler2(reader, readerOwner, ui.home), pages, tags, html)
	api.Handle("POST /ui/notes", dep.Handler3(post, me, fields, ui.createNote), pages, tags, html)
	api.Handle("POST /ui/notes/{id}/delete", dep.Handler3(post, writerOwner, noteID, ui.deleteNote), pages, tags, html)
	api.Handle("GET /ui/forgot-password", dep.Handler(dep.Request(), ui.forgotPage), gatehouse.Public("password reset request form"), pages, tags, html)
	api.Handle("POST /ui/forgot-password", dep.Handler3(post, svc.Gate(accounts.LimitReset, cfg.ClientIP), fields, ui.requestReset), gatehouse.Public("the link goes to the account's mailbox"), pages, tags, html,
		gatehouse.Responds(429, "Too many reset requests from this address or for this e-mail."))
	api.Handle("GET /ui/reset-password", dep.Handler(dep.Request(), ui.resetPage), gatehouse.Public("new password form; changes nothing"), pages, tags, html)
	api.Handle("POST /ui/reset-password", dep.Handler2(post, fields, ui.confirmReset), gatehouse.Public("the mailed token is the credential"), pages, tags, html,
		gatehouse.Responds(400, "Invalid or expired token."))
	api.Handle("GET /ui/verify-email", dep.Handler(dep.Request(), ui.verifyPage), gatehouse.Public("verification button; changes nothing"), pages, tags, html)
	api.Handle("POST /ui/verify-email", dep.Handler2(post, fields, ui.confirmVerify), gatehouse.Public("the mailed token is the credential"), pages, tags, html,
		gatehouse.Responds(400, "Invalid or expired token."))
	api.Handle("GET /ui/account", dep.Handler2(account, dep.Request(), ui.accountPage), pages, tags, html)
	api.Handle("POST /ui/account/password", dep.Handler3(post, account, fields, ui.changePassword), pages, tags, html,
		gatehouse.Responds(429, "Too many wrong passwords for this account."))
	api.Handle("POST /ui/sessions/{id}/revoke", dep.Handler3(post, account, id, ui.revokeSession), pages, tags, html)
	api.Handle("POST /ui/api-keys", dep.Handler3(post, account, fields, ui.createAPIKey), pages, tags, html,
		gatehouse.Responds(409, "API key limit reached."))
	api.Handle("POST /ui/api-keys/{id}/revoke", dep.Handler3(post, account, id, ui.revokeAPIKey), pages, tags, html)
	api.Handle("GET /ui/admin/users", dep.Handler2(adm, dep.Query[int64]("after", 0), ui.adminPage), pages, tags, html)
	api.Handle("POST /ui/admin/users/{id}/active", dep.Handler3(post, target, fields, ui.setActive), pages, tags, html,
		gatehouse.Responds(409, "Cannot demote or deactivate the last active admin."))
	api.Handle("POST /ui/admin/users/{id}/role", dep.Handler3(post, target, fields, ui.setRole), pages, tags, html,
		gatehouse.Responds(409, "Cannot demote or deactivate the last active admin."))
	api.Handle("POST /ui/logout", dep.Handler3(post, session, auth.OwnerOf[int64](session), ui.logout), pages, tags, html)
}
