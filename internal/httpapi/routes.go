package httpapi

import (
	"context"
	"fmt"
	"slices"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/webui"
)

// New returns notesd's API with every route registered; a Config without
// a Keyring is an error.
func New(cfg Config) (*gatehouse.API, error) {
	cfg.defaults()
	s, err := newServer(cfg)
	if err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	api := gatehouse.New(gatehouse.Options{Logger: cfg.Logger, MapError: mapError, CORSOrigins: cfg.CORSOrigins, ClientIP: s.clientIP,
		Observe: s.metrics().Request})
	addRoutes(api, s)
	return api, nil
}

// addRoutes is the one list of notesd's routes and what protects each.
func addRoutes(api *gatehouse.API, s *server) {
	authn := s.authn

	// Ways in: a bearer token, or an API key (in the query too, if allowed).
	ways := []dep.Dep[auth.Principal[notes.User]]{authn.Bearer(), authn.APIKey()}
	if s.cfg.AllowQueryAPIKey {
		ways = append(ways, authn.APIKeyQuery())
	}
	current := auth.AnyOf(ways...)     // get_current_user: 401
	active := auth.ActiveUser(current) // get_current_active_user: 400 "Inactive user"
	reader := auth.RequireScopes(active, notes.ScopeRead)
	writer := auth.RequireScopes(active, notes.ScopeWrite)
	readerOwner := auth.OwnerOf[int64](reader)
	writerOwner := auth.OwnerOf[int64](writer)
	admin := auth.RequireScopes(auth.RequireAdmin(active), notes.ScopeAdmin)
	adminRole := auth.RequireScopes(auth.RequireRole(active, "admin"), notes.ScopeAdmin)
	session := authn.Bearer() // logout ends the session behind a token
	// The account itself (password, sessions, keys) is managed with a login
	// session, never with an API key: a leaked read-only key must not be
	// able to change the password, mint keys or end sessions.
	manager := auth.ActiveUser(session)
	managerOwner := auth.OwnerOf[int64](manager)
	keyID := dep.Path[int64]("id")
	sessionID := dep.Path[int64]("id")
	noteID := dep.Path[int64]("id")
	userID := dep.Path[int64]("id")
	page := pageParams()

	// /public, /healthz and /readyz list no 4xx answer: they read nothing
	// from the request (no credential, parameter or body), so no input of
	// a caller can be refused; /readyz fails only with its 503.
	api.Handle("GET /public", dep.Handler(dep.None, public), gatehouse.Public("landing page"), gatehouse.Tags("demo"), gatehouse.Summary("Read the public message"))
	api.Handle("GET /private", dep.Handler(current, private), gatehouse.Tags("demo"), gatehouse.Summary("Greet the caller"))
	api.Handle("GET /data", dep.Handler(authn.APIKey(), data), gatehouse.Tags("demo"), gatehouse.Summary("Read data with an API key"))
	api.Handle("GET /healthz", dep.Handler(dep.None, healthz), gatehouse.Public("liveness probe"), gatehouse.Tags("ops"), gatehouse.Summary("Check liveness"))
	api.Handle("GET /readyz", dep.Handler(dep.None, s.readyz), gatehouse.Public("readiness probe"), gatehouse.Tags("ops"), gatehouse.Summary("Check readiness"),
		gatehouse.Responds(503, "The database does not answer."))
	if s.cfg.Keyring != nil && s.cfg.Keyring.HasPublicKeys() {
		api.Handle("GET /.well-known/jwks.json", dep.Handler(dep.None, s.jwks), gatehouse.Public("public signing keys"), gatehouse.Tags("auth"), gatehouse.Summary("List the token signing keys"))
	}

	limited := gatehouse.Responds(429, "Too many attempts from this address or for this account; see Retry-After.")
	api.Handle("POST /auth/register", dep.Handler2(s.gate(s.limits.registerIP), dep.JSON[registerInput](), s.register), gatehouse.Public("sign-up"), gatehouse.Tags("auth"), gatehouse.Summary("Register an account"),
		limited, gatehouse.Responds(409, "Email already registered."))
	api.Handle("POST /auth/login", dep.Handler2(s.gate(s.limits.loginIP), auth.PasswordForm(), s.login), gatehouse.Public("log-in"), gatehouse.Tags("auth"), gatehouse.Summary("Log in for a token pair"),
		gatehouse.RequestExample(loginExample()), gatehouse.ResponseExample(tokenExample()),
		limited, gatehouse.Responds(401, "Incorrect username or password."), gatehouse.Responds(400, "Inactive user, or Email not verified (with --require-verified-email)."),
		gatehouse.Responds(503, "Too many logins at once; try again."))
	api.Handle("POST /auth/refresh", dep.Handler2(s.gate(s.limits.refreshIP), refreshForm(), s.refresh), gatehouse.Public("the refresh token is the credential"), gatehouse.Tags("auth"), gatehouse.Summary("Refresh the token pair"),
		gatehouse.Responds(429, "Too many attempts from this address; see Retry-After."),
		gatehouse.Responds(401, "The refresh token is unknown, used, revoked or expired."))
	api.Handle("POST /auth/logout", dep.Handler2(session, auth.OwnerOf[int64](session), s.logout), gatehouse.Tags("auth"), gatehouse.Summary("Log out"))
	badToken := gatehouse.Responds(400, "Invalid or expired token: the token is used, expired or unknown.")
	api.Handle("POST /auth/password-reset", dep.Handler2(s.gate(s.limits.resetIP), dep.JSON[resetRequestInput](), s.requestPasswordReset), gatehouse.Public("the link goes to the account's mailbox"),
		gatehouse.Tags("auth"), gatehouse.Summary("Mail a password reset link"),
		gatehouse.Responds(429, "Too many reset requests from this address or for this e-mail; see Retry-After."))
	api.Handle("POST /auth/password-reset/confirm", dep.Handler(dep.JSON[resetConfirmInput](), s.confirmPasswordReset), gatehouse.Public("the mailed token is the credential"),
		gatehouse.Tags("auth"), gatehouse.Summary("Set a new password with a reset token"), badToken)
	api.Handle("POST /auth/verify-email", dep.Handler(manager, s.requestVerification), gatehouse.Tags("auth"), gatehouse.Summary("Mail me an e-mail verification link"),
		gatehouse.Responds(429, "Too many verification mails for this account; see Retry-After."))
	api.Handle("POST /auth/verify-email/confirm", dep.Handler(dep.JSON[verifyConfirmInput](), s.confirmVerification), gatehouse.Public("the mailed token is the credential"),
		gatehouse.Tags("auth"), gatehouse.Summary("Verify an e-mail address with its token"), badToken)

	api.Handle("GET /me", dep.Handler(current, me), gatehouse.Tags("users"), gatehouse.Summary("Read my account"))
	api.Handle("PATCH /me", dep.Handler3(manager, managerOwner, dep.JSON[mePatch](), s.patchMe), gatehouse.Tags("users"), gatehouse.Summary("Change my name or password"),
		gatehouse.Responds(400, "Inactive user, or the current password is incorrect."),
		gatehouse.Responds(429, "Too many wrong passwords for this account; see Retry-After."))
	api.Handle("GET /profile", dep.Handler(active, me), gatehouse.Tags("users"), gatehouse.Summary("Read my profile (active accounts)"))

	api.Handle("GET /me/sessions", dep.Handler3(manager, managerOwner, page, s.listSessions), gatehouse.Tags("sessions"), gatehouse.Summary("List my sessions"))
	api.Handle("DELETE /me/sessions/{id}", dep.Handler2(managerOwner, sessionID, s.revokeSession), gatehouse.Tags("sessions"), gatehouse.Summary("End one of my sessions"))

	api.Handle("POST /api-keys", dep.Handler3(manager, managerOwner, dep.JSON[apiKeyInput](), s.createAPIKey), gatehouse.Tags("api-keys"), gatehouse.Summary("Create an API key"),
		gatehouse.RequestExample(apiKeyInputExample()), gatehouse.ResponseExample(apiKeyExample()),
		gatehouse.Responds(409, "API key limit reached."))
	api.Handle("GET /api-keys", dep.Handler(managerOwner, s.listAPIKeys), gatehouse.Tags("api-keys"), gatehouse.Summary("List my API keys"))
	api.Handle("DELETE /api-keys/{id}", dep.Handler2(managerOwner, keyID, s.revokeAPIKey), gatehouse.Tags("api-keys"), gatehouse.Summary("Revoke an API key"))

	api.Handle("GET /notes", dep.Handler2(readerOwner, page, s.listNotes), gatehouse.Tags("notes"), gatehouse.Summary("List my notes"))
	api.Handle("POST /notes", dep.Handler2(writerOwner, dep.JSON[noteInput](), s.createNote), gatehouse.Tags("notes"), gatehouse.Summary("Create a note"),
		gatehouse.RequestExample(noteInputExample()), gatehouse.ResponseExample(noteExample()),
		gatehouse.Responds(409, "Note limit reached."))
	api.Handle("GET /notes/{id}", dep.Handler2(readerOwner, noteID, s.getNote), gatehouse.Tags("notes"), gatehouse.Summary("Read a note"),
		gatehouse.ResponseExample(noteExample()))
	api.Handle("PATCH /notes/{id}", dep.Handler3(writerOwner, noteID, dep.JSON[notePatch](), s.patchNote), gatehouse.Tags("notes"), gatehouse.Summary("Change a note"),
		gatehouse.ResponseExample(noteExample()))
	api.Handle("DELETE /notes/{id}", dep.Handler2(writerOwner, noteID, s.deleteNote), gatehouse.Tags("notes"), gatehouse.Summary("Delete a note"))
	// Streams also take the web UI's session cookie: the /ui page's script
	// opens one, and a browser's WebSocket can send nothing else. Both are
	// GETs that change nothing; the socket's upgrade checks the Origin.
	streamer := auth.OwnerOf[int64](auth.RequireScopes(auth.ActiveUser(auth.AnyOf(slices.Concat(ways, []dep.Dep[auth.Principal[notes.User]]{authn.Session()})...)), notes.ScopeRead))
	api.Handle("GET /notes/events", dep.Stream(eventsInput(streamer), dep.StreamOptions{}, s.noteEvents), gatehouse.Tags("notes"), gatehouse.Summary("Stream your note changes"),
		gatehouse.Responds(429, "Too many open event streams for this user."))
	// A WebSocket upgrade succeeds with 101, so /notes/ws lists no 2xx.
	api.Handle("GET /notes/ws", dep.Upgrade(socketInput(streamer), dep.StreamOptions{}, s.noteSocket), gatehouse.Tags("notes"), gatehouse.Summary("Stream your note changes over a WebSocket"),
		gatehouse.Description("The events of GET /notes/events as JSON text messages ({\"type\":\"created\",\"id\":1,\"event_id\":\"…\",\"note\":{…}}); resume with ?last_event_id=. The socket is one way: a client message closes it (1008), as does the credential ending (1008)."),
		gatehouse.Responds(400, "Inactive user, or no well-formed Sec-WebSocket-Key."),
		gatehouse.Responds(403, "Forbidden: the API key is not valid; the credential lacks scope notes:read; the upgrade comes from another origin."),
		gatehouse.Responds(426, "Not a WebSocket upgrade (version 13)."),
		gatehouse.Responds(429, "Too many open event streams for this user."))

	api.Handle("GET /admin/users", dep.Handler2(admin, page, s.listUsers), gatehouse.Tags("admin"), gatehouse.Summary("List users"))
	api.Handle("PATCH /admin/users/{id}", dep.Handler3(admin, userID, dep.JSON[adminUserPatch](), s.patchUser), gatehouse.Tags("admin"), gatehouse.Summary("Change a user's role or status"),
		gatehouse.Responds(409, "Cannot demote or deactivate the last active admin."))
	api.Handle("DELETE /admin/users/{id}/sessions", dep.Handler2(admin, userID, s.revokeUserSessions), gatehouse.Tags("admin"), gatehouse.Summary("End all of a user's sessions"))
	api.Handle("DELETE /admin/notes/{id}", dep.Handler2(adminRole, noteID, s.deleteAnyNote), gatehouse.Tags("admin"), gatehouse.Summary("Delete any note"))

	// The web UI (/ui): cookie sessions, the same login checks and limits.
	webui.Register(api, webui.Config{
		Store:        s.store,
		Authn:        authn,
		LoginGate:    webClient(s.gate(s.limits.loginIP)),
		RegisterGate: webClient(s.gate(s.limits.registerIP)),
		ResetGate:    webClient(s.gate(s.limits.resetIP)),
		Authenticate: s.authenticate,
		SignUp:       s.signUp,
		Account:      s.webAccount(),
		Secure:       s.cfg.SecureCookies,
		MapError:     mapError,
		Logger:       s.cfg.Logger,
		Now:          s.cfg.Now,
		MaxNotes:     s.cfg.Quotas.NotesPerUser,
		MaxSessions:  s.cfg.Quotas.SessionsPerUser,
		Events:       s.cfg.Events,
	})

	addDocs(api) // last: the document is read from the routes above
}

// webClient is a gate's client as the web UI knows it.
func webClient(gate dep.Dep[client]) dep.Dep[webui.Client] {
	return dep.Derive(gate, func(_ context.Context, c client) (webui.Client, error) { return webui.Client(c), nil })
}
