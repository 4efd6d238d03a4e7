// Package postgres implements notes.Store on PostgreSQL through
// github.com/jackc/pgx/v5 (a pgxpool.Pool, not database/sql), so several
// notesd processes can share one database (SPEC §5).
//
// The schema lives in numbered SQL files under migrations/, embedded in the
// binary and applied by Migrate, each in its own transaction together with
// its row in schema_migrations. Every migration transaction first takes a
// transaction-scoped advisory lock (pg_advisory_xact_lock) keyed on the
// schema, so several processes starting at once apply each migration once.
// Open never changes the schema.
//
// Times are stored as BIGINT unix microseconds, like the SQLite store, so
// both engines keep the same precision; they are returned in UTC. Every
// query that reads or changes user data has the owner's id in its WHERE
// clause, so a row of someone else is indistinguishable from a missing one
// (notes.ErrNotFound).
//
// There is deliberately no auth cache here (unlike package sqlite): several
// replicas share one database, and a cache in one process could not see a
// logout, revocation or deactivation made through another. Every session
// and API-key lookup therefore goes to PostgreSQL, which makes revocation
// immediate across replicas by construction.
//
// The last-admin rule is race-safe: UpdateUser locks the active admins'
// rows with SELECT … FOR UPDATE before it counts them, so two concurrent
// demotions of the last two admins cannot both succeed.
package postgres
