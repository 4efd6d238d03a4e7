// Command notesd is gatehouse's reference server: users, login, API keys
// and notes that only their owner can see, built only from the gatehouse
// library.
//
// Usage:
//
//	notesd [serve] [flags]     serve the HTTP API (the default command)
//	notesd user create --email E [--name N] [--admin]
//	notesd apikey create --email E --scopes notes:read,notes:write [--name N] [--expires-in-days D]
//	notesd routes              print every route and what protects it
//	notesd migrate             apply the database migrations
//	notesd import fastapi --from sqlite:PATH
//
// Every configuration flag falls back to an environment variable named
// NOTESD_ and the flag's name in upper case with "-" as "_" (--access-ttl:
// NOTESD_ACCESS_TTL). A flag on the command line wins over the variable,
// the variable over the default; a variable that does not parse is an
// error, never silently ignored.
//
// The HS256 signing secret is --secret-key, used as raw UTF-8 bytes. Without
// one, notesd generates a 256-bit secret once into secret.key in the data
// directory (mode 0600, 64 hex characters) and uses those characters as raw
// bytes in the same way, so tokens survive restarts and
// --secret-key "$(cat notesd-data/secret.key)" is equivalent. The data
// directory is the SQLite database's directory, or ./notesd-data with
// PostgreSQL.
//
// --database-url sqlite:PATH (the default) or postgres://… (postgresql://)
// selects the store; migrations run at start. Several serve processes may
// share one PostgreSQL database: that store caches nothing, so a logout on
// one replica is honoured by the others on the next request. Give them all
// the same --secret-key (a generated secret.key is per machine). A SQLite
// file has exactly one server.
//
// Keys rotate by "kid": the first key of the keyring signs, every key
// verifies. To rotate the HS256 secret, start with --secret-key NEW
// --previous-secret-keys OLD (comma-separated, each checked like
// --secret-key); OLD's tokens stay valid, new ones are signed with NEW, and
// OLD can go once --access-ttl has passed. --signing-alg EdDSA signs with an
// Ed25519 key generated once into ed25519.key in the data directory (mode
// 0600, PEM PKCS #8) and published at /.well-known/jwks.json; the HS256
// secret (given, or an existing secret.key; none is generated) and the
// previous secrets still verify, so switching logs no one out. A kid is the
// first 8 hex characters of the SHA-256 of the secret or public key.
//
// Login and registration are rate limited per account and client address
// (--login-limit-per-account, --login-limit-per-ip, --register-limit-per-ip,
// --rate-window). The client address is the connection's peer, or, behind a
// proxy listed in --trusted-proxies, the nearest untrusted X-Forwarded-For
// address. --cors-origins lists the browser origins allowed to call the API.
//
// `user create` reads the password from a prompt (twice, without echo) when
// stdin is a terminal, and otherwise reads exactly one line from stdin. It
// never takes a password from the command line.
//
// `import fastapi` brings over the users (with their bcrypt hashes, re-hashed
// to argon2id at each one's next login) and notes of a FastAPI app on the
// lesson's SQLAlchemy schema. A user whose e-mail is already known is
// skipped with their notes, so a second run imports nothing.
package main
