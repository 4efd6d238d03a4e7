package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/accountstest"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Store is what the suite tests: an engine's notes store and the accounts
// store it stands beside, on one database.
type Store interface {
	notes.Store
	accountstest.Store
	// Ping checks that the database can commit a write (readiness).
	Ping(ctx context.Context) error
}

// behaviour is one named rule of the contract, checked on a fresh store.
type behaviour struct {
	name string
	test func(t *testing.T, s Store)
}

// behaviours lists every rule, by area.
func behaviours() []behaviour {
	var all []behaviour
	all = append(all, noteBehaviours...)
	all = append(all, quotaBehaviours...)
	all = append(all, textBehaviours...)
	all = append(all, storeBehaviours...)
	return all
}

// Run runs the whole contract suite against the engine that open opens.
// open is called once per subtest, possibly from parallel subtests, and
// must return a fresh, empty, migrated store; it should register the
// store's Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Helper()
	for _, b := range behaviours() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			b.test(t, open(t))
		})
	}
}

// timeTolerance is how far a stored time may be from the one given.
const timeTolerance = time.Millisecond

// approxTime compares times with timeTolerance.
var approxTime = cmpopts.EquateApproxTime(timeTolerance)

// email returns the e-mail address of the user called name. Names are
// distinct within a subtest, which has a store of its own.
func email(name string) string { return name + "@example.com" }

// wantErr fails t unless err is (or wraps) want.
func wantErr(t *testing.T, op string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want %v", op, err, want)
	}
}

// noErr stops t when err is not nil.
func noErr(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v, want nil error", op, err)
	}
}

// wantUTC fails t unless every time is in UTC.
func wantUTC(t *testing.T, what string, ts ...time.Time) {
	t.Helper()
	for _, ts := range ts {
		if ts.Location() != time.UTC {
			t.Errorf("%s location = %v, want UTC", what, ts.Location())
		}
	}
}

// wantNear fails t unless got lies within [from-tolerance, to+tolerance].
func wantNear(t *testing.T, what string, got, from, to time.Time) {
	t.Helper()
	if got.Before(from.Add(-timeTolerance)) || got.After(to.Add(timeTolerance)) {
		t.Errorf("%s = %v, want between %v and %v", what, got, from, to)
	}
}

// newUser creates an active user with role (empty: the default).
func newUser(t *testing.T, s Store, name string, role accounts.Role) accounts.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), accounts.NewUser{
		Email:        email(name),
		Name:         name,
		Role:         role,
		PasswordHash: "$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA",
	})
	noErr(t, "CreateUser", err)
	return u
}

// owner mints the Owner of u, as auth would.
func owner(u accounts.User) notes.Owner { return gatehousetest.Owner(u.ID) }

// live returns an expiry an hour from now.
func live() time.Time { return time.Now().Add(time.Hour) }

// newNote creates a note of o.
func newNote(t *testing.T, s Store, o notes.Owner, title string) notes.Note {
	t.Helper()
	n, err := s.Notes(o).Create(t.Context(), notes.NoteInput{Title: title, Body: "body of " + title})
	noErr(t, "Notes.Create", err)
	return n
}

// diff fails t when want and got differ.
func diff(t *testing.T, op string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", op, d)
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// storeBehaviours are the rules about the store as a whole.
var storeBehaviours = []behaviour{
	{"Ping", func(t *testing.T, s Store) {
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping() = %v, want nil", err)
		}
	}},
}

// collectPages walks a keyset-paginated list page by page with limit,
// checks the size of every page and the cursors, and returns all items.
func collectPages[T any](t *testing.T, op string, limit int, sizes []int,
	list func(ctx context.Context, p notes.Page) ([]T, int64, error), id func(T) int64,
) []T {
	t.Helper()
	var (
		all   []T
		after int64
		seen  = map[int64]bool{}
	)
	for i := 0; ; i++ {
		items, next, err := list(t.Context(), notes.Page{After: after, Limit: limit})
		noErr(t, op, err)
		if i >= len(sizes) {
			t.Fatalf("%s(after %d) = page %d with %d items, want only %d pages", op, after, i+1, len(items), len(sizes))
		}
		if len(items) != sizes[i] {
			t.Errorf("%s(after %d, limit %d) = %d items, want %d", op, after, limit, len(items), sizes[i])
		}
		for _, it := range items {
			if seen[id(it)] {
				t.Errorf("%s: id %d appears on two pages", op, id(it))
			}
			seen[id(it)] = true
		}
		all = append(all, items...)
		last := i == len(sizes)-1
		switch {
		case last && next != 0:
			t.Fatalf("%s(after %d) next cursor = %d on the last page, want 0", op, after, next)
		case !last && len(items) > 0 && next != id(items[len(items)-1]):
			t.Fatalf("%s(after %d) next cursor = %d, want %d (the last item's id)", op, after, next, id(items[len(items)-1]))
		case !last && next == 0:
			t.Fatalf("%s(after %d) next cursor = 0 on page %d of %d", op, after, i+1, len(sizes))
		}
		if next == 0 {
			return all
		}
		after = next
	}
}
