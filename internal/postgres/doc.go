// Package postgres is notesd's storage on PostgreSQL: the identity half is
// accounts/pgstore (users, sessions, API keys, account tokens), the notes
// half lives here, in the same database, so several notesd processes can
// share one database (SPEC §5).
//
// The notes table comes from the numbered SQL files under migrations/,
// applied by pgstore's MigrateApp under the app name "notes" after the
// identity schema, with the same advisory lock. A database made by an
// earlier notesd (its own schema_migrations at version 6) is adopted by
// Migrate: its versions are recorded as applied without running anything,
// and its data stays as it is.
//
// Every query on notes has the owner's id in its WHERE clause, so a note
// of someone else is indistinguishable from a missing one
// (notes.ErrNotFound). A note quota is counted under a lock of the owner's
// users row, so concurrent creates on any replica cannot pass it. Note
// events go between replicas by LISTEN/NOTIFY (Notifier).
package postgres
