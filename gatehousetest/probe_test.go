package gatehousetest_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/problem"
)

type member struct{ ID int64 }

func (member) IsActive() bool      { return true }
func (member) HasRole(string) bool { return false }
func (m member) Subject() int64    { return m.ID }

// keys is an in-memory API key store: prefix → key.
type keys map[string]auth.StoredKey[member]

func (k keys) FindAPIKey(_ context.Context, prefix string) (auth.StoredKey[member], error) {
	if sk, ok := k[prefix]; ok {
		return sk, nil
	}
	return auth.StoredKey[member]{}, auth.ErrUnknown
}

func (keys) APIKeyUsed(context.Context, auth.StoredKey[member], time.Time) {}

// newUser returns the probe's NewUser over k: users 1, 2, … each with an
// API key; the first one made is A.
func (k keys) newUser() func(testing.TB, string) gatehousetest.Identity {
	users := int64(0)
	return func(testing.TB, string) gatehousetest.Identity {
		users++
		key, prefix, hash := auth.NewAPIKey()
		k[prefix] = auth.StoredKey[member]{ID: prefix, Hash: hash, User: member{users}}
		return gatehousetest.Identity{Header: map[string][]string{"X-Api-Key": {key}}}
	}
}

// probeOf builds a tiny notes API and its probe; leaky makes the handler
// forget the owner check (the seed's IDOR).
func probeOf(leaky bool) gatehousetest.Probe {
	store, notes := keys{}, map[int64]int64{} // note id → owner id
	authn := auth.MustNewAuthenticator(auth.Config[member]{APIKeys: store})
	api := gatehouse.New(gatehouse.Options{})
	api.Handle("GET /notes/{id}", dep.Handler2(auth.OwnerOf[int64](authn.APIKey()), dep.Path[int64]("id"),
		func(_ context.Context, o auth.Owner[int64], id int64) (string, error) {
			owner, ok := notes[id]
			if !ok || (!leaky && owner != o.ID()) {
				return "", problem.NotFound("Note")
			}
			return "a note", nil
		}))
	return gatehousetest.Probe{
		Handler: api,
		Routes:  api.Routes(),
		NewUser: store.newUser(),
		Seed: func(testing.TB, gatehousetest.Identity) gatehousetest.Owned {
			notes[7] = 1 // the first user made is A
			return gatehousetest.Owned{IDs: map[string]map[string]string{"/notes/{id}": {"id": "7"}}}
		},
	}
}

func TestProbePassesOwnerScopedAPI(t *testing.T) {
	probeOf(false).Run(t)
}

func TestProbeFindsIDOR(t *testing.T) {
	findings := probeOf(true).Findings(t)
	if len(findings) == 0 || !strings.Contains(strings.Join(findings, "\n"), "another user's request succeeded") {
		t.Fatalf("Findings on an API that serves anyone's note = %q, want the IDOR reported", findings)
	}
}

// lessonNote is a row of the lesson's notes table.
type lessonNote struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Title  string `json:"title"`
}

// lessonAPI is the lesson's vulnerable handler, verbatim in Go:
//
//	@app.get("/notes/{note_id}")
//	def get_note(note_id: int, current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
//	    note = db.query(Note).filter(Note.id == note_id).first()
//	    if not note:
//	        raise HTTPException(status_code=404, detail="Note not found")
//	    return note
//
// It authenticates (get_current_user) but never asks for an owner, so the
// route is not declared owner-scoped; fixed, it filters by the user too.
func lessonAPI(fixed bool) gatehousetest.Probe {
	store, db := keys{}, map[int64]lessonNote{}
	authn := auth.MustNewAuthenticator(auth.Config[member]{APIKeys: store})
	getCurrentUser := authn.APIKey()
	api := gatehouse.New(gatehouse.Options{})
	api.Handle("GET /notes/{note_id}", dep.Handler2(dep.Path[int64]("note_id"), getCurrentUser,
		func(_ context.Context, noteID int64, currentUser auth.Principal[member]) (lessonNote, error) {
			note, ok := db[noteID]
			if !ok || (fixed && note.UserID != currentUser.User().ID) {
				return lessonNote{}, problem.NotFound("Note")
			}
			return note, nil
		}))
	return gatehousetest.Probe{
		Handler: api,
		Routes:  api.Routes(),
		NewUser: store.newUser(),
		Seed: func(testing.TB, gatehousetest.Identity) gatehousetest.Owned {
			db[42] = lessonNote{ID: 42, UserID: 1, Title: "A's secret"}
			return gatehousetest.Owned{IDs: map[string]map[string]string{"/notes/{note_id}": {"note_id": "42"}}}
		},
	}
}

// TestProbeFindsLessonIDOR: the probe replays routes with a path parameter
// even when they are not declared owner-scoped, so it catches the lesson's
// own IDOR (before, it reported "no owner-scoped route to probe").
func TestProbeFindsLessonIDOR(t *testing.T) {
	findings := lessonAPI(false).Findings(t)
	if !strings.Contains(strings.Join(findings, "\n"), "another user's request succeeded") {
		t.Fatalf("Findings on the lesson's vulnerable handler = %q, want the IDOR reported", findings)
	}
	if got := lessonAPI(true).Findings(t); len(got) != 0 {
		t.Fatalf("Findings on the lesson's fixed handler = %q, want none", got)
	}
}

// TestPrincipalOverride: gatehousetest.Principal is a principal every
// check accepts, so a dep.Provide override behaves like a real login; a
// zero Principal (the old trap: Method left out) is anonymous.
func TestPrincipalOverride(t *testing.T) {
	store := keys{}
	authn := auth.MustNewAuthenticator(auth.Config[member]{APIKeys: store})
	reader := auth.RequireScopes(authn.APIKey(), "notes:read")
	h := dep.Handler(auth.OwnerOf[int64](reader), func(_ context.Context, o auth.Owner[int64]) (int64, error) { return o.ID(), nil })
	tests := []struct {
		name string
		p    auth.Principal[member]
		want int
	}{
		{"with the scope", gatehousetest.Principal(member{ID: 9}, "notes:read"), 200},
		{"without the scope", gatehousetest.Principal(member{ID: 9}), 403},
		{"zero principal", auth.Principal[member]{}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := dep.Provide(httptest.NewRequest("GET", "/", nil), authn.APIKey(), tt.p)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Errorf("override %s = %d %s, want %d", tt.name, rec.Code, rec.Body, tt.want)
			}
		})
	}
	if o := gatehousetest.Owner[int64](5); !o.Valid() || o.ID() != 5 {
		t.Errorf("Owner(5) = %v valid %v, want 5, valid", o.ID(), o.Valid())
	}
	if g := gatehousetest.Grant("admin"); !g.Has("admin") || g.Has("user") {
		t.Errorf("Grant(admin) = %q, want a grant of admin only", g.Role())
	}
}
