// Package accounts is the account lifecycle as a library: registration,
// login, refresh with rotation and reuse detection, logout, sessions, API
// keys, web sessions, password change and reset, e-mail verification,
// rate limits and quotas, on stores split by capability (Users, Sessions,
// WebSessions, APIKeys, Tokens, Purger) that accounts/sqlitestore and
// accounts/pgstore implement and accounts/accountstest holds to one
// contract.
//
// # What it gives
//
// A Service runs every flow as a plain method (no HTTP), and Routes mounts
// the same flows as JSON routes on a gatehouse.API, with their protection,
// limits and OpenAPI documentation declared. The application keeps its
// own domain tables and routes, and refers to users by id through
// auth.Owner; it builds its routes' dependencies from the Service's
// Authenticator (or from the Deps that Routes returns), so they accept
// exactly the credentials the account routes issue.
//
// # Wiring
//
//	svc, err := accounts.New(accounts.Config{
//		Stores:  store.Stores(),         // an engine's store fills every capability
//		Keyring: keyring,                // auth.NewKeyring: signs the access tokens
//		Hasher:  auth.NewHasher(auth.HasherConfig{}),
//		Scopes:  []accounts.Scope{{Name: "notes:read", Description: "Read your notes"}},
//	})
//	api := gatehouse.New(gatehouse.Options{MapError: accounts.MapError})
//	d := accounts.Routes(api, svc, accounts.RouteOptions{})
//	reader := auth.OwnerOf[int64](auth.RequireScopes(d.Active, "notes:read"))
//
// Config's other fields have defaults: token lifetimes, the refresh reuse
// interval, the session and API key quotas, the limits (Limits; counted
// in memory unless Limits.Counter is shared, e.g. a ratelimit/redisrate
// counter inside a ratelimit.Fallback), the web session cookie and
// timeouts, Mail (nil: no mail is sent), Metrics, Logger and Now.
//
// # The flows as methods
//
// Register, Login (and Authenticate, its password check), Refresh, Logout,
// ChangePassword, SetName, RequestPasswordReset and ResetPassword,
// RequestEmailVerification and VerifyEmail, Sessions and RevokeSession,
// CreateAPIKey, APIKeys and RevokeAPIKey, WebLogin and WebLogout (cookie
// sessions for server-rendered pages), and, taking the auth.RoleGrant
// that only auth.RequireAdmin mints, ListUsers, UpdateUser and
// RevokeUserSessions. Errors the routes answer are *problem.Details (401
// "Incorrect username or password", 400 "Inactive user", 409 "Email
// already registered", 429 with Retry-After, …); the others are the
// package's sentinels and *ValidationError, which MapError turns into
// problems.
//
// Flows that a client address limits (login, refresh, registration,
// reset requests) take a Client and count it under their Limit. A route
// puts Gate first in its dependencies, so that malformed attempts count
// too; a Client from a Gate is not counted twice.
//
// # Routes
//
// Routes mounts POST /auth/register, /auth/login (the OAuth2 password
// grant), /auth/refresh, /auth/logout, /auth/password-reset(/confirm),
// /auth/verify-email(/confirm); GET and PATCH /me, GET /profile; GET
// /me/sessions, DELETE /me/sessions/{id}; POST and GET /api-keys, DELETE
// /api-keys/{id}; GET /admin/users, PATCH /admin/users/{id}, DELETE
// /admin/users/{id}/sessions; and GET /.well-known/jwks.json when the
// keyring has public keys. RouteOptions hold what varies per application:
// the api_key query parameter (off), the client-address function (behind
// trusted proxies) and the admin routes' scope.
//
// # Stores
//
// The stores are interfaces sized to their consumers (Users, Sessions,
// WebSessions, APIKeys, Tokens, Purger), gathered in Stores. Two engines
// implement them all on one database: accounts/sqlitestore (one file, pure
// Go, group commit, an in-process cache of sessions and keys, so one
// server per file) and accounts/pgstore (any number of replicas). Both own
// the identity tables, with their embedded migrations, and run an
// application's own migrations beside them (MigrateApp), so the app's
// tables can refer to users(id) in the same database. A third engine proves
// itself with accounts/accountstest.Run. WithDeadline puts a deadline on
// every store call (an outage answers 503, never a hang), and Call and Do give
// the application's own stores the same policy.
//
// # Security notes
//
//   - An unknown e-mail and a wrong password answer alike, at the cost of
//     one hash check either way; hashing runs in the Hasher's bounded pool
//     (503 when it is full, never unbounded memory), and legacy hashes are
//     upgraded on the next login.
//   - A failed login is counted against the account before the password
//     is checked and refunded when it is right, so a burst cannot check
//     more passwords than the limit allows; a wrong current password on a
//     password change counts the same way.
//   - Every request checks user and session in one lookup: logout,
//     password change, reset, deactivation and admin revocation act on
//     the next request. A refresh token presented again after rotation
//     revokes its session, except for a retry within the reuse interval.
//   - Reset and verification tokens are single use, stored hashed, and
//     mailed off the request path, so answers do not tell whether an
//     e-mail has an account. A reset ends every session of the user.
//   - Sessions, refresh tokens, API keys and web session cookies are
//     stored as SHA-256 hashes. The account itself (password, sessions,
//     keys) is managed with a login session, never an API key, and a key
//     holds only scopes its creator's credential holds.
//   - Security events are logged as their own lines (msg "security"),
//     never with a secret, token, key, hash or password.
//   - Config.Legacy (off by default) is the one exception to the session
//     rule: the previous application's tokens, accepted until a cut-off
//     for a migration, have no session and cannot be revoked; only
//     deactivating or removing the user ends them early.
package accounts
