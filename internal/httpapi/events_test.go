package httpapi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct {
	id, kind string
	data     struct {
		ID   int64 `json:"id"`
		Note *note `json:"note"`
	}
}

// sseStream is an open GET /notes/events.
type sseStream struct {
	t      testing.TB
	res    *http.Response
	events chan sseEvent
	ended  chan struct{}
}

// openStream opens the event stream of tok (Last-Event-ID last, if any)
// on the server at base; it must answer 200.
func openStream(t testing.TB, base, tok, last string) *sseStream {
	t.Helper()
	res := streamRequest(t, base, tok, last)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("GET /notes/events = %d %q, want 200 text/event-stream; body %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	s := &sseStream{t: t, res: res, events: make(chan sseEvent, 100), ended: make(chan struct{})}
	t.Cleanup(func() { res.Body.Close() })
	go s.read()
	return s
}

func streamRequest(t testing.TB, base, tok, last string) *http.Response {
	t.Helper()
	r, err := http.NewRequest("GET", base+"/notes/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	if last != "" {
		r.Header.Set("Last-Event-ID", last)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("GET /notes/events: %v", err)
	}
	return res
}

func (s *sseStream) read() {
	defer close(s.ended)
	sc := bufio.NewScanner(s.res.Body)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.kind != "" {
				s.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			ev.kind = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data); err != nil {
				s.t.Errorf("event data %q: %v", line, err)
			}
		}
	}
}

// streamWait bounds every wait for an event or an end: SPEC §4's 5 s.
const streamWait = 5 * time.Second

// next returns the next event; it fails the test when the stream ends.
func (s *sseStream) next() sseEvent {
	s.t.Helper()
	select {
	case ev := <-s.events:
		return ev
	case <-s.ended:
		s.t.Fatal("the event stream ended, want another event")
	case <-time.After(streamWait):
		s.t.Fatalf("no event within %v", streamWait)
	}
	return sseEvent{}
}

// mustEnd fails the test unless the stream ends (within 5 s) with no more events.
func (s *sseStream) mustEnd() {
	s.t.Helper()
	select {
	case <-s.ended:
	case <-time.After(streamWait):
		s.t.Fatalf("the event stream is still open %v later, want it ended", streamWait)
	}
	select {
	case ev := <-s.events:
		s.t.Fatalf("event %+v before the end, want none", ev)
	default:
	}
}

func (s *sseStream) want(kind string, noteID int64) sseEvent {
	s.t.Helper()
	ev := s.next()
	if ev.kind != kind || ev.data.ID != noteID {
		s.t.Fatalf("event = %s %d, want %s %d", ev.kind, ev.data.ID, kind, noteID)
	}
	return ev
}

func serveEnv(t *testing.T, opts ...func(*httpapi.Config)) (*env, string) {
	t.Helper()
	e := newEnv(t, opts...)
	srv := httptest.NewServer(e.api)
	t.Cleanup(srv.Close)
	return e, srv.URL
}

// TestNoteEventsOwnOnly: a stream shows its owner's creates, updates and
// deletes, with the note, and never another user's.
func TestNoteEventsOwnOnly(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	alice, bob := e.login(e.register("alice@example.com")), e.login(e.register("bob@example.com"))
	as, bs := openStream(t, base, alice, ""), openStream(t, base, bob, "")

	theirs := e.createNote(bob, "bob's secret")
	e.must(200, req{method: "PATCH", path: fmt.Sprintf("/notes/%d", theirs.ID), token: bob, json: map[string]string{"title": "still bob's"}})
	mine := e.createNote(alice, "alice's note")
	e.must(200, req{method: "PATCH", path: fmt.Sprintf("/notes/%d", mine.ID), token: alice, json: map[string]string{"title": "renamed"}})
	e.must(204, req{method: "DELETE", path: fmt.Sprintf("/notes/%d", mine.ID), token: alice})
	e.must(204, req{method: "DELETE", path: fmt.Sprintf("/notes/%d", theirs.ID), token: bob})

	if ev := as.want("created", mine.ID); ev.data.Note == nil || ev.data.Note.Title != "alice's note" || ev.id == "" {
		t.Fatalf("created event = %+v, want the note and an id", ev)
	}
	if ev := as.want("updated", mine.ID); ev.data.Note == nil || ev.data.Note.Title != "renamed" {
		t.Fatalf("updated event = %+v, want the renamed note", ev)
	}
	if ev := as.want("deleted", mine.ID); ev.data.Note != nil {
		t.Fatalf("deleted event = %+v, want the id only", ev)
	}
	bs.want("created", theirs.ID)
	bs.want("updated", theirs.ID)
	bs.want("deleted", theirs.ID) // bob's last change: alice's stream has had its chance
	select {
	case ev := <-as.events:
		t.Fatalf("alice's stream received %s %d, another user's change", ev.kind, ev.data.ID)
	default:
	}
}

