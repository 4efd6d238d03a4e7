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
//
// Every configuration flag falls back to an environment variable named
// NOTESD_ and the flag's name in upper case with "-" as "_" (--access-ttl:
// NOTESD_ACCESS_TTL). A flag on the command line wins over the variable,
// the variable over the default; a variable that does not parse is an
// error, never silently ignored.
//
// The HS256 signing secret is --secret-key, used as raw UTF-8 bytes. Without
// one, notesd generates a 256-bit secret once into secret.key next to the
// SQLite database (mode 0600, 64 hex characters) and uses those characters
// as raw bytes in the same way, so tokens survive restarts and
// --secret-key "$(cat notesd-data/secret.key)" is equivalent.
//
// `user create` reads the password from a prompt (twice, without echo) when
// stdin is a terminal, and otherwise reads exactly one line from stdin. It
// never takes a password from the command line.
package main
