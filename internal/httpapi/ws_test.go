package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// wsMessage is one message of GET /notes/ws.
type wsMessage struct {
	Type    string `json:"type"`
	ID      int64  `json:"id"`
	EventID string `json:"event_id"`
	Note    *note  `json:"note"`
}

// wsStream is an open GET /notes/ws.
type wsStream struct {
	t      testing.TB
	c      *websocket.Conn
	msgs   chan wsMessage
	ended  chan struct{}
	status websocket.StatusCode // the close code the server sent, once ended
}

// wsDial opens GET /notes/ws (query q, if any) on the server at base with
// header h; it returns the socket, or the HTTP answer that refused it.
func wsDial(t testing.TB, base string, h http.Header, q url.Values) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/notes/ws"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	ctx, cancel := context.WithTimeout(context.Background(), streamWait)
	defer cancel()
	c, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err == nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, res, err
}

// openSocket opens GET /notes/ws with h; it must be accepted.
func openSocket(t testing.TB, base string, h http.Header, q url.Values) *wsStream {
	t.Helper()
	c, res, err := wsDial(t, base, h, q)
	if err != nil {
		code := 0
		if res != nil {
			code = res.StatusCode
		}
		t.Fatalf("GET /notes/ws = %d (%v), want 101", code, err)
	}
	s := &wsStream{t: t, c: c, msgs: make(chan wsMessage, 100), ended: make(chan struct{})}
	go s.read()
	return s
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func (s *wsStream) read() {
	defer close(s.ended)
	for {
		var m wsMessage
		if err := wsjson.Read(context.Background(), s.c, &m); err != nil {
			s.status = websocket.CloseStatus(err)
			return
		}
		s.msgs <- m
	}
}

// next returns the next message; it fails the test when the socket ends.
func (s *wsStream) next() wsMessage {
	s.t.Helper()
	select {
	case m := <-s.msgs:
		return m
	case <-s.ended:
		s.t.Fatalf("the socket closed (status %d), want another message", s.status)
	case <-time.After(streamWait):
		s.t.Fatalf("no message within %v", streamWait)
	}
	return wsMessage{}
}

func (s *wsStream) want(kind string, noteID int64) wsMessage {
	s.t.Helper()
	m := s.next()
	if m.Type != kind || m.ID != noteID {
		s.t.Fatalf("message = %s %d, want %s %d", m.Type, m.ID, kind, noteID)
	}
	return m
}

// mustClose fails the test unless the server closes the socket (within
// 5 s) with code and no more messages.
func (s *wsStream) mustClose(code websocket.StatusCode) {
	s.t.Helper()
	select {
	case <-s.ended:
	case <-time.After(streamWait):
		s.t.Fatalf("the socket is still open %v later, want it closed", streamWait)
	}
	if s.status != code {
		s.t.Errorf("close status = %d, want %d", s.status, code)
	}
	select {
	case m := <-s.msgs:
		s.t.Fatalf("message %+v before the close, want none", m)
	default:
	}
}

// TestNoteSocketOwnOnly: a socket opened with a bearer token, an API key
// or the web session cookie gets its owner's creates, updates and deletes
// as the JSON messages of SSE, and never another user's.
func TestNoteSocketOwnOnly(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	alice, bob, carol := e.register("alice@example.com"), e.register("bob@example.com"), e.register("carol@example.com")
	aliceTok, bobTok, carolTok := e.login(alice), e.login(bob), e.login(carol)
	var key struct {
		Key string `json:"key"`
	}
	e.must(201, req{method: "POST", path: "/api-keys", token: carolTok, json: map[string]any{"name": "ws", "scopes": []string{"notes:read"}}}).decode(t, &key)

	as := openSocket(t, base, bearer(aliceTok), nil)
	bs := openSocket(t, base, http.Header{"Cookie": {e.webSession(bob)}, "Origin": {base}}, nil)
	cs := openSocket(t, base, http.Header{"X-API-Key": {key.Key}}, nil)

	theirs := e.createNote(bobTok, "bob's secret")
	e.must(200, req{method: "PATCH", path: fmt.Sprintf("/notes/%d", theirs.ID), token: bobTok, json: map[string]string{"title": "still bob's"}})
	mine := e.createNote(aliceTok, "alice's note")
	e.must(200, req{method: "PATCH", path: fmt.Sprintf("/notes/%d", mine.ID), token: aliceTok, json: map[string]string{"title": "renamed"}})
	e.must(204, req{method: "DELETE", path: fmt.Sprintf("/notes/%d", mine.ID), token: aliceTok})
	carols := e.createNote(carolTok, "carol's")
	e.must(204, req{method: "DELETE", path: fmt.Sprintf("/notes/%d", theirs.ID), token: bobTok})

	if m := as.want("created", mine.ID); m.Note == nil || m.Note.Title != "alice's note" || m.EventID == "" {
		t.Fatalf("created message = %+v, want the note and an event id", m)
	}
	if m := as.want("updated", mine.ID); m.Note == nil || m.Note.Title != "renamed" {
		t.Fatalf("updated message = %+v, want the renamed note", m)
	}
	if m := as.want("deleted", mine.ID); m.Note != nil {
		t.Fatalf("deleted message = %+v, want the id only", m)
	}
	bs.want("created", theirs.ID)
	bs.want("updated", theirs.ID)
	cs.want("created", carols.ID)
	bs.want("deleted", theirs.ID) // the last change: the others have had their chance
	for name, s := range map[string]*wsStream{"alice's": as, "carol's": cs} {
		select {
		case m := <-s.msgs:
			t.Errorf("%s socket received %s %d, another user's change", name, m.Type, m.ID)
		default:
		}
	}
}

// TestNoteSocketEnd: a socket is closed with 1008 (policy violation)
// within 5 s of its session's logout (through the API or the web UI) and
// of its user's deactivation.
func TestNoteSocketEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cookie bool // open the socket with the web session instead of a token
		end    func(e *env, tok, cookie string, u user, adminTok string)
	}{
		{"logout", false, func(e *env, tok, _ string, _ user, _ string) {
			e.must(204, req{method: "POST", path: "/auth/logout", token: tok})
		}},
		{"deactivation", false, func(e *env, _, _ string, u user, adminTok string) {
			e.must(200, req{method: "PATCH", path: fmt.Sprintf("/admin/users/%d", u.ID), token: adminTok, json: map[string]bool{"is_active": false}})
		}},
		{"web logout", true, func(e *env, _, cookie string, _ user, _ string) {
			e.must(303, req{method: "POST", path: "/ui/logout", header: map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-origin"}})
		}},
		{"web deactivation", true, func(e *env, _, _ string, u user, adminTok string) {
			e.must(200, req{method: "PATCH", path: fmt.Sprintf("/admin/users/%d", u.ID), token: adminTok, json: map[string]bool{"is_active": false}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, base := serveEnv(t)
			adminTok := e.login(e.admin("root@example.com"))
			u := e.register("carol@example.com")
			tok := e.login(u)
			cookie := e.webSession(u)
			h := bearer(tok)
			if tt.cookie {
				h = http.Header{"Cookie": {cookie}}
			}
			s := openSocket(t, base, h, nil)
			n := e.createNote(tok, "before")
			s.want("created", n.ID) // the socket is live
			tt.end(e, tok, cookie, u, adminTok)
			s.mustClose(websocket.StatusPolicyViolation)
			_, res, err := wsDial(t, base, h, nil)
			if err == nil || res == nil || (res.StatusCode != 401 && res.StatusCode != 400) {
				t.Errorf("a new socket after %s: %v, want a 401 or 400 answer", tt.name, err)
			}
		})
	}
}

// TestNoteSocketOrigin: an upgrade carrying the session cookie from
// another origin is refused with a 403 problem, before anything is read
// of the credential; the same origin, or no Origin at all (not a
// browser), is accepted.
func TestNoteSocketOrigin(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	u := e.register("dave@example.com")
	cookie := e.webSession(u)
	for _, origin := range []string{"http://evil.example", "null", "https://" + strings.TrimPrefix(base, "http://") + ".evil.example"} {
		c, res, err := wsDial(t, base, http.Header{"Cookie": {cookie}, "Origin": {origin}}, nil)
		if err == nil {
			c.CloseNow()
			t.Fatalf("an upgrade from Origin %s with the session cookie was accepted, want 403", origin)
		}
		if res == nil || res.StatusCode != 403 || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("an upgrade from Origin %s = %v (%v), want a 403 problem", origin, res, err)
		}
	}
	for _, origin := range []string{base, ""} {
		h := http.Header{"Cookie": {cookie}}
		if origin != "" {
			h.Set("Origin", origin)
		}
		s := openSocket(t, base, h, nil)
		s.c.Close(websocket.StatusNormalClosure, "")
	}
}

// TestNoteSocketRefusals: a plain GET, or a bad handshake, is a 4xx
// problem, never a 500; so is a socket without a credential.
func TestNoteSocketRefusals(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	tok := e.login(e.register("erin@example.com"))
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no credential", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, 401},
		{"plain GET", map[string]string{"Authorization": "Bearer " + tok}, 426},
		{"bad key", map[string]string{"Authorization": "Bearer " + tok, "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "short"}, 400},
		{"old version", map[string]string{"Authorization": "Bearer " + tok, "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, 426},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest("GET", base+"/notes/ws", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.want || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET /notes/ws (%s) = %d %q %s, want a %d problem", tt.name, res.StatusCode, res.Header.Get("Content-Type"), b, tt.want)
			}
		})
	}
}

// TestNoteSocketCap: sockets and SSE streams share the per-user cap: past
// it the next socket is a 429 problem; another user is not affected.
func TestNoteSocketCap(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t, func(c *httpapi.Config) { c.Streams = events.NewHub(events.Config{MaxPerUser: 2}) })
	alice, bob := e.login(e.register("alice@example.com")), e.login(e.register("bob@example.com"))
	openSocket(t, base, bearer(alice), nil)
	openStream(t, base, alice, "")
	_, res, err := wsDial(t, base, bearer(alice), nil)
	if err == nil || res == nil || res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("a third stream (a socket): %v %v, want a 429 problem with Retry-After", res, err)
	}
	openSocket(t, base, bearer(bob), nil)
}

