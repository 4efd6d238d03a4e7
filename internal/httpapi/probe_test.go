package httpapi_test

import (
	"bytes"
	"testing"
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
