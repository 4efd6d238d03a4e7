package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/gatehouse-dev/gatehouse/auth"
)

// benchPassword is every seeded user's password.
const benchPassword = "notesbench password"

// benchScopes are the scopes of every seeded API key.
const benchScopes = "notes:read notes:write"

// Rows per transaction and per INSERT statement while seeding (SQLite
// allows 32766 parameters in a statement).
const (
	seedBatch         = 50_000
	seedRowsPerInsert = 100
)

// noteBody is the body of every seeded note (and of the baseline's).
var noteBody = strings.Repeat("The quick brown fox jumps over the lazy dog. ", 3)

// emailOf is the e-mail address of seeded user id.
func emailOf(id int64) string { return fmt.Sprintf("user%d@bench.example", id) }

// noteTitle is the title of seeded note id.
func noteTitle(id int64) string { return fmt.Sprintf("Benchmark note %07d", id) }

// ownerOf is the owner of seeded note (or API key) id among users users:
// round-robin, so note id belongs to user (id-1) mod users + 1.
func ownerOf(id int64, users int) int64 { return (id-1)%int64(users) + 1 }

// seedSpec is what to seed into a migrated, empty database.
type seedSpec struct {
	Users, Notes, Keys int
	// PasswordHash is stored for every user.
	PasswordHash string
	// SampleKeys is how many API keys, spread evenly over all of them, to
	// return in clear.
	SampleKeys int
}

// sampleKey is a seeded API key kept in clear, with its owner.
type sampleKey struct {
	Key    string
	UserID int64
}

// seed inserts spec's users, notes and API keys into the SQLite database
// at path, which notesd migrate has created, in large transactions of
// prepared statements. Times are stored as unix microseconds, as
// internal/sqlite does. It returns the sample of API keys.
func seed(ctx context.Context, path string, spec seedSpec) (keys []sampleKey, err error) {
	db, err := sql.Open("sqlite", seedDSN(path))
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	db.SetMaxOpenConns(1)
	if err := checkEmpty(ctx, db); err != nil {
		return nil, err
	}
	for _, t := range seedTables(spec, time.Now().UnixMicro(), 1, &keys) {
		if err := insertRows(ctx, db, t.n, t.name, t.columns, t.fill); err != nil {
			return nil, fmt.Errorf("seed %s: %w", t.name, err)
		}
	}
	// Fold the write-ahead log into the database so that notesd starts
	// from a compact file.
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return nil, fmt.Errorf("seed: checkpoint: %w", err)
	}
	return keys, nil
}

// seedDSN is the data source name of the seeding connection: durability
// off (a crash only loses the benchmark's own data), a large page cache.
func seedDSN(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(OFF)")
	q.Add("_pragma", "cache_size(-262144)") // 256 MiB
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// seedTable is the rows of one table to seed: ids 1..n, fill setting the
// values of columns for one id.
type seedTable struct {
	name    string
	columns []string
	n       int
	fill    func(id int64, row []any)
}

// seedTables are the rows of spec for both engines, in the order to seed
// them: users, notes, API keys. Times are now (unix microseconds); active
// is the engine's value of users.is_active for true (1 in SQLite, true in
// PostgreSQL). The API keys' fill appends the sample keys to keys, so it
// must be called in ascending id order.
func seedTables(spec seedSpec, now int64, active any, keys *[]sampleKey) []seedTable {
	sampled := spreadIDs(spec.Keys, spec.SampleKeys)
	return []seedTable{
		{"users", []string{"id", "email", "name", "role", "is_active", "password_hash", "created_at"}, spec.Users,
			func(id int64, row []any) {
				row[0], row[1], row[2], row[3], row[4], row[5], row[6] = id, emailOf(id), fmt.Sprintf("User %d", id), "user", active, spec.PasswordHash, now
			}},
		{"notes", []string{"id", "owner_id", "title", "body", "created_at", "updated_at"}, spec.Notes,
			func(id int64, row []any) {
				row[0], row[1], row[2], row[3], row[4], row[5] = id, ownerOf(id, spec.Users), noteTitle(id), noteBody, now, now
			}},
		{"api_keys", []string{"id", "user_id", "name", "prefix", "hash", "scopes", "created_at"}, spec.Keys,
			func(id int64, row []any) {
				key, prefix, hash := auth.NewAPIKey()
				owner := ownerOf(id, spec.Users)
				if len(sampled) > 0 && sampled[0] == id {
					sampled = sampled[1:]
					*keys = append(*keys, sampleKey{Key: key, UserID: owner})
				}
				row[0], row[1], row[2], row[3], row[4], row[5], row[6] = id, owner, "notesbench", prefix, hash, benchScopes, now
			}},
	}
}

// checkEmpty refuses a database without the schema or with users in it.
func checkEmpty(ctx context.Context, db *sql.DB) error {
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return fmt.Errorf("seed: the database has no schema (run notesd migrate first): %w", err)
	}
	if n > 0 {
		return fmt.Errorf("seed: the database already has %d users", n)
	}
	return nil
}

// insertRows inserts rows with ids 1..n into table: fill sets the
// values of columns for one id. Rows go seedRowsPerInsert to a statement
// and seedBatch to a transaction.
func insertRows(ctx context.Context, db *sql.DB, n int, table string, columns []string, fill func(id int64, row []any)) error {
	for first := 1; first <= n; first += seedBatch {
		last := min(first+seedBatch-1, n)
		if err := insertBatch(ctx, db, int64(first), int64(last), table, columns, fill); err != nil {
			return err
		}
	}
	return nil
}

// insertBatch inserts the rows of ids first..last in one transaction.
func insertBatch(ctx context.Context, db *sql.DB, first, last int64, table string, columns []string, fill func(id int64, row []any)) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	stmts := map[int]*sql.Stmt{}
	args := make([]any, 0, seedRowsPerInsert*len(columns))
	for id := first; id <= last; id += seedRowsPerInsert {
		rows := int(min(seedRowsPerInsert, last-id+1))
		stmt := stmts[rows]
		if stmt == nil {
			if stmt, err = tx.PrepareContext(ctx, insertQuery(table, columns, rows)); err != nil {
				return err
			}
			defer stmt.Close()
			stmts[rows] = stmt
		}
		args = args[:rows*len(columns)]
		for r := range rows {
			fill(id+int64(r), args[r*len(columns):(r+1)*len(columns)])
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("rows %d to %d: %w", id, id+int64(rows)-1, err)
		}
	}
	return tx.Commit()
}

// insertQuery is an INSERT of rows rows into table's columns.
func insertQuery(table string, columns []string, rows int) string {
	group := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(group+", ", rows), ", ")
}

// spreadIDs returns k ids spread evenly over 1..n, ascending (all of them
// when k ≥ n).
func spreadIDs(n, k int) []int64 {
	k = min(k, n)
	ids := make([]int64, 0, k)
	for j := range k {
		ids = append(ids, int64(1+j*n/k))
	}
	return ids
}
