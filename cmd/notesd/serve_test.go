package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// waitLimit bounds every wait of the serve tests; it is generous because
// argon2id hashing is slow under the race detector.
const waitLimit = 2 * time.Minute

// listening matches the line serve prints once it accepts connections.
var listening = regexp.MustCompile(`(?m)^notesd listening on (http://\S+)$`)

// jsonListening finds the address in the JSON start-up line.
var jsonListening = regexp.MustCompile(`"msg":"notesd listening".*"docs":"(http://[^"]+)/docs"`)

// server is a notesd serve running in a goroutine.
type server struct {
	url    string
	stop   context.CancelFunc
	done   chan error
	stderr *syncBuffer
	stdout *syncBuffer
}

// startServer runs notesd serve with args and waits until it listens.
func startServer(t *testing.T, getenv func(string) string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stop: cancel, done: make(chan error, 1), stderr: new(syncBuffer)}
	stdout := new(syncBuffer)
	s.stdout = stdout
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--drain-delay", "0"}, args...)
	go func() { s.done <- run(ctx, args, getenv, strings.NewReader(""), stdout, s.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(waitLimit):
		}
	})

	deadline := time.After(waitLimit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := jsonListening.FindStringSubmatch(s.stderr.String()); m != nil && stdout.String() == "" {
			s.url = m[1] // --log-format json: the start-up line is JSON, stdout empty
			return s
		}
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			s.url = m[1]
			if !strings.Contains(stdout.String(), "API docs at "+s.url+"/docs") {
				t.Errorf("serve printed %q, want the docs address too", stdout.String())
			}
			return s
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("run(%q) = %v before listening; stderr:\n%s", args, err, s.stderr)
		case <-deadline:
			t.Fatalf("run(%q) did not print its address within %v; stderr:\n%s", args, waitLimit, s.stderr)
		case <-tick.C:
		}
	}
}

// shutdown cancels the server's context and checks that run returns nil.
func (s *server) shutdown(t *testing.T) {
	t.Helper()
	s.stop()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("run after cancel = %v, want nil (graceful shutdown); stderr:\n%s", err, s.stderr)
		}
	case <-time.After(waitLimit):
		t.Fatalf("run did not return within %v of cancel", waitLimit)
	}
}

// call sends a request and returns the status and body.
func call(t *testing.T, method, target, contentType, body string, header ...string) (int, string) {
	t.Helper()
	code, _, respBody := send(t, method, target, contentType, body, header...)
	return code, respBody
}

