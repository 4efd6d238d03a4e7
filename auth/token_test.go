package auth

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// tokNow is the verification time of the table tests.
var tokNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// Test secrets: 32+ bytes, no repeated pattern, not well-known.
const (
	tokSecret1 = "t3st-k1:9f2c7a41e08b5d36c1a94e7f20bd58a3"
	tokSecret2 = "t3st-k2:41d7e0a9c3b25f86e71c0d94a2f3b865"
)

// tokEdPriv is a fixed Ed25519 key derived from a fixed seed.
func tokEdPriv() ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("gatehouse auth test ed25519 seed"))
	return ed25519.NewKeyFromSeed(seed[:])
}

func tokHS(t testing.TB, kid, secret string) SigningKey {
	t.Helper()
	k, err := HS256Key(kid, []byte(secret))
	if err != nil {
		t.Fatalf("HS256Key(%q) = %v", kid, err)
	}
	return k
}

func tokEd(t testing.TB, kid string, priv ed25519.PrivateKey) SigningKey {
	t.Helper()
	k, err := Ed25519Key(kid, priv)
	if err != nil {
		t.Fatalf("Ed25519Key(%q) = %v", kid, err)
	}
	return k
}

func tokRing(t testing.TB, keys ...SigningKey) *Keyring {
	t.Helper()
	k, err := NewKeyring(KeyringConfig{Issuer: "notesd", Audience: "notesd"}, keys...)
	if err != nil {
		t.Fatalf("NewKeyring() = %v", err)
	}
	return k
}

// --- hand-built tokens -----------------------------------------------------

func tokB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func tokMAC(h func() hash.Hash, secret, input string) string {
	m := hmac.New(h, []byte(secret))
	m.Write([]byte(input))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// tokRawHS256 signs already-encoded segments with HMAC-SHA256 over exactly
// "h.p", so the signature is valid whatever the segments contain.
func tokRawHS256(secret, h, p string) string {
	in := h + "." + p
	return in + "." + tokMAC(sha256.New, secret, in)
}

// hs256 base64url-encodes hand-written JSON and signs it with HMAC-SHA256.
func tokHS256(secret, header, payload string) string {
	return tokRawHS256(secret, tokB64(header), tokB64(payload))
}

func tokHS512(secret, header, payload string) string {
	in := tokB64(header) + "." + tokB64(payload)
	return in + "." + tokMAC(sha512.New, secret, in)
}

func tokEdSign(priv ed25519.PrivateKey, header, payload string) string {
	in := tokB64(header) + "." + tokB64(payload)
	return in + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(in)))
}