// TestNoteEventsEnd: a stream ends within 5 s of its session's logout and
// of its user's deactivation.
func TestNoteEventsEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(e *env, tok string, u user, adminTok string)
	}{
		{"logout", func(e *env, tok string, _ user, _ string) {
			e.must(204, req{method: "POST", path: "/auth/logout", token: tok})
		}},
		{"deactivation", func(e *env, _ string, u user, adminTok string) {
			e.must(200, req{method: "PATCH", path: fmt.Sprintf("/admin/users/%d", u.ID), token: adminTok, json: map[string]bool{"is_active": false}})
		}},
		{"session revoked", func(e *env, _ string, u user, adminTok string) {
			e.must(204, req{method: "DELETE", path: fmt.Sprintf("/admin/users/%d/sessions", u.ID), token: adminTok})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, base := serveEnv(t)
			adminTok := e.login(e.admin("root@example.com"))
			u := e.register("carol@example.com")
			tok := e.login(u)
			s := openStream(t, base, tok, "")
			n := e.createNote(tok, "before")
			s.want("created", n.ID) // the stream is live
			tt.end(e, tok, u, adminTok)
			s.mustEnd()
			if res := streamRequest(t, base, tok, ""); res.StatusCode != 401 && res.StatusCode != 400 {
				t.Errorf("a new stream after %s = %d, want 401 or 400", tt.name, res.StatusCode)
			}
		})
	}
}

// TestNoteEventsCap: past --max-streams-per-user a user's next stream is
// 429; another user is not affected, and a closed stream frees its slot.
func TestNoteEventsCap(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t, func(c *httpapi.Config) { c.Streams = events.NewHub(events.Config{MaxPerUser: 2}) })
	alice, bob := e.login(e.register("alice@example.com")), e.login(e.register("bob@example.com"))
	first := openStream(t, base, alice, "")
	openStream(t, base, alice, "")
	res := streamRequest(t, base, alice, "")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 429 || res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("third stream = %d %q (Retry-After %q) %s, want a 429 problem with Retry-After", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Retry-After"), b)
	}
	openStream(t, base, bob, "")
	first.res.Body.Close()
	<-first.ended
	for range 100 { // the server notices the close on its next write or check
		res := streamRequest(t, base, alice, "")
		if res.StatusCode == 200 {
			res.Body.Close()
			return
		}
		res.Body.Close()
		e.createNote(alice, "wake the streams") // a write finds the closed one
	}
	t.Fatal("a closed stream never freed its slot")
}

// TestNoteEventsResume: Last-Event-ID replays what came after it; an id the
// server cannot resume from gets a reset event first.
func TestNoteEventsResume(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	tok := e.login(e.register("dave@example.com"))
	s := openStream(t, base, tok, "")
	one, two := e.createNote(tok, "one"), e.createNote(tok, "two")
	first := s.want("created", one.ID)
	s.want("created", two.ID)
	s.res.Body.Close()
	three := e.createNote(tok, "three")

	r := openStream(t, base, tok, first.id)
	if ev := r.want("created", two.ID); ev.data.Note == nil || ev.data.Note.Title != "two" {
		t.Fatalf("replayed event = %+v, want the note read again", ev)
	}
	r.want("created", three.ID)

	bad := openStream(t, base, tok, "not-ours-1")
	if ev := bad.next(); ev.kind != "reset" {
		t.Fatalf("first event after an unknown Last-Event-ID = %q, want reset", ev.kind)
	}
}

// TestNoteEventsSessionCookie: the web UI's session cookie opens the event
// stream too (the /ui page's script uses it), with its owner's events
// only; logging out of the web UI ends it within 5 s.
func TestNoteEventsSessionCookie(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	alice, bob := e.register("alice@example.com"), e.register("bob@example.com")
	aliceTok, bobTok := e.login(alice), e.login(bob)
	cookie := e.webSession(alice)
	r, err := http.NewRequest("GET", base+"/notes/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Cookie", cookie)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("GET /notes/events with the session cookie = %d %s, want 200", res.StatusCode, b)
	}
	s := &sseStream{t: t, res: res, events: make(chan sseEvent, 100), ended: make(chan struct{})}
	t.Cleanup(func() { res.Body.Close() })
	go s.read()

	e.createNote(bobTok, "bob's")
	mine := e.createNote(aliceTok, "alice's")
	s.want("created", mine.ID) // the first event: bob's never came
	e.must(303, req{method: "POST", path: "/ui/logout", header: map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-origin"}})
	s.mustEnd()
}

// TestAdminDeleteNoteEvent: DELETE /admin/notes/{id} tells the note's
// owner's streams, on both engines; nobody else's.
func TestAdminDeleteNoteEvent(t *testing.T) {
	t.Parallel()
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			var store accounts.Users
			var e *env
			if eng.name == "postgres" {
				e = newPostgresEnv(t, func(c *httpapi.Config) { store = c.Accounts.Users })
			} else {
				e = newEnv(t, func(c *httpapi.Config) { store = c.Accounts.Users })
			}
			srv := httptest.NewServer(e.api)
			t.Cleanup(srv.Close)
			hash, err := e.hasher.Hash(t.Context(), "password-root")
			if err != nil {
				t.Fatal(err)
			}
			root, err := store.CreateUser(t.Context(), accounts.NewUser{Email: "root@example.com", Name: "Root", Role: accounts.RoleAdmin, PasswordHash: hash})
			if err != nil {
				t.Fatal(err)
			}
			adminTok := e.login(user{ID: root.ID, Email: root.Email, password: "password-root"})
			alice, bob := e.login(e.register("alice@example.com")), e.login(e.register("bob@example.com"))
			as, bs := openStream(t, srv.URL, alice, ""), openStream(t, srv.URL, bob, "")
			n := e.createNote(alice, "alice's")
			as.want("created", n.ID)
			e.must(204, req{method: "DELETE", path: fmt.Sprintf("/admin/notes/%d", n.ID), token: adminTok})
			as.want("deleted", n.ID)
			marker := e.createNote(bob, "bob's")
			bs.want("created", marker.ID) // bob's stream saw no deletion before its own event
		})
	}
}
