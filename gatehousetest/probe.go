package gatehousetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse"
)

// Identity is how a request acts as one user: the headers to send (for
// example Authorization: Bearer …).
type Identity struct {
	Header http.Header
}

// Bearer returns the Identity of a bearer token.
func Bearer(token string) Identity {
	return Identity{Header: http.Header{"Authorization": {"Bearer " + token}}}
}

// Owned is what Seed made for user A.
type Owned struct {
	// IDs maps a path parameter's name to the id of one of A's resources,
	// per route path: {"/notes/{id}": {"id": "42"}}.
	IDs map[string]map[string]string
	// Markers are strings that appear only in A's data (a note's title):
	// no list answered to B may contain one.
	Markers []string
}

// Probe is the cross-user probe of one API.
type Probe struct {
	// Handler serves the API.
	Handler http.Handler
	// Routes are the API's routes (gatehouse.API.Routes); the probe replays
	// every protected route with a path parameter, owner-scoped or not
	// (the lesson's IDOR is a route that forgot to be), and lists every
	// protected GET route without one.
	Routes []gatehouse.Route
	// NewUser creates a user and returns how to act as them.
	NewUser func(t testing.TB, name string) Identity
	// Seed creates resources of user a.
	Seed func(t testing.TB, a Identity) Owned
	// Bodies are JSON bodies to send, by "METHOD /path" pattern, so that
	// a write would pass validation and reach storage.
	Bodies map[string]string
	// Missing is an id that names nothing; default "987654321".
	Missing string
	// Skip leaves routes out of the probe, by "METHOD /path" pattern, each
	// with the reason (pages probed elsewhere with cookies, say), as
	// gatehouse.Public does for protection: a route is never skipped
	// silently.
	Skip map[string]string
}

// Run runs the probe as subtests of t, one per probed route.
func (p Probe) Run(t *testing.T) {
	t.Helper()
	for _, c := range p.cases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range c.check() {
				t.Error(f)
			}
		})
	}
}

// Findings runs the probe and returns what it found wrong, without
// failing t (t is only for NewUser and Seed): for testing the probe, or
// for reporting the findings some other way.
func (p Probe) Findings(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, c := range p.cases(t) {
		for _, f := range c.check() {
			out = append(out, c.name+": "+f)
		}
	}
	return out
}

// probeCase is one route to probe.
type probeCase struct {
	name  string
	check func() []string
}

// cases makes the users and A's resources and returns the checks.
func (p Probe) cases(t testing.TB) []probeCase {
	t.Helper()
	missing := p.Missing
	if missing == "" {
		missing = "987654321"
	}
	a := p.NewUser(t, "probe-a")
	b := p.NewUser(t, "probe-b")
	owned := p.Seed(t, a)
	var cases []probeCase
	for _, rt := range p.Routes {
		pattern := rt.Method + " " + rt.Path
		if rt.Method == "" || rt.Public != "" || !rt.Security.Protected() {
			continue // no one to be: anyone may call it
		}
		if _, skip := p.Skip[pattern]; skip {
			continue
		}
		ids, takesID := owned.IDs[rt.Path]
		switch {
		case !strings.Contains(strings.ReplaceAll(rt.Path, "{$}", ""), "{"): // {$} only anchors the path
			if rt.Method == http.MethodGet {
				cases = append(cases, probeCase{pattern + " (list)", func() []string { return p.checkList(rt, b, owned.Markers) }})
			}
		case !takesID:
			cases = append(cases, probeCase{pattern, func() []string {
				return []string{"takes an id but Seed gave none for " + rt.Path + ": the probe cannot check it"}
			}})
		default:
			cases = append(cases, probeCase{pattern, func() []string { return p.checkOwned(rt, ids, missing, b) }})
		}
	}
	if len(cases) == 0 {
		cases = append(cases, probeCase{"routes", func() []string { return []string{"no protected route to probe"} }})
	}
	return cases
}

// checkOwned asks for A's resource as B, for a missing one as B, and for
// A's as nobody.
func (p Probe) checkOwned(rt gatehouse.Route, ids map[string]string, missing string, b Identity) []string {
	var out []string
	body := p.Bodies[rt.Method+" "+rt.Path]
	theirs := p.send(rt.Method, fill(rt.Path, ids, ""), body, b)
	none := p.send(rt.Method, fill(rt.Path, ids, missing), body, b)
	if theirs.code != none.code || !bytes.Equal(theirs.body, none.body) || theirs.contentType != none.contentType {
		out = append(out, fmt.Sprintf("as another user: %d %s; for a missing id: %d %s; want the same answer",
			theirs.code, bytes.TrimSpace(theirs.body), none.code, bytes.TrimSpace(none.body)))
	}
	if theirs.code < 400 {
		out = append(out, fmt.Sprintf("another user's request succeeded: %d %s", theirs.code, bytes.TrimSpace(theirs.body)))
	}
	anon := p.send(rt.Method, fill(rt.Path, ids, ""), body, Identity{})
	if anon.code != http.StatusUnauthorized || anon.challenge == "" {
		out = append(out, fmt.Sprintf("without credentials: %d (WWW-Authenticate %q), want 401 with a challenge", anon.code, anon.challenge))
	}
	return out
}

// checkList lists as B and looks for A's markers.
func (p Probe) checkList(rt gatehouse.Route, b Identity, markers []string) []string {
	var out []string
	res := p.send(rt.Method, strings.ReplaceAll(rt.Path, "{$}", ""), "", b)
	for _, m := range markers {
		if bytes.Contains(res.body, []byte(m)) {
			out = append(out, fmt.Sprintf("GET %s as another user shows %q: %s", rt.Path, m, res.body))
		}
	}
	return out
}

// fill puts ids (or missing, when given) into path's {params}.
func fill(path string, ids map[string]string, missing string) string {
	for name, id := range ids {
		if missing != "" {
			id = missing
		}
		path = strings.ReplaceAll(path, "{"+name+"}", id)
	}
	return path
}

type answer struct {
	code        int
	body        []byte
	contentType string
	challenge   string
}

func (p Probe) send(method, path, body string, as Identity) answer {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	for k, vs := range as.Header {
		r.Header[k] = vs
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	rec := &leaving{ResponseRecorder: httptest.NewRecorder(), leave: cancel}
	p.Handler.ServeHTTP(rec, r.WithContext(ctx))
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return answer{code: res.StatusCode, body: b, contentType: res.Header.Get("Content-Type"), challenge: res.Header.Get("WWW-Authenticate")}
}

// leaving is a recorder whose client leaves as soon as an event stream
// begins: a stream runs until its client leaves, and the probe reads only
// what it sends at once.
type leaving struct {
	*httptest.ResponseRecorder
	leave context.CancelFunc
}

func (l *leaving) WriteHeader(code int) {
	if strings.HasPrefix(l.Header().Get("Content-Type"), "text/event-stream") {
		l.leave()
	}
	l.ResponseRecorder.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the recorder.
func (l *leaving) Unwrap() http.ResponseWriter { return l.ResponseRecorder }