func tokRS256(t testing.TB, priv *rsa.PrivateKey, header, payload string) string {
	t.Helper()
	in := tokB64(header) + "." + tokB64(payload)
	d := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d[:])
	if err != nil {
		t.Fatalf("rsa.SignPKCS1v15() = %v", err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// tokNonCanonical re-spells a base64url segment with non-zero trailing bits:
// it decodes to the same bytes under a lenient decoder. seg's length must not
// be a multiple of 4.
func tokNonCanonical(t testing.TB, seg string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(seg)%4 == 0 {
		t.Fatalf("tokNonCanonical: segment length %d is a multiple of 4", len(seg))
	}
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	alt := seg[:len(seg)-1] + string(alphabet[last|1])
	a, err1 := base64.RawURLEncoding.DecodeString(seg)
	b, err2 := base64.RawURLEncoding.DecodeString(alt)
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) || alt == seg {
		t.Fatalf("tokNonCanonical(%q) = %q does not decode to the same bytes", seg, alt)
	}
	return alt
}

// header returns a JOSE header for alg with the given kid ("" leaves it out).
func tokHeader(alg, kid string) string {
	if kid == "" {
		return fmt.Sprintf(`{"alg":%q,"typ":"JWT"}`, alg)
	}
	return fmt.Sprintf(`{"alg":%q,"kid":%q,"typ":"JWT"}`, alg, kid)
}

// payload returns a valid claim set at tokNow, with set replacing (or
// adding) claims given as raw JSON values; a raw value of "" removes the claim.
func tokPayload(set map[string]string) string {
	claims := []struct{ k, v string }{
		{"iss", `"notesd"`},
		{"aud", `"notesd"`},
		{"sub", `"42"`},
		{"sid", `"s-7"`},
		{"scope", `"notes:read notes:write"`},
		{"iat", fmt.Sprint(tokNow.Add(-time.Minute).Unix())},
		{"exp", fmt.Sprint(tokNow.Add(15 * time.Minute).Unix())},
		{"jti", `"jti-1"`},
	}
	var parts []string
	seen := map[string]bool{}
	for _, c := range claims {
		seen[c.k] = true
		v, ok := set[c.k]
		if !ok {
			v = c.v
		}
		if v != "" {
			parts = append(parts, fmt.Sprintf("%q:%s", c.k, v))
		}
	}
	var extra []string
	for k := range set {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		parts = append(parts, fmt.Sprintf("%q:%s", k, set[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func tokUnix(d time.Duration) string { return fmt.Sprint(tokNow.Add(d).Unix()) }

// tokSized returns two HS256 tokens for k1 that differ only in the length
// of a padding claim: the longest with at most n bytes and the shortest with
// more than n.
func tokSized(t testing.TB, n int) (under, over string) {
	t.Helper()
	for pad := 0; pad < n; pad++ {
		tok := tokHS256(tokSecret1, tokHeader("HS256", "k1"), tokPayload(map[string]string{"pad": `"` + strings.Repeat("x", pad) + `"`}))
		if len(tok) > n {
			if under == "" {
				t.Fatalf("tokSized(%d): no token fits", n)
			}
			return under, tok
		}
		under = tok
	}
	t.Fatalf("tokSized(%d): no token is longer", n)
	return "", ""
}

// --- Verify ----------------------------------------------------------------

func TestVerify(t *testing.T) {
	t.Parallel()
	edPriv := tokEdPriv()
	edPub := edPriv.Public().(ed25519.PublicKey)
	k1 := tokHS(t, "k1", tokSecret1)
	k2 := tokHS(t, "k2", tokSecret2)
	ed := tokEd(t, "ed1", edPriv)
	hsRing := tokRing(t, k1)
	multiRing := tokRing(t, k2, k1, ed)
	edRing := tokRing(t, ed)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("rsa.GenerateKey() = %v", err)
	}

	std := tokPayload(nil)
	valid := tokHS256(tokSecret1, tokHeader("HS256", "k1"), std)
	vh, vp, _ := strings.Cut(valid, ".")
	vp, vs, _ := strings.Cut(vp, ".")
	under, over := tokSized(t, maxTokenLen)
	// A payload whose base64url has '-' and '_', spelled in the standard
	// alphabet ('+' and '/') and validly signed.
	dashed := tokB64(tokPayload(map[string]string{"x": `"???~~~"`}))
	if !strings.ContainsAny(dashed, "-_") {
		t.Fatalf("payload %q has no '-' or '_'", dashed)
	}
	stdAlphabet := strings.NewReplacer("-", "+", "_", "/").Replace(dashed)
	with := func(set map[string]string) string {
		return tokHS256(tokSecret1, tokHeader("HS256", "k1"), tokPayload(set))
	}
	// A header whose encoding length is not a multiple of 4, for tokNonCanonical.
	hdr := tokHeader("HS256", "k1")
	for len(tokB64(hdr))%4 == 0 {
		hdr = strings.TrimSuffix(hdr, "}") + " }"
	}

	wantStd := Claims{
		Subject:   "42",
		SessionID: "s-7",
		Scopes:    []string{"notes:read", "notes:write"},
		IssuedAt:  tokNow.Add(-time.Minute),
		ExpiresAt: tokNow.Add(15 * time.Minute),
		ID:        "jti-1",
	}
	noScope := wantStd
	noScope.Scopes = nil

	tests := []struct {
		name  string
		ring  *Keyring
		token string
		want  *Claims // nil: must be refused
	}{
		// Accepted.
		{"valid HS256", hsRing, valid, &wantStd},
		{"valid no kid with a single key", hsRing, tokHS256(tokSecret1, tokHeader("HS256", ""), std), &wantStd},
		{"valid EdDSA", edRing, tokEdSign(edPriv, tokHeader("EdDSA", "ed1"), std), &wantStd},
		{"valid EdDSA in a mixed ring", multiRing, tokEdSign(edPriv, tokHeader("EdDSA", "ed1"), std), &wantStd},
		{"valid old key after rotation", multiRing, valid, &wantStd},
		{"valid aud array containing ours", hsRing, with(map[string]string{"aud": `["other","notesd"]`}), &wantStd},
		{"valid exp past within leeway", hsRing, with(map[string]string{"exp": tokUnix(-20 * time.Second)}),
			&Claims{Subject: "42", SessionID: "s-7", Scopes: wantStd.Scopes, IssuedAt: wantStd.IssuedAt, ExpiresAt: tokNow.Add(-20 * time.Second), ID: "jti-1"}},
		{"valid iat future within leeway", hsRing, with(map[string]string{"iat": tokUnix(20 * time.Second)}),
			&Claims{Subject: "42", SessionID: "s-7", Scopes: wantStd.Scopes, IssuedAt: tokNow.Add(20 * time.Second), ExpiresAt: wantStd.ExpiresAt, ID: "jti-1"}},
		{"valid nbf future within leeway", hsRing, with(map[string]string{"nbf": tokUnix(20 * time.Second)}), &wantStd},
		{"valid nbf past", hsRing, with(map[string]string{"nbf": tokUnix(-time.Hour)}), &wantStd},
		{"valid without scope", hsRing, with(map[string]string{"scope": ""}), &noScope},
		{"valid at 8 KiB", hsRing, under, &wantStd},

		// Key selection and algorithm pinning.
		{"no kid with several keys", multiRing, tokHS256(tokSecret1, tokHeader("HS256", ""), std), nil},
		{"unknown kid", hsRing, tokHS256(tokSecret1, tokHeader("HS256", "k9"), std), nil},
		{"empty kid", hsRing, tokHS256(tokSecret1, `{"alg":"HS256","kid":""}`, std), nil},
		{"kid not a string", hsRing, tokHS256(tokSecret1, `{"alg":"HS256","kid":1}`, std), nil},
		{"kid of another key", multiRing, tokHS256(tokSecret1, tokHeader("HS256", "k2"), std), nil},
		{"alg none", hsRing, tokB64(tokHeader("none", "k1")) + "." + tokB64(std) + ".", nil},
		{"alg none with a signature", hsRing, tokB64(tokHeader("none", "k1")) + "." + tokB64(std) + "." + vs, nil},
		{"alg missing", hsRing, tokHS256(tokSecret1, `{"kid":"k1","typ":"JWT"}`, std), nil},
		{"alg HS512 with the right secret", hsRing, tokHS512(tokSecret1, tokHeader("HS512", "k1"), std), nil},
		{"alg RS256", hsRing, tokRS256(t, rsaKey, tokHeader("RS256", "k1"), std), nil},
		{"alg RS256 no kid", hsRing, tokRS256(t, rsaKey, tokHeader("RS256", ""), std), nil},
		{"alg confusion HS256 on Ed25519 key", edRing, tokHS256(string(edPub), tokHeader("HS256", "ed1"), std), nil},
		{"alg confusion HS256 on Ed25519 key no kid", edRing, tokHS256(string(edPub), tokHeader("HS256", ""), std), nil},
		{"alg confusion HS256 on Ed25519 key in mixed ring", multiRing, tokHS256(string(edPub), tokHeader("HS256", "ed1"), std), nil},
		{"EdDSA presented to an HS256 key", multiRing, tokEdSign(edPriv, tokHeader("EdDSA", "k1"), std), nil},

		// Signature.
		{"wrong secret", hsRing, tokHS256(tokSecret2, tokHeader("HS256", "k1"), std), nil},
		{"payload changed after signing", hsRing, vh + "." + tokB64(tokPayload(map[string]string{"sub": `"1"`})) + "." + vs, nil},
		{"signature truncated", hsRing, valid[:len(valid)-2], nil},

		// Registered claims.
		{"exp missing", hsRing, with(map[string]string{"exp": ""}), nil},
		{"exp zero", hsRing, with(map[string]string{"exp": "0"}), nil},
		{"exp past beyond leeway", hsRing, with(map[string]string{"exp": tokUnix(-31 * time.Second)}), nil},
		{"exp not a number", hsRing, with(map[string]string{"exp": `"` + tokUnix(time.Hour) + `"`}), nil},
		{"iss wrong", hsRing, with(map[string]string{"iss": `"evil"`}), nil},
		{"iss missing", hsRing, with(map[string]string{"iss": ""}), nil},
		{"aud wrong", hsRing, with(map[string]string{"aud": `"other"`}), nil},
		{"aud missing", hsRing, with(map[string]string{"aud": ""}), nil},
		{"aud array without ours", hsRing, with(map[string]string{"aud": `["a","b"]`}), nil},
		{"iat future beyond leeway", hsRing, with(map[string]string{"iat": tokUnix(31 * time.Second)}), nil},
		{"iat not a number", hsRing, with(map[string]string{"iat": `"now"`}), nil},
		{"nbf future beyond leeway", hsRing, with(map[string]string{"nbf": tokUnix(31 * time.Second)}), nil},

		// gatehouse claims.
		{"sub missing", hsRing, with(map[string]string{"sub": ""}), nil},
		{"sub empty", hsRing, with(map[string]string{"sub": `""`}), nil},
		{"sub not a string", hsRing, with(map[string]string{"sub": "42"}), nil},
		{"sid missing", hsRing, with(map[string]string{"sid": ""}), nil},
		{"sid not a string", hsRing, with(map[string]string{"sid": "7"}), nil},
		{"scope not a string", hsRing, with(map[string]string{"scope": `["notes:read"]`}), nil},
		{"jti not a string", hsRing, with(map[string]string{"jti": "1"}), nil},

		// Encoding and size.
		{"longer than 8 KiB", hsRing, over, nil},
		{"padded header", hsRing, tokRawHS256(tokSecret1, tokB64(hdr)+"=", vp), nil},
		{"padded payload", hsRing, tokRawHS256(tokSecret1, vh, vp+"=="), nil},
		{"padded signature", hsRing, valid + "=", nil},
		{"non-canonical header", hsRing, tokRawHS256(tokSecret1, tokNonCanonical(t, tokB64(hdr)), tokB64(std)), nil},
		{"non-canonical signature", hsRing, vh + "." + vp + "." + tokNonCanonical(t, vs), nil},
		{"standard base64 alphabet", hsRing, tokRawHS256(tokSecret1, vh, stdAlphabet), nil},
		{"url alphabet control", hsRing, tokRawHS256(tokSecret1, vh, dashed), &wantStd},
		{"newline inside", hsRing, tokRawHS256(tokSecret1, vh[:4]+"\n"+vh[4:], vp), nil},
		{"space inside", hsRing, valid[:10] + " " + valid[10:], nil},
		{"empty", hsRing, "", nil},
		{"two segments", hsRing, vh + "." + vp, nil},
		{"four segments", hsRing, valid + "." + vs, nil},
		{"empty header segment", hsRing, tokRawHS256(tokSecret1, "", vp), nil},
		{"header not JSON", hsRing, tokHS256(tokSecret1, `alg=HS256`, std), nil},
		{"header an array", hsRing, tokHS256(tokSecret1, `["HS256"]`, std), nil},
		{"payload an array", hsRing, tokHS256(tokSecret1, tokHeader("HS256", "k1"), `[`+std+`]`), nil},
		{"payload with trailing data", hsRing, tokHS256(tokSecret1, tokHeader("HS256", "k1"), std+`{}`), nil},
		{"payload not JSON", hsRing, tokHS256(tokSecret1, tokHeader("HS256", "k1"), `sub=42`), nil},

		// Strict JOSE.
		{"crit header", hsRing, tokHS256(tokSecret1, `{"alg":"HS256","kid":"k1","crit":["exp"]}`, std), nil},
		{"crit header empty", hsRing, tokHS256(tokSecret1, `{"alg":"HS256","kid":"k1","crit":[]}`, std), nil},
		{"crit b64 header", hsRing, tokHS256(tokSecret1, `{"alg":"HS256","kid":"k1","b64":false,"crit":["b64"]}`, std), nil},
		{"duplicate alg in header", hsRing, tokHS256(tokSecret1, `{"alg":"none","kid":"k1","alg":"HS256"}`, std), nil},
		{"duplicate kid in header", hsRing, tokHS256(tokSecret1, `{"alg":"HS256","kid":"k9","kid":"k1"}`, std), nil},
		{"duplicate sub in payload", hsRing, tokHS256(tokSecret1, tokHeader("HS256", "k1"), strings.TrimSuffix(std, "}")+`,"sub":"1"}`), nil},
		{"duplicate exp in payload", hsRing, tokHS256(tokSecret1, tokHeader("HS256", "k1"), `{"exp":1,`+std[1:]), nil},
		{"duplicate key in a nested object", hsRing, with(map[string]string{"ext": `{"a":[{"b":1,"b":2}]}`}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.ring.Verify(tt.token, tokNow)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("Verify() = %+v, nil; want an error", got)
				}
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Verify() error = %v; want it to wrap ErrInvalidToken", err)
				}
				t.Logf("Verify() error = %v", err)
				if !tokZeroClaims(got) {
					t.Errorf("Verify() claims = %+v on error; want zero", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify() error = %v; want nil", err)
			}
			if !tokClaimsEqual(got, *tt.want) {
				t.Errorf("Verify() = %+v; want %+v", got, *tt.want)
			}
		})
	}
}

func tokZeroClaims(c Claims) bool { return tokClaimsEqual(c, Claims{}) }

func tokClaimsEqual(a, b Claims) bool {
	return a.Subject == b.Subject && a.SessionID == b.SessionID && slices.Equal(a.Scopes, b.Scopes) &&
		a.IssuedAt.Equal(b.IssuedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.ID == b.ID
}

func TestVerifyZeroTime(t *testing.T) {
	t.Parallel()
	ring := tokRing(t, tokHS(t, "k1", tokSecret1))
	tok := tokHS256(tokSecret1, tokHeader("HS256", "k1"), tokPayload(nil))
	if _, err := ring.Verify(tok, time.Time{}); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Verify(tok, zero time) = %v; want ErrInvalidToken", err)
	}
}

func TestVerifyCustomLeeway(t *testing.T) {
	t.Parallel()
	ring, err := NewKeyring(KeyringConfig{Issuer: "notesd", Audience: "notesd", Leeway: 5 * time.Second}, tokHS(t, "k1", tokSecret1))
	if err != nil {
		t.Fatalf("NewKeyring() = %v", err)
	}
	for _, tt := range []struct {
		exp  time.Duration
		want bool
	}{
		{-4 * time.Second, true},
		{-6 * time.Second, false},
	} {
		tok := tokHS256(tokSecret1, tokHeader("HS256", "k1"), tokPayload(map[string]string{"exp": tokUnix(tt.exp)}))
		_, err := ring.Verify(tok, tokNow)
		if got := err == nil; got != tt.want {
			t.Errorf("Verify(exp now%v) error = %v; want ok=%v", tt.exp, err, tt.want)
		}
	}
}

// --- Issue -----------------------------------------------------------------

func TestIssueVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		key  SigningKey
		alg  string
	}{
		{"HS256", tokHS(t, "k1", tokSecret1), "HS256"},
		{"EdDSA", tokEd(t, "ed1", tokEdPriv()), "EdDSA"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ring := tokRing(t, tt.key)
			in := Claims{
				Subject:   "42",
				SessionID: "s-7",
				Scopes:    []string{"notes:read", "admin"},
				IssuedAt:  tokNow.Add(-time.Minute).Add(300 * time.Millisecond),
				ExpiresAt: tokNow.Add(30 * time.Minute),
				ID:        "fixed-jti",
			}
			tok, err := ring.Issue(in)
			if err != nil {
				t.Fatalf("Issue() = %v", err)
			}
			got, err := ring.Verify(tok, tokNow)
			if err != nil {
				t.Fatalf("Verify(Issue()) = %v", err)
			}
			want := in
			want.IssuedAt = in.IssuedAt.Truncate(time.Second)
			if !tokClaimsEqual(got, want) {
				t.Errorf("Verify(Issue()) = %+v; want %+v", got, want)
			}

			parts := strings.Split(tok, ".")
			var hdr map[string]any
			if err := json.Unmarshal(tokDecode(t, parts[0]), &hdr); err != nil {
				t.Fatalf("header: %v", err)
			}
			if hdr["alg"] != tt.alg || hdr["kid"] != tt.key.ID || hdr["typ"] != "JWT" || len(hdr) != 3 {
				t.Errorf("header = %v; want alg %s, kid %s, typ JWT", hdr, tt.alg, tt.key.ID)
			}
			var pl map[string]any
			if err := json.Unmarshal(tokDecode(t, parts[1]), &pl); err != nil {
				t.Fatalf("payload: %v", err)
			}
			wantPl := map[string]any{
				"iss": "notesd", "aud": "notesd", "sub": "42", "sid": "s-7",
				"scope": "notes:read admin", "jti": "fixed-jti",
				"iat": float64(want.IssuedAt.Unix()), "exp": float64(in.ExpiresAt.Unix()),
			}
			if fmt.Sprint(pl) != fmt.Sprint(wantPl) {
				t.Errorf("payload = %v; want %v", pl, wantPl)
			}
		})
	}
}

func tokDecode(t testing.TB, seg string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("decode %q: %v", seg, err)
	}
	return b
}

