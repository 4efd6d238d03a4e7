package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
)

func TestBaselineHandler(t *testing.T) {
	t.Parallel()
	h := baselineHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/notes/42", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /notes/42 = %d %q, want 200 application/json", rec.Code, rec.Header().Get("Content-Type"))
	}
	// The shape of notesd's note view, with a seeded note's title and body.
	var fields map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &fields); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"body", "created_at", "id", "owner_id", "title", "updated_at"}; !slices.Equal(keys, want) {
		t.Errorf("GET /notes/42 fields = %v, want %v", keys, want)
	}
	var n baselineNote
	if err := json.Unmarshal(rec.Body.Bytes(), &n); err != nil {
		t.Fatal(err)
	}
	if n.ID != 42 || n.Title != noteTitle(42) || n.Body != noteBody || !n.CreatedAt.Equal(n.CreatedAt.Truncate(time.Microsecond)) {
		t.Errorf("GET /notes/42 = %+v, want note 42 as seeded, times in microseconds", n)
	}

	for path, want := range map[string]int{"/healthz": 200, "/notes/x": 404, "/me": 404} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{"127.0.0.1:0": true, "127.0.0.1:8080": true, "0.0.0.0:80": false, ":80": false, "localhost:80": false, "x": false} {
		if err := loopbackOnly(addr); (err == nil) != ok {
			t.Errorf("loopbackOnly(%q) = %v, want ok %v", addr, err, ok)
		}
	}
}

func TestRouteRequests(t *testing.T) {
	t.Parallel()
	if got := notesOf(3, 10, 35); !slices.Equal(got, []int64{3, 13, 23, 33}) {
		t.Errorf("notesOf(3, 10, 35) = %v, want [3 13 23 33]", got)
	}
	if got := len(notesOf(1, 1, 1000)); got != maxNotesPerUser {
		t.Errorf("len(notesOf(1, 1, 1000)) = %d, want %d", got, maxNotesPerUser)
	}
	sessions := []session{{UserID: 1, Token: "a", NoteIDs: []int64{1, 3}}, {UserID: 2, Token: "b", NoteIDs: []int64{2}}}
	reqs := routeRequests(sessions, []sampleKey{{Key: "gk_k", UserID: 1}})
	var paths []string
	for _, r := range reqs[routeNotes] {
		paths = append(paths, r.Path+" "+r.Value)
	}
	if want := []string{"/notes/1 Bearer a", "/notes/2 Bearer b", "/notes/3 Bearer a"}; !slices.Equal(paths, want) {
		t.Errorf("notes requests = %q, want %q (interleaved across users)", paths, want)
	}
	if !slices.Equal(reqs[routeBaseline], reqs[routeNotes]) || !slices.Equal(reqs[routeFixed], reqs[routeNotes]) {
		t.Error("the baselines are not sent the notes requests")
	}
	if got := reqs[routeMe]; len(got) != 2 || got[1] != (request{Path: "/me", Header: "Authorization", Value: "Bearer b"}) {
		t.Errorf("me requests = %+v", got)
	}
	if got := reqs[routeData]; len(got) != 1 || got[0] != (request{Path: "/data", Header: "X-API-Key", Value: "gk_k"}) {
		t.Errorf("data requests = %+v", got)
	}
	if !strings.HasPrefix(emailOf(7), "user7@") {
		t.Errorf("emailOf(7) = %q", emailOf(7))
	}
}