// TestNoteSocketResume: ?last_event_id= replays what came after it; an id
// the server cannot resume from gets a reset message first.
func TestNoteSocketResume(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	tok := e.login(e.register("frank@example.com"))
	s := openSocket(t, base, bearer(tok), nil)
	one, two := e.createNote(tok, "one"), e.createNote(tok, "two")
	first := s.want("created", one.ID)
	s.want("created", two.ID)
	s.c.Close(websocket.StatusNormalClosure, "")
	three := e.createNote(tok, "three")

	r := openSocket(t, base, bearer(tok), url.Values{"last_event_id": {first.EventID}})
	if m := r.want("created", two.ID); m.Note == nil || m.Note.Title != "two" {
		t.Fatalf("replayed message = %+v, want the note read again", m)
	}
	r.want("created", three.ID)

	bad := openSocket(t, base, bearer(tok), url.Values{"last_event_id": {"not-ours-1"}})
	if m := bad.next(); m.Type != "reset" {
		t.Fatalf("first message after an unknown last_event_id = %q, want reset", m.Type)
	}
}

// TestNoteSocketClientMessage: the socket is one way; a message from the
// client closes it with 1008.
func TestNoteSocketClientMessage(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	s := openSocket(t, base, bearer(e.login(e.register("gina@example.com"))), nil)
	if err := s.c.Write(context.Background(), websocket.MessageText, []byte(`{"hello":1}`)); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	s.mustClose(websocket.StatusPolicyViolation)
}

// TestNoteSocketDrain: when the hub closes (the server drains) an open
// socket is closed with 1001 (going away).
func TestNoteSocketDrain(t *testing.T) {
	t.Parallel()
	hub := events.NewHub(events.Config{})
	e, base := serveEnv(t, func(c *httpapi.Config) { c.Streams = hub })
	tok := e.login(e.register("hank@example.com"))
	s := openSocket(t, base, bearer(tok), nil)
	n := e.createNote(tok, "live")
	s.want("created", n.ID)
	hub.Close()
	s.mustClose(websocket.StatusGoingAway)
}
