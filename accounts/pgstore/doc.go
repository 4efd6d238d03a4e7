// Package pgstore is the identity store of package accounts on PostgreSQL,
// through github.com/jackc/pgx/v5 (a pgxpool.Pool, not database/sql), so
// several processes of an application can share one database. Store
// implements every capability interface of accounts (Users, Sessions,
// WebSessions, APIKeys, Tokens, Purger; Store.Stores hands them out) and
// passes accounts/accountstest.
//
// # Schema and migrations
//
// The identity schema (users, sessions, used_refresh_tokens, api_keys,
// account_tokens and the one-row health table Ping writes) lives in
// numbered SQL files under migrations/, embedded in the binary and applied
// by Migrate, each in its own transaction together with its row in
// accounts_schema. Every migration transaction first takes a
// transaction-scoped advisory lock (pg_advisory_xact_lock) keyed on the
// current schema, so several processes starting at once apply each
// migration once. Open never changes the schema. The store works in the
// schema its connections' search_path names, so one database can hold
// several independent stores, one per schema.
//
// # An application's own tables
//
// An application keeps its domain tables in the same database, beside the
// identity tables, so that they can reference users (id) with ON DELETE
// CASCADE and be changed in one transaction with them:
//
//	//go:embed migrations/*.sql
//	var appMigrations embed.FS
//
//	st, err := pgstore.Open(ctx, url)
//	…
//	err = st.MigrateApp(ctx, "notes", appMigrations) // runs Migrate first
//	…
//	rows, err := st.Pool().Query(ctx, `SELECT … FROM notes WHERE owner_id = $1`, o.ID())
//
// MigrateApp applies the app's NNNN_description.sql files, tracked in
// app_schema under the app's name, under the same lock and with the same
// guarantees as Migrate. MapError maps the driver's errors of the app's
// queries to the accounts sentinels as the store's own. Baseline takes
// over a database an earlier release of the application made with
// bookkeeping of its own, without running anything.
//
// # Conventions
//
// Times are stored as BIGINT unix microseconds, like the SQLite store, so
// both engines keep the same precision; they are returned in UTC. Every
// query that reads or changes user data has the owner's id in its WHERE
// clause, so a row of someone else is indistinguishable from a missing one
// (accounts.ErrNotFound).
//
// There is deliberately no auth cache here (unlike the SQLite store):
// several replicas share one database, and a cache in one process could
// not see a logout, revocation or deactivation made through another. Every
// session and API-key lookup therefore goes to PostgreSQL, which makes
// revocation immediate across replicas by construction.
//
// The last-admin rule is race-safe: UpdateUser locks the active admins'
// rows with SELECT … FOR UPDATE before it counts them, so two concurrent
// demotions of the last two admins cannot both succeed.
//
// The Operator… methods and the …For methods are for an operator's tool
// acting for the user it names, with no request behind it: they take no
// auth.Owner or auth.RoleGrant, and are not part of any accounts
// interface, so code that is handed an interface cannot reach them.
package pgstore
