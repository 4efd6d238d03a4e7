// Package sqlitestore implements the accounts stores (accounts.Users,
// Sessions, WebSessions, APIKeys, Tokens and Purger) on one SQLite database
// file through the pure-Go driver modernc.org/sqlite, so a program builds
// and runs without cgo. It passes accounts/accountstest.
//
//	st, err := sqlitestore.OpenLocked(ctx, "data/app.db")
//	...
//	defer st.Close()
//	if err := st.Migrate(ctx); err != nil { ... }
//	stores := st.Stores() // an accounts.Stores with every field filled
//
// # Connections
//
// A Store holds two connection pools on the file: a single writer
// connection, through which every write and every transaction goes (SQLite
// allows one writer at a time; queuing in Go is cheaper than SQLITE_BUSY),
// and a small pool of query-only readers, which WAL mode lets run alongside
// the writer. The single-row lookups of the hot paths (the store's own and
// an app's, through ReadOne) run on a second pool of as many readers, which
// the Store drives through the driver without database/sql. Every connection runs with journal_mode=WAL,
// foreign_keys=ON, busy_timeout=5000 and synchronous=FULL (or NORMAL, see
// Options).
//
// # Group commit
//
// Writes are grouped (see Store.Write and Options.NoGroupCommit): one
// goroutine runs the writes that queued while the previous commit was
// syncing, and those of goroutines that were ready to queue one (it yields
// the CPU a few times before it starts a batch, so that on one CPU
// requests that arrived together share a commit), each in its own
// SAVEPOINT of one transaction, commits once and only then answers each
// caller, so synchronous=FULL costs one sync per batch rather than per
// write.
//
// # One server per file
//
// The Store caches the answers of the two lookups every authenticated
// request makes (a live session with its user, an API key with its user)
// and drops them on every write through it that could change them. So only
// one process may serve a database file: open it with OpenLocked, which
// takes an exclusive lock on the file until Close (a second OpenLocked of
// it fails with ErrInUse), or the other server would keep accepting what
// this one revoked. Processes that only read or create rows (a CLI's
// backup or user creation) open the file beside the server with Open; one
// that revokes or changes users opens it with OpenLocked too.
//
// # Schema
//
// The identity schema is one numbered migration, migrations/0001_accounts.sql,
// embedded and applied by Migrate; Open never changes the schema. Its
// tables: users (e-mail unique, role, active, verified, password hash),
// sessions (login and web sessions, with the current refresh token's and
// the session cookie's SHA-256), used_refresh_tokens (rotated-away refresh
// tokens, for reuse detection), api_keys (by unique prefix, the key's
// hash), account_tokens (password reset and e-mail verification tokens'
// SHA-256) and health (the row Ping writes). Applied versions are recorded
// in accounts_schema (an app's in app_schema), as pgstore records them. Times are stored as INTEGER
// unix microseconds and returned in UTC. Every query that reads or changes
// a user's data has the user's id in its WHERE clause, so a row of someone
// else is indistinguishable from a missing one (accounts.ErrNotFound).
//
// # An app's own tables
//
// An app keeps its domain tables in the same file, so they can reference
// users (id) and share the writer's group commit:
//
//   - MigrateApp applies the app's own numbered migrations (an fs.FS with a
//     migrations/ directory, as go:embed gives it) after Migrate, recorded
//     under the app's name in app_schema;
//   - Write runs a write of the app in the group commit writer, WriteStmt
//     prepares a statement for it once;
//   - ReadRow and ReadRows run prepared, cached queries on the readers, and
//     Reader is the reader pool itself; ReadOne is ReadRow for the lookups
//     of hot paths, on reader connections the Store drives without
//     database/sql (cheaper, with fewer destination types);
//   - MapError turns the driver's errors into accounts' sentinels;
//   - Import creates an imported user and the app's rows of them in one
//     transaction.
//
// The app must not write the identity tables itself: the auth cache would
// not see it.
package sqlitestore