// send sends a request with the given header name/value pairs and returns
// the status, the response header and the body.
func send(t *testing.T, method, target, contentType, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// randomSecret returns a valid 64-character secret.
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "n.db")
	env := envOf()

	// A user and an API key made with the CLI before the server starts.
	mustRun(t, env, "bob's password\n", "user", "create", "--email", "bob@example.com", "--database-url", dbURL)
	out := mustRun(t, env, "", "apikey", "create", "--email", "bob@example.com", "--scopes", "notes:read", "--database-url", dbURL)
	apiKey := keyLine.FindStringSubmatch(out)[1]

	s := startServer(t, env, "--database-url", dbURL)
	if code, body := call(t, "GET", s.url+"/healthz", "", ""); code != http.StatusOK {
		t.Fatalf("GET /healthz = %d %s, want 200", code, body)
	}
	code, body := call(t, "POST", s.url+"/auth/register", "application/json",
		`{"email":"Carol@Example.com","password":"carol's password","name":"Carol"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /auth/register = %d %s, want 201", code, body)
	}
	form := url.Values{"username": {"carol@example.com"}, "password": {"carol's password"}}.Encode()
	code, body = call(t, "POST", s.url+"/auth/login", "application/x-www-form-urlencoded", form)
	if code != http.StatusOK {
		t.Fatalf("POST /auth/login = %d %s, want 200", code, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" || tok.TokenType != "bearer" {
		t.Fatalf("POST /auth/login body = %s (%v), want a bearer access_token", body, err)
	}
	me := func(t *testing.T, s *server, wantCode int) {
		t.Helper()
		code, body := call(t, "GET", s.url+"/me", "", "", "Authorization", "Bearer "+tok.AccessToken)
		if code != wantCode {
			t.Fatalf("GET /me = %d %s, want %d", code, body, wantCode)
		}
		if wantCode == http.StatusOK && !strings.Contains(body, `"email":"carol@example.com"`) {
			t.Errorf("GET /me = %s, want carol's account", body)
		}
	}
	me(t, s, http.StatusOK)
	if code, body := call(t, "GET", s.url+"/notes", "", "", "X-API-Key", apiKey); code != http.StatusOK {
		t.Errorf("GET /notes with the CLI's API key = %d %s, want 200", code, body)
	}
	s.shutdown(t)

	// The generated secret: 64 hex characters in a 0600 file.
	keyFile := filepath.Join(dir, secretFileName)
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	fileSecret := strings.TrimRight(string(b), "\n")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(fileSecret) {
		t.Errorf("%s holds %d bytes, want 64 hex characters", keyFile, len(fileSecret))
	}
	if info, err := os.Stat(keyFile); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", keyFile, info.Mode().Perm())
	}
	if !strings.Contains(s.stderr.String(), "generated a signing secret") {
		t.Errorf("serve logged no warning about the generated secret:\n%s", s.stderr)
	}

	// A restart reuses the file, so the token still verifies.
	s = startServer(t, env, "--database-url", dbURL)
	me(t, s, http.StatusOK)
	s.shutdown(t)
	if strings.Contains(s.stderr.String(), "generated") {
		t.Errorf("restart generated a new secret:\n%s", s.stderr)
	}
	if b2, _ := os.ReadFile(keyFile); string(b2) != string(b) {
		t.Errorf("restart changed %s", keyFile)
	}

	// The file's characters are the secret: --secret-key "$(cat secret.key)" is equivalent.
	s = startServer(t, env, "--database-url", dbURL, "--secret-key", fileSecret)
	me(t, s, http.StatusOK)
	s.shutdown(t)

	// Another secret (from the environment) does not accept the token.
	s = startServer(t, envOf("NOTESD_SECRET_KEY="+randomSecret()), "--database-url", dbURL)
	me(t, s, http.StatusUnauthorized)
	s.shutdown(t)
}

func TestServeJSONLogs(t *testing.T) {
	t.Parallel()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "n.db")
	s := startServer(t, envOf("NOTESD_LOG_FORMAT=json", "NOTESD_SECRET_KEY="+randomSecret()), "--database-url", dbURL)
	call(t, "GET", s.url+"/healthz", "", "")
	s.shutdown(t)
	for line := range strings.Lines(s.stderr.String()) {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line %q is not JSON", line)
		}
	}
}

func TestServeRefusesBadSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  []string
	}{
		{name: "short flag", args: []string{"--secret-key", "too short"}},
		{name: "well-known env", env: []string{"NOTESD_SECRET_KEY=" + strings.Repeat("changeme", 4)}},
		{name: "repeated byte", args: []string{"--secret-key", strings.Repeat("a", 64)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", "sqlite:" + filepath.Join(dir, "n.db")}, tt.args...)
			stdout, _, err := runCmd(t, envOf(tt.env...), "", args...)
			if err == nil || !strings.Contains(err.Error(), "secret") {
				t.Fatalf("serve with secret %s = %v, want the secret refused", tt.name, err)
			}
			if stdout != "" {
				t.Errorf("serve with a refused secret printed %q, want nothing", stdout)
			}
			if _, err := os.Stat(filepath.Join(dir, secretFileName)); err == nil {
				t.Errorf("serve with a given secret wrote %s", secretFileName)
			}
		})
	}
}

func TestServeRefusesBadSecretFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, secretFileName), []byte("changeme\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := runCmd(t, envOf(), "", "serve", "--addr", "127.0.0.1:0", "--database-url", "sqlite:"+filepath.Join(dir, "n.db"))
	if err == nil || !strings.Contains(err.Error(), "secret key file") {
		t.Errorf("serve with a weak secret.key = %v, want it refused", err)
	}
}

func TestServeBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantErr string
	}{
		{name: "bad ttl env", env: []string{"NOTESD_ACCESS_TTL=soon"}, wantErr: "NOTESD_ACCESS_TTL"},
		{name: "postgres unreachable", env: []string{"NOTESD_DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/notes?connect_timeout=5"}, wantErr: "failed to connect"},
		{name: "empty issuer", args: []string{"--issuer", ""}, wantErr: "--issuer"},
		{name: "address without port", args: []string{"--addr", "127.0.0.1"}, wantErr: "missing port"},
		{name: "redis unreachable", args: []string{"--redis-url", "redis://:hunter2@127.0.0.1:1/0"}, wantErr: "Redis does not answer"},
		{name: "redis bad url env", env: []string{"NOTESD_REDIS_URL=http://u:hunter2@cache"}, wantErr: "not a valid redis"},
		{name: "signing alg env", env: []string{"NOTESD_SIGNING_ALG=RS256"}, wantErr: "NOTESD_SIGNING_ALG"},
		{name: "zero limit env", env: []string{"NOTESD_LOGIN_LIMIT_PER_ACCOUNT=0"}, wantErr: "NOTESD_LOGIN_LIMIT_PER_ACCOUNT"},
		{name: "negative window", args: []string{"--rate-window", "-1m"}, wantErr: "rate-window"},
		{name: "proxy env", env: []string{"NOTESD_TRUSTED_PROXIES=10.0.0.0/8,localhost"}, wantErr: "NOTESD_TRUSTED_PROXIES"},
		{name: "origin with path", args: []string{"--cors-origins", "https://app.example.com/"}, wantErr: "has a path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := append([]string{"NOTESD_SECRET_KEY=" + randomSecret(), "NOTESD_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "n.db")}, tt.env...)
			_, _, err := runCmd(t, envOf(env...), "", append([]string{"serve"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("serve %q with %q = %v, want an error containing %q", tt.args, tt.env, err, tt.wantErr)
			} else if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("serve %q with %q = %v: the error shows a password", tt.args, tt.env, err)
			}
		})
	}
}

// TestServeRefusesSecondServer: the store caches sessions and keys, so a
// second notesd serving the same SQLite file is refused, whatever path
// names the file (SPEC §5), while the CLI (which only creates rows) still
// works beside the server.
func TestServeRefusesSecondServer(t *testing.T) {
	aliases := []struct {
		name  string
		alias func(t *testing.T, dir, path string) string
	}{
		{"same path", func(_ *testing.T, _, path string) string { return path }},
		{"dot dot", func(t *testing.T, dir, _ string) string {
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
				t.Fatal(err)
			}
			return dir + "/sub/../n.db"
		}},
		{"symlink", func(t *testing.T, _, path string) string {
			link := filepath.Join(t.TempDir(), "link.db")
			if err := os.Symlink(path, link); err != nil {
				t.Skipf("no symlinks here: %v", err)
			}
			return link
		}},
		{"hard link", func(t *testing.T, _, path string) string {
			link := filepath.Join(t.TempDir(), "hard.db")
			if err := os.Link(path, link); err != nil {
				t.Skipf("no hard links here: %v", err)
			}
			return link
		}},
	}
	for _, a := range aliases {
		t.Run(a.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "n.db")
			db := "sqlite:" + path
			first := startServer(t, envOf(), "--database-url", db, "--secret-key", randomSecret())
			other := "sqlite:" + a.alias(t, dir, path)
			var stdout, stderr syncBuffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--database-url", other, "--secret-key", randomSecret()},
					envOf(), strings.NewReader(""), &stdout, &stderr)
			}()
			err := waitRefusal(t, done, &stdout)
			if err == nil || !strings.Contains(err.Error(), "being served by another process") {
				t.Fatalf("second serve through %s = %v, want a refusal naming another process; stdout:\n%s", other, err, stdout.String())
			}
			err = run(context.Background(), []string{"user", "create", "--email", "cli@example.com", "--database-url", db},
				envOf(), strings.NewReader("a good password\n"), &stdout, &stderr)
			if err != nil {
				t.Fatalf("user create beside a running server = %v", err)
			}
			first.shutdown(t)
		})
	}
}

// waitRefusal waits for a serve that should refuse to start and returns
// its error; one that listens instead is stopped and fails t.
func waitRefusal(t *testing.T, done <-chan error, stdout *syncBuffer) error {
	t.Helper()
	deadline := time.After(waitLimit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-deadline:
			t.Fatalf("serve neither listened nor returned within %v", waitLimit)
		case <-tick.C:
			if listening.MatchString(stdout.String()) {
				t.Fatalf("second serve started: %s", stdout.String())
			}
		}
	}
}
