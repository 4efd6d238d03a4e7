package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// register creates an account through the API.
func register(t *testing.T, s *server, email, password string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password, "name": "Test"})
	if code, resp := call(t, "POST", s.url+"/auth/register", "application/json", string(body)); code != http.StatusCreated {
		t.Fatalf("POST /auth/register %s = %d %s, want 201", email, code, resp)
	}
}

// loginStatus tries a password login and returns the status, header and
// access token (empty unless 200).
func loginStatus(t *testing.T, s *server, email, password string, header ...string) (int, http.Header, string) {
	t.Helper()
	form := url.Values{"username": {email}, "password": {password}}.Encode()
	code, h, body := send(t, "POST", s.url+"/auth/login", "application/x-www-form-urlencoded", form, header...)
	if code != http.StatusOK {
		return code, h, ""
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("POST /auth/login body = %s (%v), want an access_token", body, err)
	}
	return code, h, tok.AccessToken
}

// login logs in and returns the access token.
func login(t *testing.T, s *server, email, password string) string {
	t.Helper()
	code, _, token := loginStatus(t, s, email, password)
	if code != http.StatusOK {
		t.Fatalf("POST /auth/login %s = %d, want 200", email, code)
	}
	return token
}

// checkMe checks the status of GET /me with token.
func checkMe(t *testing.T, s *server, token string, want int) {
	t.Helper()
	if code, body := call(t, "GET", s.url+"/me", "", "", "Authorization", "Bearer "+token); code != want {
		t.Fatalf("GET /me = %d %s, want %d", code, body, want)
	}
}

// joseHeader is the part of a token header the tests look at.
type joseHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// headerOf decodes the header of a JWT, without verifying anything.
func headerOf(t *testing.T, token string) joseHeader {
	t.Helper()
	seg, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	var h joseHeader
	if err == nil {
		err = json.Unmarshal(b, &h)
	}
	if err != nil {
		t.Fatalf("token header %q: %v", seg, err)
	}
	return h
}

func TestServeKeyRotation(t *testing.T) {
	t.Parallel()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "n.db")
	secretA, secretB, secretC := randomSecret(), randomSecret(), randomSecret()

	s := startServer(t, envOf(), "--database-url", dbURL, "--secret-key", secretA)
	register(t, s, "rot@example.com", "rotation password")
	tokA := login(t, s, "rot@example.com", "rotation password")
	if h := headerOf(t, tokA); h.Kid != keyID([]byte(secretA)) || h.Alg != "HS256" {
		t.Errorf("token header = %+v, want HS256 with kid %s", h, keyID([]byte(secretA)))
	}
	s.shutdown(t)

	// B signs; A (and C) only verify. The previous keys come from the environment here.
	s = startServer(t, envOf("NOTESD_PREVIOUS_SECRET_KEYS="+secretC+","+secretA), "--database-url", dbURL, "--secret-key", secretB)
	checkMe(t, s, tokA, http.StatusOK)
	tokB := login(t, s, "rot@example.com", "rotation password")
	if h := headerOf(t, tokB); h.Kid != keyID([]byte(secretB)) || h.Alg != "HS256" {
		t.Errorf("token header after rotation = %+v, want HS256 with kid %s", h, keyID([]byte(secretB)))
	}
	checkMe(t, s, tokB, http.StatusOK)
	if code, _ := call(t, "GET", s.url+"/.well-known/jwks.json", "", ""); code != http.StatusNotFound {
		t.Errorf("GET /.well-known/jwks.json with HS256 keys only = %d, want 404", code)
	}
	s.shutdown(t)

	// Once A is dropped, its tokens stop working; B's keep working.
	s = startServer(t, envOf(), "--database-url", dbURL, "--secret-key", secretB)
	checkMe(t, s, tokA, http.StatusUnauthorized)
	checkMe(t, s, tokB, http.StatusOK)
	s.shutdown(t)
}

func TestServeRefusesBadPreviousSecrets(t *testing.T) {
	t.Parallel()
	good, other := randomSecret(), randomSecret()
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantErr string
	}{
		{name: "short", args: []string{"--previous-secret-keys", "too short"}, wantErr: "key 1 refused"},
		{name: "well-known second", env: []string{"NOTESD_PREVIOUS_SECRET_KEYS=" + good + "," + strings.Repeat("changeme", 4)}, wantErr: "key 2 refused"},
		{name: "space after comma", args: []string{"--previous-secret-keys", good + ", " + other}, wantErr: "key 2 starts or ends with white space"},
		{name: "trailing comma", args: []string{"--previous-secret-keys", good + ","}, wantErr: "key 2 is empty"},
		{name: "repeated", args: []string{"--previous-secret-keys", good + "," + other + "," + good}, wantErr: "key 3 repeats key 1"},
		{name: "current", args: []string{"--secret-key", good, "--previous-secret-keys", other + "," + good}, wantErr: "key 2 is the current secret key"},
		{name: "EdDSA", args: []string{"--signing-alg", "EdDSA", "--previous-secret-keys", "too short"}, wantErr: "key 1 refused"},
		{name: "EdDSA current", args: []string{"--signing-alg", "EdDSA", "--secret-key", good, "--previous-secret-keys", good}, wantErr: "key 1 is the current secret key"},
		{name: "EdDSA bad secret key", args: []string{"--signing-alg", "EdDSA", "--secret-key", "too short"}, wantErr: "--secret-key refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", "sqlite:" + filepath.Join(dir, "n.db")}, tt.args...)
			stdout, stderr, err := runCmd(t, envOf(tt.env...), "", args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("serve %s = %v, want an error containing %q", tt.name, err, tt.wantErr)
			}
			for _, secret := range []string{good, other, "too short"} {
				if strings.Contains(err.Error()+stdout+stderr, secret) {
					t.Errorf("serve %s shows a secret: %v\n%s%s", tt.name, err, stdout, stderr)
				}
			}
			for _, name := range []string{secretFileName, ed25519FileName} {
				if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
					t.Errorf("serve %s wrote %s before refusing", tt.name, name)
				}
			}
		})
	}
}

