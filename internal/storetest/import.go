package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Importer is an engine's store with the import's operator method.
type Importer interface {
	Store
	ImportUser(ctx context.Context, in notes.ImportedUser) (accounts.User, error)
}

// RunImport checks ImportUser on a fresh, migrated store from open: a user
// is imported with all their notes, or not at all.
func RunImport(t *testing.T, open func(t *testing.T) Importer) {
	t.Helper()
	t.Parallel()
	db := open(t)
	ctx := t.Context()
	in := notes.ImportedUser{
		NewUser: accounts.NewUser{Email: "alice@example.com", Name: "Alice", Role: accounts.RoleAdmin, PasswordHash: "$2b$04$hash"},
		Active:  false,
		Notes:   []notes.NoteInput{{Title: "first", Body: "a"}, {Title: "second"}},
	}
	u, err := db.ImportUser(ctx, in)
	if err != nil {
		t.Fatalf("ImportUser = %v, want nil", err)
	}
	if u.Email != in.Email || u.Role != accounts.RoleAdmin || u.Active || u.PasswordHash != in.PasswordHash {
		t.Errorf("ImportUser = %+v, want the imported admin, inactive, with the hash as given", u)
	}
	titles := func(id int64) []string {
		t.Helper()
		ns, _, err := db.Notes(gatehousetest.Owner[int64](id)).List(ctx, notes.Page{})
		if err != nil {
			t.Fatalf("List = %v", err)
		}
		var out []string
		for _, n := range ns {
			out = append(out, n.Title)
		}
		return out
	}
	if got := titles(u.ID); len(got) != 2 || got[0] != "second" || got[1] != "first" {
		t.Errorf("imported notes = %q, want [second first] (the last is the newest)", got)
	}

	// The e-mail is taken: nothing is stored, not even the notes.
	again := in
	again.Notes = []notes.NoteInput{{Title: "third"}}
	if _, err := db.ImportUser(ctx, again); !errors.Is(err, accounts.ErrConflict) {
		t.Errorf("ImportUser(taken e-mail) = %v, want ErrConflict", err)
	}
	if got := titles(u.ID); len(got) != 2 {
		t.Errorf("after a refused import alice has %q, want her 2 notes", got)
	}

	// A note that cannot be stored refuses the whole user.
	bad := notes.ImportedUser{
		NewUser: accounts.NewUser{Email: "bob@example.com", PasswordHash: "x"},
		Active:  true,
		Notes:   []notes.NoteInput{{Title: "fine"}, {Title: "bad", Body: "\x00"}},
	}
	var ve *accounts.ValidationError
	if _, err := db.ImportUser(ctx, bad); !errors.As(err, &ve) {
		t.Errorf("ImportUser(NUL in a note) = %v, want a *ValidationError", err)
	}
	if _, err := db.UserByEmail(ctx, "bob@example.com"); !errors.Is(err, notes.ErrNotFound) {
		t.Errorf("UserByEmail(refused import) = %v, want ErrNotFound", err)
	}
}