func TestIssueFillsIDAndIssuedAt(t *testing.T) {
	t.Parallel()
	ring := tokRing(t, tokHS(t, "k1", tokSecret1))
	before := time.Now().Truncate(time.Second)
	c := Claims{Subject: "1", SessionID: "s", ExpiresAt: time.Now().Add(time.Hour)}
	seen := map[string]bool{}
	for range 3 {
		tok, err := ring.Issue(c)
		if err != nil {
			t.Fatalf("Issue() = %v", err)
		}
		got, err := ring.Verify(tok, time.Now())
		if err != nil {
			t.Fatalf("Verify(Issue()) = %v", err)
		}
		id, err := base64.RawURLEncoding.Strict().DecodeString(got.ID)
		if err != nil || len(id) != 16 || len(got.ID) != 22 {
			t.Errorf("jti = %q; want 22 base64url characters of 16 bytes", got.ID)
		}
		if seen[got.ID] {
			t.Errorf("jti %q issued twice", got.ID)
		}
		seen[got.ID] = true
		if got.IssuedAt.Before(before) || got.IssuedAt.After(time.Now()) {
			t.Errorf("iat = %v; want about now", got.IssuedAt)
		}
		if got.Scopes != nil {
			t.Errorf("Scopes = %q; want nil", got.Scopes)
		}
	}
}