// TestFixedBaselineHandler holds the fixed baseline to the encoding one:
// for every id, the same status, content type, JSON shape and byte size.
func TestFixedBaselineHandler(t *testing.T) {
	t.Parallel()
	fixed, err := fixedBaselineHandler()
	if err != nil {
		t.Fatal(err)
	}
	encoding := baselineHandler()
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	shape := func(b []byte) []string {
		var fields map[string]any
		if err := json.Unmarshal(b, &fields); err != nil {
			t.Fatalf("not JSON: %v: %s", err, b)
		}
		var keys []string
		for k, v := range fields {
			keys = append(keys, fmt.Sprintf("%s:%T", k, v))
		}
		slices.Sort(keys)
		return keys
	}
	for _, id := range []int64{1, 7, 10, 42, 999, 1000, 65432, 1234567, 12345678, 987654321012, math.MaxInt64} {
		path := "/notes/" + strconv.FormatInt(id, 10)
		f, e := get(fixed, path), get(encoding, path)
		if f.Code != http.StatusOK || f.Header().Get("Content-Type") != "application/json" {
			t.Errorf("fixed GET %s = %d %q, want 200 application/json", path, f.Code, f.Header().Get("Content-Type"))
			continue
		}
		if f.Body.Len() != e.Body.Len() {
			t.Errorf("GET %s: the fixed baseline answers %d bytes, the encoding one %d:\n%s\n%s", path, f.Body.Len(), e.Body.Len(), f.Body, e.Body)
		}
		if fs, es := shape(f.Body.Bytes()), shape(e.Body.Bytes()); !slices.Equal(fs, es) {
			t.Errorf("GET %s: the fixed baseline's shape is %v, the encoding one's %v", path, fs, es)
		}
	}
	// Same id, same digits: the very bytes the encoding baseline writes.
	if f, e := get(fixed, "/notes/1000"), get(encoding, "/notes/1000"); f.Body.String() != e.Body.String() {
		t.Errorf("GET /notes/1000: fixed %s, encoding %s", f.Body, e.Body)
	}
	for path, want := range map[string]int{"/healthz": 200, "/notes/x": 404, "/notes/0": 404, "/notes/-3": 404, "/notes/007": 404, "/me": 404} {
		if rec := get(fixed, path); rec.Code != want {
			t.Errorf("fixed GET %s = %d, want %d", path, rec.Code, want)
		}
	}
}

// TestVerifyBaselineHandler: the verify baseline answers a token as
// notesd issues it with the encoding baseline's body, and 401 to no
// token, another secret, another issuer or an expired token.
func TestVerifyBaselineHandler(t *testing.T) {
	t.Parallel()
	secret := []byte(randomSecret())
	issue := func(t *testing.T, secret []byte, issuer string, exp time.Time) string {
		t.Helper()
		key, err := auth.HS256Key("k", secret)
		if err != nil {
			t.Fatal(err)
		}
		kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: issuer, Audience: "notesd"}, key)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := kr.Issue(auth.Claims{Subject: "7", SessionID: "3", IssuedAt: exp.Add(-2 * time.Hour), ExpiresAt: exp})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	goodKey, _, _ := auth.NewAPIKey()
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := writeKeyHashes(keyFile, []sampleKey{{Key: goodKey, UserID: 7}}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(keyFile); err != nil || strings.Contains(string(b), goodKey) {
		t.Fatalf("the key file holds the key itself (or cannot be read: %v)", err)
	}
	keys, err := readKeyHashes(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	h := verifyBaselineHandler(secret, keys)
	get := func(auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/notes/42", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	want := httptest.NewRecorder()
	baselineHandler().ServeHTTP(want, httptest.NewRequest(http.MethodGet, "/notes/42", nil))
	good := "Bearer " + issue(t, secret, "notesd", time.Now().Add(time.Hour))
	for range 2 { // the second answer comes from the map
		if rec := get(good); rec.Code != 200 || rec.Body.String() != want.Body.String() {
			t.Fatalf("GET /notes/42 with a good token = %d %q, want 200 %q", rec.Code, rec.Body, want.Body)
		}
	}
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	r.Header.Set("Authorization", good)
	h.ServeHTTP(rec, r)
	if want := `{"id":7,"email":"user7@bench.example","name":"User 7","role":"user","is_active":true,"is_verified":false,"created_at":"2025-01-02T03:04:05.123456Z"}`; rec.Code != 200 || rec.Body.String() != want {
		t.Errorf("GET /me with a good token = %d %s, want 200 %s", rec.Code, rec.Body, want)
	}
	for name, a := range map[string]string{
		"no token":       "",
		"not bearer":     "Basic eDp5",
		"another secret": "Bearer " + issue(t, []byte(randomSecret()), "notesd", time.Now().Add(time.Hour)),
		"another issuer": "Bearer " + issue(t, secret, "other", time.Now().Add(time.Hour)),
		"expired":        "Bearer " + issue(t, secret, "notesd", time.Now().Add(-time.Hour)),
	} {
		if rec := get(a); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: GET /notes/42 = %d, want 401", name, rec.Code)
		}
	}
	otherKey, _, _ := auth.NewAPIKey()
	for key, want := range map[string]int{goodKey: 200, "": 401, otherKey: 401, goodKey + "x": 401, strings.ToUpper(goodKey): 401} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/data", nil)
		if key != "" {
			r.Header.Set("X-API-Key", key)
		}
		h.ServeHTTP(rec, r)
		if rec.Code != want || want == 200 && rec.Body.String() != `{"data":"secret"}` {
			t.Errorf("GET /data with key %q = %d %s, want %d", key, rec.Code, rec.Body, want)
		}
	}
}

