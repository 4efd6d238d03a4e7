package httpapi_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
)

// TestCrossUserNotes: user B asks for each of user A's notes by id (GET,
// PATCH, DELETE) and gets a body byte-identical to a nonexistent id's; A's
// notes are unchanged afterwards and B's list never shows them.
func TestCrossUserNotes(t *testing.T) {
	e := newEnv(t)
	a, b := e.register("a@example.com"), e.register("b@example.com")
	aTok, bTok := e.login(a), e.login(b)
	var aNotes []note
	for _, title := range []string{"one", "two", "three"} {
		aNotes = append(aNotes, e.createNote(aTok, title))
	}
	e.createNote(bTok, "b's own")
	const missing = 987654321

	for _, m := range []struct {
		method string
		body   any
	}{{"GET", nil}, {"PATCH", map[string]string{"title": "pwned"}}, {"DELETE", nil}} {
		want := e.must(404, req{method: m.method, path: fmtPath("/notes/%d", missing), token: bTok, json: m.body})
		for _, n := range aNotes {
			got := e.must(404, req{method: m.method, path: fmtPath("/notes/%d", n.ID), token: bTok, json: m.body})
			if !bytes.Equal(got.body, want.body) {
				t.Errorf("%s A's note %d as B = %s, want the missing-note body %s", m.method, n.ID, got.body, want.body)
			}
			if got.header.Get("Content-Type") != want.header.Get("Content-Type") {
				t.Errorf("%s A's note: Content-Type differs from a missing note's", m.method)
			}
		}
	}
	for _, n := range aNotes {
		var after note
		e.must(200, req{method: "GET", path: fmtPath("/notes/%d", n.ID), token: aTok}).decode(t, &after)
		if after != n {
			t.Errorf("A's note after B's attempts = %+v, want %+v", after, n)
		}
	}
	var list struct{ Items []note }
	e.must(200, req{method: "GET", path: "/notes", token: bTok}).decode(t, &list)
	for _, n := range list.Items {
		if n.OwnerID != b.ID {
			t.Errorf("B's list holds note %+v of user %d", n, n.OwnerID)
		}
	}
	if len(list.Items) != 1 {
		t.Errorf("B's list has %d notes, want 1", len(list.Items))
	}
}

// TestCrossUserProbe runs gatehousetest's probe over every protected
// route of notesd that takes an id, owner-scoped or not: another user's id answers exactly as a missing one,
// nobody gets 401, and no list shows another user's data.
func TestCrossUserProbe(t *testing.T) {
	e := newEnv(t)
	n := 0
	gatehousetest.Probe{
		Handler: e.api,
		Routes:  e.api.Routes(),
		NewUser: func(t testing.TB, name string) gatehousetest.Identity {
			n++
			u := e.register(fmtPath("%s-%d@example.com", name, n))
			id := gatehousetest.Bearer(e.login(u))
			id.Header.Set("Cookie", e.webSession(u)) // for the /ui pages
			return id
		},
		Seed: func(t testing.TB, a gatehousetest.Identity) gatehousetest.Owned {
			tok := strings.TrimPrefix(a.Header.Get("Authorization"), "Bearer ")
			note := e.createNote(tok, "probe-secret-title")
			var k apiKeyOut
			e.must(201, req{method: "POST", path: "/api-keys", token: tok, json: map[string]any{"name": "probe-secret-key", "scopes": []string{"notes:read"}}}).decode(t, &k)
			var me struct{ ID int64 }
			e.must(200, req{method: "GET", path: "/me", token: tok}).decode(t, &me)
			uid := strconv.FormatInt(me.ID, 10)
			return gatehousetest.Owned{
				IDs: map[string]map[string]string{
					"/notes/{id}":                 {"id": strconv.FormatInt(note.ID, 10)},
					"/api-keys/{id}":              {"id": strconv.FormatInt(k.ID, 10)},
					"/me/sessions/{id}":           {"id": sessionOf(t, tok)},
					"/ui/notes/{id}/delete":       {"id": strconv.FormatInt(note.ID, 10)},
					"/ui/sessions/{id}/revoke":    {"id": sessionOf(t, tok)},
					"/ui/api-keys/{id}/revoke":    {"id": strconv.FormatInt(k.ID, 10)},
					"/ui/admin/users/{id}/active": {"id": uid},
					"/ui/admin/users/{id}/role":   {"id": uid},
					// Admin routes cross owners by design; B, no admin, is refused alike.
					"/admin/notes/{id}":          {"id": strconv.FormatInt(note.ID, 10)},
					"/admin/users/{id}":          {"id": uid},
					"/admin/users/{id}/sessions": {"id": uid},
				},
				Markers: []string{"probe-secret-title", "probe-secret-key", k.Prefix},
			}
		},
		Bodies: map[string]string{
			"PATCH /notes/{id}":                `{"title":"overwritten"}`,
			"PATCH /admin/users/{id}":          `{"is_active":false}`,
			"POST /ui/admin/users/{id}/active": "active=false",
			"POST /ui/admin/users/{id}/role":   "role=admin",
		},
	}.Run(t)
}
