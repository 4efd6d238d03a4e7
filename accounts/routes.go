package accounts

import (
	"cmp"
	"net/http"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// RouteOptions are what varies per application in the routes Routes mounts.
type RouteOptions struct {
	// AllowQueryAPIKey accepts API keys in the api_key query parameter
	// too (credentials in URLs end up in logs: off by default).
	AllowQueryAPIKey bool
	// ClientIP tells a request's client address, for the limits and the
	// sessions' records; default PeerIP (give the same function as
	// gatehouse.Options.ClientIP behind trusted proxies).
	ClientIP func(*http.Request) string
	// AdminScope is the scope the admin routes require beside the admin
	// role; default "admin".
	AdminScope string
}

// Deps are the dependencies the account routes are built from, for the
// application's own routes, so that they accept exactly the credentials
// the account routes issue.
type Deps struct {
	// Ways are the ways in: a bearer token, or an API key (in the query
	// too, with AllowQueryAPIKey).
	Ways []dep.Dep[Principal]
	// Current is any of Ways: 401 without a valid credential.
	Current dep.Dep[Principal]
	// Active is Current's user when active: 400 "Inactive user".
	Active dep.Dep[Principal]
	// Manager is an active user of a login session (a bearer token, never
	// an API key), who may manage the account: password, sessions, keys.
	Manager dep.Dep[Principal]
	// Admin is an active admin whose credential holds the admin scope:
	// 403 "Admin access required", then 403 "Not enough permissions".
	Admin dep.Dep[auth.Privileged[User]]
}

// Deps returns the dependencies of opts' credentials.
func (s *Service) Deps(opts RouteOptions) Deps {
	authn := s.authn
	ways := []dep.Dep[Principal]{authn.Bearer(), authn.APIKey()}
	if opts.AllowQueryAPIKey {
		ways = append(ways, authn.APIKeyQuery())
	}
	current := auth.AnyOf(ways...)     // get_current_user: 401
	active := auth.ActiveUser(current) // get_current_active_user: 400 "Inactive user"
	return Deps{
		Ways:    ways,
		Current: current,
		Active:  active,
		// The account itself (password, sessions, keys) is managed with a
		// login session, never with an API key: a leaked read-only key must
		// not be able to change the password, mint keys or end sessions.
		Manager: auth.ActiveUser(authn.Bearer()),
		Admin:   auth.RequireScopes(auth.RequireAdmin(active), cmp.Or(opts.AdminScope, "admin")),
	}
}

// Routes mounts the account routes of svc on api and returns the
// dependencies they are built from (Deps): POST /auth/register,
// /auth/login (OAuth2 password grant), /auth/refresh, /auth/logout,
// /auth/password-reset(/confirm), /auth/verify-email(/confirm), GET and
// PATCH /me, GET /profile, GET /me/sessions, DELETE /me/sessions/{id},
// POST and GET /api-keys, DELETE /api-keys/{id}, GET /admin/users, PATCH
// /admin/users/{id}, DELETE /admin/users/{id}/sessions, and GET
// /.well-known/jwks.json when the keyring has public keys. Errors are
// problems or the package's errors: give api a MapError that maps them
// (MapError does).
func Routes(api *gatehouse.API, svc *Service, opts RouteOptions) Deps {
	d := svc.Deps(opts)
	h := handlers{svc}
	clientIP := opts.ClientIP
	session := svc.authn.Bearer() // logout ends the session behind a token
	manager := d.Manager
	managerOwner := auth.OwnerOf[int64](manager)
	keyID := dep.Path[int64]("id")
	sessionID := dep.Path[int64]("id")
	userID := dep.Path[int64]("id")
	page := PageQuery()

	if svc.cfg.Keyring.HasPublicKeys() {
		api.Handle("GET /.well-known/jwks.json", dep.Handler(dep.None, h.jwks), gatehouse.Public("public signing keys"), gatehouse.Tags("auth"), gatehouse.Summary("List the token signing keys"))
	}

	limited := gatehouse.Responds(429, "Too many attempts from this address or for this account; see Retry-After.")
	api.Handle("POST /auth/register", dep.Handler2(svc.Gate(LimitRegister, clientIP), dep.JSON[registerInput](), h.register), gatehouse.Public("sign-up"), gatehouse.Tags("auth"), gatehouse.Summary("Register an account"),
		limited, gatehouse.Responds(409, "Email already registered."))
	api.Handle("POST /auth/login", dep.Handler2(svc.Gate(LimitLogin, clientIP), auth.PasswordForm(), h.login), gatehouse.Public("log-in"), gatehouse.Tags("auth"), gatehouse.Summary("Log in for a token pair"),
		gatehouse.RequestExample(h.loginExample()), gatehouse.ResponseExample(h.tokenExample()),
		limited, gatehouse.Responds(401, "Incorrect username or password."), gatehouse.Responds(400, "Inactive user, or Email not verified (when the service requires verified e-mail)."),
		gatehouse.Responds(503, "Too many logins at once; try again."))
	api.Handle("POST /auth/refresh", dep.Handler2(svc.Gate(LimitRefresh, clientIP), refreshForm(), h.refresh), gatehouse.Public("the refresh token is the credential"), gatehouse.Tags("auth"), gatehouse.Summary("Refresh the token pair"),
		gatehouse.Responds(429, "Too many attempts from this address; see Retry-After."),
		gatehouse.Responds(401, "The refresh token is unknown, used, revoked or expired."))
	api.Handle("POST /auth/logout", dep.Handler2(session, auth.OwnerOf[int64](session), h.logout), gatehouse.Tags("auth"), gatehouse.Summary("Log out"))
	badToken := gatehouse.Responds(400, "Invalid or expired token: the token is used, expired or unknown.")
	api.Handle("POST /auth/password-reset", dep.Handler2(svc.Gate(LimitReset, clientIP), dep.JSON[resetRequestInput](), h.requestPasswordReset), gatehouse.Public("the link goes to the account's mailbox"),
		gatehouse.Tags("auth"), gatehouse.Summary("Mail a password reset link"),
		gatehouse.Responds(429, "Too many reset requests from this address or for this e-mail; see Retry-After."))
	api.Handle("POST /auth/password-reset/confirm", dep.Handler(dep.JSON[resetConfirmInput](), h.confirmPasswordReset), gatehouse.Public("the mailed token is the credential"),
		gatehouse.Tags("auth"), gatehouse.Summary("Set a new password with a reset token"), badToken)
	api.Handle("POST /auth/verify-email", dep.Handler(manager, h.requestVerification), gatehouse.Tags("auth"), gatehouse.Summary("Mail me an e-mail verification link"),
		gatehouse.Responds(429, "Too many verification mails for this account; see Retry-After."))
	api.Handle("POST /auth/verify-email/confirm", dep.Handler(dep.JSON[verifyConfirmInput](), h.confirmVerification), gatehouse.Public("the mailed token is the credential"),
		gatehouse.Tags("auth"), gatehouse.Summary("Verify an e-mail address with its token"), badToken)

	api.Handle("GET /me", dep.Handler(d.Current, me), gatehouse.Tags("users"), gatehouse.Summary("Read my account"))
	api.Handle("PATCH /me", dep.Handler3(manager, managerOwner, dep.JSON[mePatch](), h.patchMe), gatehouse.Tags("users"), gatehouse.Summary("Change my name or password"),
		gatehouse.Responds(400, "Inactive user, or the current password is incorrect."),
		gatehouse.Responds(429, "Too many wrong passwords for this account; see Retry-After."))
	api.Handle("GET /profile", dep.Handler(d.Active, me), gatehouse.Tags("users"), gatehouse.Summary("Read my profile (active accounts)"))

	api.Handle("GET /me/sessions", dep.Handler3(manager, managerOwner, page, h.listSessions), gatehouse.Tags("sessions"), gatehouse.Summary("List my sessions"))
	api.Handle("DELETE /me/sessions/{id}", dep.Handler2(managerOwner, sessionID, h.revokeSession), gatehouse.Tags("sessions"), gatehouse.Summary("End one of my sessions"))

	api.Handle("POST /api-keys", dep.Handler3(manager, managerOwner, dep.JSON[apiKeyInput](), h.createAPIKey), gatehouse.Tags("api-keys"), gatehouse.Summary("Create an API key"),
		gatehouse.RequestExample(h.apiKeyInputExample()), gatehouse.ResponseExample(h.apiKeyExample()),
		gatehouse.Responds(409, "API key limit reached."))
	api.Handle("GET /api-keys", dep.Handler(managerOwner, h.listAPIKeys), gatehouse.Tags("api-keys"), gatehouse.Summary("List my API keys"))
	api.Handle("DELETE /api-keys/{id}", dep.Handler2(managerOwner, keyID, h.revokeAPIKey), gatehouse.Tags("api-keys"), gatehouse.Summary("Revoke an API key"))

	api.Handle("GET /admin/users", dep.Handler2(d.Admin, page, h.listUsers), gatehouse.Tags("admin"), gatehouse.Summary("List users"))
	api.Handle("PATCH /admin/users/{id}", dep.Handler3(d.Admin, userID, dep.JSON[adminUserPatch](), h.patchUser), gatehouse.Tags("admin"), gatehouse.Summary("Change a user's role or status"),
		gatehouse.Responds(409, "Cannot demote or deactivate the last active admin."))
	api.Handle("DELETE /admin/users/{id}/sessions", dep.Handler2(d.Admin, userID, h.revokeUserSessions), gatehouse.Tags("admin"), gatehouse.Summary("End all of a user's sessions"))
	return d
}
