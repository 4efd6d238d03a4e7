package sqlite

import (
	"context"
	"database/sql"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// BenchmarkCreateNearQuota creates and deletes notes of an owner with few
// notes and of one with 9,000, under the default quota (10,000), from 32
// goroutines (so group commit shares each sync and the writer's CPU is
// what bounds it): the quota check must not cost more the more notes an
// owner has, since every create of every user waits for the one writer.
func BenchmarkCreateNearQuota(b *testing.B) {
	for _, tc := range []struct {
		name  string
		notes int
	}{
		{"owner with 10 notes", 10},
		{"owner with 9000 notes", 9000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := b.Context()
			db := openTest(b, true)
			u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ann@x.test", Name: "Ann"})
			if err != nil {
				b.Fatal(err)
			}
			err = db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?2)
INSERT INTO notes (owner_id, title, body, created_at, updated_at) SELECT ?1, 'seed', '', 0, 0 FROM k`, u.ID, tc.notes)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			mine := db.Notes(gatehousetest.Owner(u.ID))
			in := notes.NoteInput{Title: "bench", Body: "a note", MaxPerUser: httpapi.DefaultNotesPerUser}
			b.SetParallelism(16) // × GOMAXPROCS 2 here: 32 writers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n, err := mine.Create(ctx, in)
					if err != nil {
						b.Error(err)
						return
					}
					if err := mine.Delete(ctx, n.ID); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
