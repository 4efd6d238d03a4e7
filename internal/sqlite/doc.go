// Package sqlite implements notes.Store on SQLite: the identity half is
// the public accounts/sqlitestore (DB embeds its Store), the notes are
// kept here, in the same database file, through the Store's app API
// (Write with group commit, prepared reads on the readers, MigrateApp).
//
// The notes' schema is migrations/0001_notes.sql, recorded under the app
// name "notes"; Migrate applies the identity schema first, and adopts a
// database of the earlier notesd (see DB.Migrate). Times are stored as
// INTEGER unix microseconds and returned in UTC. Every query that reads or
// changes notes has the owner's id in its WHERE clause, so a note of
// someone else is indistinguishable from a missing one (notes.ErrNotFound).
//
// A DB keeps the notes Get read in memory (Options.NoteCache), each under
// the owner whose query found it, and drops a note when a write of this
// package changes or deletes it; so a note read again by its owner is not
// read from SQLite, and the ownership rule stays the queries'.
package sqlite
