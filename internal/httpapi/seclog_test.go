package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// logBuffer is a goroutine-safe log destination.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the JSON lines logged so far whose msg is msg.
func (l *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func jsonLogs(logs *logBuffer) func(*httpapi.Config) {
	return func(c *httpapi.Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) }
}

// event returns the one security line of event, failing unless there is
// exactly one.
func event(t *testing.T, logs *logBuffer, name string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, m := range logs.lines(t, "security") {
		if m["event"] == name {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d security lines of %s, want 1; logs:\n%s", len(found), name, logs)
	}
	return found[0]
}

// wantAttrs fails unless line has each attribute as given.
func wantAttrs(t *testing.T, what string, line map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s: %s = %v (%T), want %v; line %v", what, k, line[k], line[k], v, line)
		}
	}
}

func TestSecurityEventLines(t *testing.T) {
	logs := &logBuffer{}
	e := newEnv(t, jsonLogs(logs))
	ada := e.register("ada@example.com")
	id := strconv.FormatInt(ada.ID, 10)

	e.must(401, req{method: "POST", path: "/auth/login", remoteAddr: "198.51.100.7:999",
		header: map[string]string{"X-Request-Id": "req-login-1"},
		form:   url.Values{"username": {ada.Email}, "password": {"wrong-password"}}})
	wantAttrs(t, "login_failed", event(t, logs, "login_failed"),
		map[string]any{"user_id": id, "ip": "198.51.100.7", "request_id": "req-login-1", "level": "WARN"})

	first := e.loginPair(ada)
	e.refresh(first.RefreshToken, 200)
	e.refresh(first.RefreshToken, 200) // a retry within the interval: no event
	second := e.loginPair(ada)
	third := e.refresh(second.RefreshToken, 200)
	e.refresh(third.RefreshToken, 200)
	res := e.must(401, req{method: "POST", path: "/auth/refresh", remoteAddr: "198.51.100.8:1",
		header: map[string]string{"X-Request-Id": "req-reuse-1"},
		form:   url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken}}})
	_ = res
	line := event(t, logs, "refresh_reuse_detected")
	wantAttrs(t, "refresh_reuse_detected", line,
		map[string]any{"user_id": id, "ip": "198.51.100.8", "request_id": "req-reuse-1"})
	if _, ok := line["session_id"].(string); !ok {
		t.Errorf("refresh_reuse_detected has no session id: %v", line)
	}

	tok := e.login(ada)
	var key struct {
		ID  int64  `json:"id"`
		Key string `json:"key"`
	}
	e.must(201, req{method: "POST", path: "/api-keys", token: tok, json: map[string]any{"name": "k", "scopes": []string{"notes:read"}}}).decode(t, &key)
	wantAttrs(t, "api_key_created", event(t, logs, "api_key_created"), map[string]any{"user_id": strconv.FormatInt(ada.ID, 10), "key_id": float64(key.ID), "ip": "192.0.2.1"})
	e.must(204, req{method: "DELETE", path: "/api-keys/" + strconv.FormatInt(key.ID, 10), token: tok})
	wantAttrs(t, "api_key_revoked", event(t, logs, "api_key_revoked"), map[string]any{"key_id": float64(key.ID)})
	e.must(200, req{method: "PATCH", path: "/me", token: tok, json: map[string]string{"password": "a-new-password", "current_password": ada.password}})
	pc := event(t, logs, "password_changed")
	if pc["session_id"] == nil || pc["user_id"] == nil {
		t.Errorf("password_changed lacks user or session: %v", pc)
	}

	boss := e.admin("boss@example.com")
	btok := e.login(boss)
	e.must(200, req{method: "PATCH", path: "/admin/users/" + strconv.FormatInt(ada.ID, 10), token: btok, json: map[string]any{"is_active": false}})
	wantAttrs(t, "admin_user_changed", event(t, logs, "admin_user_changed"),
		map[string]any{"user_id": strconv.FormatInt(boss.ID, 10), "target_user_id": float64(ada.ID), "is_active": false})

	// The request lines name the user once authenticated, and the client.
	var sawUser bool
	for _, l := range logs.lines(t, "request") {
		if l["route"] == "PATCH /me" {
			sawUser = true
			wantAttrs(t, "request line of PATCH /me", l, map[string]any{"user_id": strconv.FormatInt(ada.ID, 10), "ip": "192.0.2.1", "status": 200.0})
		}
	}
	if !sawUser {
		t.Errorf("no request line for PATCH /me")
	}
	for _, secret := range []string{ada.password, "a-new-password", "wrong-password", first.RefreshToken, second.RefreshToken, tok, key.Key} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds a secret")
		}
	}
}

func TestReadyzDrainingAndRedis(t *testing.T) {
	var draining, degraded atomic.Bool
	e := newEnv(t, func(c *httpapi.Config) {
		c.Readiness = []httpapi.Readiness{httpapi.Draining(draining.Load), httpapi.RedisState(degraded.Load)}
	})
	check := func(code int, body string) {
		t.Helper()
		res := e.must(code, req{method: "GET", path: "/readyz"})
		if !strings.Contains(string(res.body), body) {
			t.Errorf("/readyz = %d %s, want %s in it", res.code, res.body, body)
		}
	}
	check(200, `"redis":"ok"`)
	degraded.Store(true)
	check(200, `"redis":"degraded"`)
	draining.Store(true)
	check(503, `"server":"draining"`)
}
