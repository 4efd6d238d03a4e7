// Package auth builds authentication and authorisation out of dep
// dependencies, after the FastAPI pattern oauth2_scheme → get_current_user →
// get_current_active_user → require_admin:
//
//	user := auth.ActiveUser(auth.AnyOf(authn.Bearer(), authn.APIKey())) // 401 / 400 "Inactive user"
//	reader := auth.RequireScopes(user, "notes:read")                    // 403 "Not enough permissions"
//	owner := auth.OwnerOf[int64](reader)                                // Owner[int64]: only auth mints it
//
// Credentials (BearerToken, APIKeyHeader, APIKeyQuery) are extractors;
// an Authenticator turns them into a Principal by verifying a JWT (Keyring,
// alg pinned, kid rotation) against a live server-side session, or an API
// key against its stored SHA-256 hash; for a migration, Config.Legacy also
// accepts the previous application's HS256 tokens until a cut-off
// (LegacyTokens: no session, so not revocable). Checks (ActiveUser, RequireAdmin,
// RequireRole, RequireScopes) each add one rule, and OwnerOf and the
// RoleGrant of RequireRole are the proof values that storage asks for, so a
// handler cannot express reading another user's data.
//
// Every dependency here carries metadata describing what it accepts and
// checks; Describe reads a route's graph back into a Security summary,
// from which OpenAPI security and the route audit table are derived.
//
// Passwords are hashed with argon2id (Hasher, bounded worker pool); bcrypt
// hashes from passlib verify and are flagged for re-hashing.
package auth