// jwksKey is one key of /.well-known/jwks.json.
type jwksKey struct {
	Kty, Crv, X, Kid, Alg, Use string
}

// fetchJWKS returns the keys of /.well-known/jwks.json.
func fetchJWKS(t *testing.T, s *server) []jwksKey {
	t.Helper()
	code, body := call(t, "GET", s.url+"/.well-known/jwks.json", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET /.well-known/jwks.json = %d %s, want 200", code, body)
	}
	var set struct{ Keys []jwksKey }
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatalf("GET /.well-known/jwks.json = %s: %v", body, err)
	}
	return set.Keys
}

// readEd25519File reads and parses the Ed25519 key file in dir, checking
// its mode.
func readEd25519File(t *testing.T, dir string) ed25519.PrivateKey {
	t.Helper()
	path := filepath.Join(dir, ed25519FileName)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("%s is not a PEM PRIVATE KEY:\n%s", path, b)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		t.Fatalf("%s holds a %T, want ed25519.PrivateKey", path, k)
	}
	return priv
}

func TestServeEdDSA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "n.db")

	// An HS256 server first (with a generated secret.key), as before a switch.
	s := startServer(t, envOf(), "--database-url", dbURL)
	register(t, s, "ed@example.com", "edwards curve password")
	tokHS := login(t, s, "ed@example.com", "edwards curve password")
	s.shutdown(t)

	// EdDSA signs from now on; the HS256 token still verifies.
	s = startServer(t, envOf("NOTESD_SIGNING_ALG=EdDSA"), "--database-url", dbURL)
	checkMe(t, s, tokHS, http.StatusOK)
	tokEd := login(t, s, "ed@example.com", "edwards curve password")
	h := headerOf(t, tokEd)
	if h.Alg != "EdDSA" {
		t.Errorf("token header alg = %q, want EdDSA", h.Alg)
	}
	checkMe(t, s, tokEd, http.StatusOK)
	keys := fetchJWKS(t, s)
	s.shutdown(t)
	if !strings.Contains(s.stderr.String(), "generated an Ed25519 signing key") {
		t.Errorf("serve logged no warning about the generated key:\n%s", s.stderr)
	}

	priv := readEd25519File(t, dir)
	pub := priv.Public().(ed25519.PublicKey)
	wantKid := keyID(pub)
	if h.Kid != wantKid {
		t.Errorf("token kid = %q, want %q (SHA-256 of the public key in %s)", h.Kid, wantKid, ed25519FileName)
	}
	want := []jwksKey{{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: wantKid, Alg: "EdDSA", Use: "sig"}}
	if len(keys) != 1 || keys[0] != want[0] {
		t.Errorf("JWKS keys = %+v, want %+v (HS256 secrets are never listed)", keys, want)
	}

	// A restart reuses the key: same kid, same JWKS, old tokens valid.
	s = startServer(t, envOf(), "--database-url", dbURL, "--signing-alg", "EdDSA")
	checkMe(t, s, tokEd, http.StatusOK)
	checkMe(t, s, tokHS, http.StatusOK)
	if h := headerOf(t, login(t, s, "ed@example.com", "edwards curve password")); h.Kid != wantKid || h.Alg != "EdDSA" {
		t.Errorf("token header after restart = %+v, want EdDSA with kid %s", h, wantKid)
	}
	if got := fetchJWKS(t, s); len(got) != 1 || got[0] != want[0] {
		t.Errorf("JWKS keys after restart = %+v, want %+v", got, want)
	}
	s.shutdown(t)
	if strings.Contains(s.stderr.String(), "generated") {
		t.Errorf("restart generated a new key:\n%s", s.stderr)
	}
	if again := readEd25519File(t, dir); !again.Equal(priv) {
		t.Errorf("restart changed %s", ed25519FileName)
	}
}

func TestServeEdDSAFresh(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, envOf(), "--database-url", "sqlite:"+filepath.Join(dir, "n.db"), "--signing-alg", "eddsa")
	keys := fetchJWKS(t, s)
	s.shutdown(t)
	pub := readEd25519File(t, dir).Public().(ed25519.PublicKey)
	if len(keys) != 1 || keys[0].Kid != keyID(pub) {
		t.Errorf("JWKS keys = %+v, want the one key with kid %s", keys, keyID(pub))
	}
	// EdDSA needs no HS256 secret, so none is generated.
	if _, err := os.Stat(filepath.Join(dir, secretFileName)); err == nil {
		t.Errorf("EdDSA serve generated %s", secretFileName)
	}
}

func TestServeRefusesBadEd25519File(t *testing.T) {
	t.Parallel()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		wantErr string
	}{
		{name: "not PEM", content: []byte("changeme\n"), wantErr: "no PEM"},
		{name: "other block", content: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), wantErr: "no PEM"},
		{name: "garbage DER", content: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")}), wantErr: "ed25519 key file"},
		{name: "ECDSA key", content: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), wantErr: "want an Ed25519 key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ed25519FileName), tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := runCmd(t, envOf(), "", "serve", "--addr", "127.0.0.1:0", "--signing-alg", "EdDSA",
				"--database-url", "sqlite:"+filepath.Join(dir, "n.db"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("serve with %s in %s = %v, want an error containing %q", tt.name, ed25519FileName, err, tt.wantErr)
			}
		})
	}
}