func TestIssueRejects(t *testing.T) {
	t.Parallel()
	ring := tokRing(t, tokHS(t, "k1", tokSecret1))
	ok := Claims{Subject: "1", SessionID: "s", IssuedAt: tokNow, ExpiresAt: tokNow.Add(time.Hour)}
	for _, tt := range []struct {
		name string
		edit func(*Claims)
	}{
		{"empty subject", func(c *Claims) { c.Subject = "" }},
		{"empty session id", func(c *Claims) { c.SessionID = "" }},
		{"zero expiry", func(c *Claims) { c.ExpiresAt = time.Time{} }},
		{"expiry equal to iat", func(c *Claims) { c.ExpiresAt = c.IssuedAt.Add(500 * time.Millisecond) }},
		{"expiry before iat", func(c *Claims) { c.ExpiresAt = c.IssuedAt.Add(-time.Hour) }},
		{"empty scope", func(c *Claims) { c.Scopes = []string{"a", ""} }},
		{"scope with a space", func(c *Claims) { c.Scopes = []string{"notes:read notes:write"} }},
		{"scope with a quote", func(c *Claims) { c.Scopes = []string{`a"b`} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tt.edit(&c)
			if tok, err := ring.Issue(c); err == nil {
				t.Errorf("Issue(%+v) = %q, nil; want an error", c, tok)
			}
		})
	}
	if _, err := ring.Issue(ok); err != nil {
		t.Errorf("Issue(%+v) = %v; want nil", ok, err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	k1 := tokHS(t, "k1", tokSecret1)
	k2 := tokHS(t, "k2", tokSecret2)
	old := tokRing(t, k1)
	during := tokRing(t, k2, k1)
	after := tokRing(t, k2)
	c := Claims{Subject: "1", SessionID: "s", IssuedAt: tokNow, ExpiresAt: tokNow.Add(time.Hour)}

	oldTok, err := old.Issue(c)
	if err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	newTok, err := during.Issue(c)
	if err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	if kid := tokHeaderKID(t, newTok); kid != "k2" {
		t.Errorf("rotated ring signs with kid %q; want k2", kid)
	}
	for _, tt := range []struct {
		name string
		ring *Keyring
		tok  string
		ok   bool
	}{
		{"old token, old ring", old, oldTok, true},
		{"old token, rotating ring", during, oldTok, true},
		{"new token, rotating ring", during, newTok, true},
		{"new token, old ring", old, newTok, false},
		{"old token, after removal", after, oldTok, false},
		{"new token, after removal", after, newTok, true},
	} {
		_, err := tt.ring.Verify(tt.tok, tokNow)
		if (err == nil) != tt.ok {
			t.Errorf("%s: Verify() = %v; want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func tokHeaderKID(t testing.TB, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	var hdr struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(tokDecode(t, h), &hdr); err != nil {
		t.Fatalf("header: %v", err)
	}
	return hdr.Kid
}

func TestConcurrentIssueVerify(t *testing.T) {
	t.Parallel()
	ring := tokRing(t, tokHS(t, "k1", tokSecret1), tokEd(t, "ed1", tokEdPriv()))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				c := Claims{Subject: fmt.Sprint(i), SessionID: fmt.Sprint(j), IssuedAt: tokNow, ExpiresAt: tokNow.Add(time.Hour)}
				tok, err := ring.Issue(c)
				if err != nil {
					t.Errorf("Issue() = %v", err)
					return
				}
				got, err := ring.Verify(tok, tokNow)
				if err != nil || got.Subject != c.Subject || got.SessionID != c.SessionID {
					t.Errorf("Verify(Issue(%+v)) = %+v, %v", c, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// --- keys and keyrings -----------------------------------------------------

func TestNewKeyringRejects(t *testing.T) {
	t.Parallel()
	k1 := tokHS(t, "k1", tokSecret1)
	k1b := tokHS(t, "k1", tokSecret2)
	okCfg := KeyringConfig{Issuer: "notesd", Audience: "notesd"}
	for _, tt := range []struct {
		name string
		cfg  KeyringConfig
		keys []SigningKey
	}{
		{"no keys", okCfg, nil},
		{"duplicate kid", okCfg, []SigningKey{k1, k1b}},
		{"zero key", okCfg, []SigningKey{{}}},
		{"zero key with an id", okCfg, []SigningKey{{ID: "x"}}},
		{"empty issuer", KeyringConfig{Audience: "notesd"}, []SigningKey{k1}},
		{"empty audience", KeyringConfig{Issuer: "notesd"}, []SigningKey{k1}},
		{"negative leeway", KeyringConfig{Issuer: "notesd", Audience: "notesd", Leeway: -time.Second}, []SigningKey{k1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if k, err := NewKeyring(tt.cfg, tt.keys...); err == nil {
				t.Errorf("NewKeyring(%+v, %d keys) = %p, nil; want an error", tt.cfg, len(tt.keys), k)
			}
		})
	}
}

func TestCheckSecret(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		secret string
		ok     bool
	}{
		{"random 32 bytes", "Zq8v1Lr0Xc3Tn6Wm9Ke2Ha5Yd4Fp7Gs0", true},
		{"test secret", tokSecret1, true},
		{"32-byte pattern repeated once", "Zq8v1Lr0Xc3Tn6Wm9Ke2Ha5Yd4Fp7Gs0" + "Zq8v1Lr0Xc3Tn6Wm9Ke2Ha5Yd4Fp7Gs0", true},
		{"empty", "", false},
		{"31 bytes", "Zq8v1Lr0Xc3Tn6Wm9Ke2Ha5Yd4Fp7Gs", false},
		{"secret", "secret", false},
		{"changeme", "changeme", false},
		{"your-secret-key", "your-secret-key", false},
		{"secret repeated", strings.Repeat("secret", 6), false},
		{"secret repeated, cut short", strings.Repeat("secret", 6)[:33], false},
		{"changeme repeated", strings.Repeat("changeme", 4), false},
		{"CHANGEME repeated", strings.Repeat("CHANGEME", 4), false},
		{"your-secret-key repeated", strings.Repeat("your-secret-key", 3), false},
		{"supersecret repeated", strings.Repeat("supersecret", 3), false},
		{"password repeated", strings.Repeat("password", 4), false},
		{"jwt-secret repeated", strings.Repeat("jwt-secret", 4), false},
		{"secret-key repeated", strings.Repeat("secret-key", 4), false},
		{"mysecret repeated", strings.Repeat("mysecret", 4), false},
		{"one byte repeated", strings.Repeat("a", 64), false},
		{"zero bytes", string(make([]byte, 32)), false},
		{"16-byte block repeated", strings.Repeat("0123456789abcdef", 2), false},
		{"3-byte block repeated", strings.Repeat("abc", 20), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckSecret([]byte(tt.secret))
			if (err == nil) != tt.ok {
				t.Errorf("CheckSecret(%q) = %v; want ok=%v", tt.secret, err, tt.ok)
			}
			_, err = HS256Key("k", []byte(tt.secret))
			if (err == nil) != tt.ok {
				t.Errorf("HS256Key(%q) = %v; want ok=%v", tt.secret, err, tt.ok)
			}
		})
	}
}

func TestHS256KeyCopiesSecret(t *testing.T) {
	t.Parallel()
	secret := []byte(tokSecret1)
	ring := tokRing(t, tokHS(t, "k1", string(secret)))
	k, err := HS256Key("k1", secret)
	if err != nil {
		t.Fatalf("HS256Key() = %v", err)
	}
	ring2 := tokRing(t, k)
	secret[0] ^= 0xff
	tok, err := ring2.Issue(Claims{Subject: "1", SessionID: "s", IssuedAt: tokNow, ExpiresAt: tokNow.Add(time.Hour)})
	if err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	if _, err := ring.Verify(tok, tokNow); err != nil {
		t.Errorf("Verify() after the caller changed its secret slice = %v; want nil", err)
	}
}

func TestKeyConstructorsReject(t *testing.T) {
	t.Parallel()
	priv := tokEdPriv()
	bad := bytes.Clone(priv)
	bad[40] ^= 1 // public half no longer matches the seed
	if _, err := HS256Key("", []byte(tokSecret1)); err == nil {
		t.Errorf(`HS256Key("", secret) = nil; want an error`)
	}
	if _, err := Ed25519Key("", priv); err == nil {
		t.Errorf(`Ed25519Key("", priv) = nil; want an error`)
	}
	if _, err := Ed25519Key("ed", priv[:32]); err == nil {
		t.Errorf(`Ed25519Key("ed", seed only) = nil; want an error`)
	}
	if _, err := Ed25519Key("ed", bad); err == nil {
		t.Errorf(`Ed25519Key("ed", mismatched public half) = nil; want an error`)
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	if got := string(tokRing(t, tokHS(t, "k1", tokSecret1)).JWKS()); got != `{"keys":[]}` {
		t.Errorf("JWKS() of an HS256 ring = %s; want {\"keys\":[]}", got)
	}
	priv := tokEdPriv()
	pub := priv.Public().(ed25519.PublicKey)
	_, priv2, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("ed25519.GenerateKey() = %v", err)
	}
	ring := tokRing(t, tokEd(t, "ed1", priv), tokHS(t, "k1", tokSecret1), tokEd(t, "ed2", priv2))
	raw := ring.JWKS()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("JWKS() = %s: %v", raw, err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS() has %d keys; want 2 (Ed25519 only): %s", len(set.Keys), raw)
	}
	want := map[string]string{
		"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub),
		"kid": "ed1", "alg": "EdDSA", "use": "sig",
	}
	if fmt.Sprint(set.Keys[0]) != fmt.Sprint(want) {
		t.Errorf("JWKS().keys[0] = %v; want %v", set.Keys[0], want)
	}
	if set.Keys[1]["kid"] != "ed2" {
		t.Errorf("JWKS().keys[1].kid = %q; want ed2", set.Keys[1]["kid"])
	}
	if strings.Contains(string(raw), "\"d\"") || strings.Contains(string(raw), "oct") {
		t.Errorf("JWKS() = %s leaks private or symmetric material", raw)
	}
	raw[0] = 'X'
	if again := ring.JWKS(); again[0] != '{' {
		t.Errorf("JWKS() shares its buffer with callers")
	}
}

func TestCheckJSONObject(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{`{}`, true},
		{` { "a" : 1 , "b" : [ {"a":1}, {"a":2} ], "c": {"a": {"a": null}} } `, true},
		{`{"a":[1,[2,{"x":1,"y":2}]],"b":"a"}`, true},
		{`{"a":1,"a":1}`, false},
		{`{"a":{"b":1,"b":2}}`, false},
		{`{"a":[{"b":1,"b":2}]}`, false},
		{`{"a":1,"b":{"a":1},"a":2}`, false},
		{`{"a\u0062":1,"ab":2}`, false},
		{`[]`, false},
		{`"a"`, false},
		{`1`, false},
		{``, false},
		{`{`, false},
		{`{"a":1}{}`, false},
		{`{"a":1} 1`, false},
		{`{"a":1,}`, false},
	} {
		err := checkJSONObject([]byte(tt.in), nil)
		if (err == nil) != tt.ok {
			t.Errorf("checkJSONObject(%s) = %v; want ok=%v", tt.in, err, tt.ok)
		}
	}
}

// --- benchmarks -------------------------------------------------------------

func BenchmarkVerify(b *testing.B) {
	for _, tt := range []struct {
		name string
		key  SigningKey
	}{
		{"HS256", tokHS(b, "k1", tokSecret1)},
		{"EdDSA", tokEd(b, "ed1", tokEdPriv())},
	} {
		b.Run(tt.name, func(b *testing.B) {
			ring := tokRing(b, tt.key)
			tok, err := ring.Issue(Claims{Subject: "42", SessionID: "s-7", Scopes: []string{"notes:read", "notes:write"}, IssuedAt: tokNow, ExpiresAt: tokNow.Add(time.Hour)})
			if err != nil {
				b.Fatalf("Issue() = %v", err)
			}
			b.Run("first", func(b *testing.B) { // the full check, as for a token not seen before
				b.ReportAllocs()
				for b.Loop() {
					if _, err := ring.verify(tok, tokNow); err != nil {
						b.Fatalf("verify() = %v", err)
					}
				}
			})
			b.Run("again", func(b *testing.B) { // a token that verified before (verifyCache)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := ring.Verify(tok, tokNow); err != nil {
						b.Fatalf("Verify() = %v", err)
					}
				}
			})
		})
	}
}

func BenchmarkIssue(b *testing.B) {
	for _, tt := range []struct {
		name string
		key  SigningKey
	}{
		{"HS256", tokHS(b, "k1", tokSecret1)},
		{"EdDSA", tokEd(b, "ed1", tokEdPriv())},
	} {
		b.Run(tt.name, func(b *testing.B) {
			ring := tokRing(b, tt.key)
			c := Claims{Subject: "42", SessionID: "s-7", Scopes: []string{"notes:read", "notes:write"}, IssuedAt: tokNow, ExpiresAt: tokNow.Add(time.Hour)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ring.Issue(c); err != nil {
					b.Fatalf("Issue() = %v", err)
				}
			}
		})
	}
}