// TestReadKeyHashes: a key file with anything but hex SHA-256 lines is refused.
func TestReadKeyHashes(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"short":   "abcd\n",
		"not hex": strings.Repeat("zz", 32) + "\n",
		"long":    strings.Repeat("ab", 33) + "\n",
	} {
		path := filepath.Join(t.TempDir(), "keys")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := readKeyHashes(path); err == nil {
			t.Errorf("%s: readKeyHashes accepted %q", name, body)
		}
	}
}

// TestGuardedBaseline: the guarded baseline answers the fixed baseline's
// body with notesd's response headers and a fresh request id, and logs a
// request line per answer, 404s included.
func TestGuardedBaseline(t *testing.T) {
	t.Parallel()
	fixed, err := fixedBaselineHandler()
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	h := guarded(fixed, true, slog.New(slog.NewTextHandler(&log, nil)))
	ids := map[string]bool{}
	for i, path := range []string{"/notes/42", "/notes/42", "/notes/x"} {
		rec, want := httptest.NewRecorder(), httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fixed.ServeHTTP(want, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want.Code || rec.Body.String() != want.Body.String() {
			t.Errorf("GET %s = %d %q, want the fixed baseline's %d %q", path, rec.Code, rec.Body, want.Code, want.Body)
		}
		for k, v := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "no-referrer", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"} {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, v)
			}
		}
		id := rec.Header().Get("X-Request-Id")
		if id == "" || ids[id] {
			t.Errorf("answer %d: X-Request-Id %q, want a new one", i, id)
		}
		ids[id] = true
		if line := strings.Split(strings.TrimSpace(log.String()), "\n"); len(line) != i+1 ||
			!strings.Contains(line[i], "request_id="+id) || !strings.Contains(line[i], fmt.Sprintf("status=%d bytes=%d", want.Code, want.Body.Len())) {
			t.Errorf("after answer %d the log is:\n%s\nwant its line, with request_id=%s status=%d bytes=%d", i, log.String(), id, want.Code, want.Body.Len())
		}
	}
}

// TestGuardedBaselineWithout: without headers the answer has none of
// notesd's but the request id; without a log nothing is logged.
func TestGuardedBaselineWithout(t *testing.T) {
	t.Parallel()
	fixed, err := fixedBaselineHandler()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	guarded(fixed, false, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/notes/42", nil))
	if rec.Code != 200 || rec.Header().Get("X-Request-Id") == "" || rec.Header().Get("Cache-Control") != "" || rec.Header().Get("X-Content-Type-Options") != "" {
		t.Errorf("without headers: %d %v, want 200 with a request id only", rec.Code, rec.Header())
	}
	var stderr strings.Builder
	for _, args := range [][]string{{"--fixed", "--guarded", "--without", "tls"}, {"--fixed", "--without", "log"}} {
		if err := runBaseline(t.Context(), args, io.Discard, &stderr); err == nil {
			t.Errorf("baseline %q = nil, want an error", args)
		}
	}
}
