package auth

import (
	"crypto/ed25519"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary strings to Keyring.Verify. It must never panic,
// every failure must wrap ErrInvalidToken, and the only strings that verify
// are the tokens the keyring itself issued as seeds: no mutation of a good
// token (re-encoding, padding, whitespace, header or claim edits) may verify.
func FuzzVerify(f *testing.F) {
	ring := tokRing(f, tokHS(f, "k1", tokSecret1), tokEd(f, "ed1", tokEdPriv()))
	edOnly := tokRing(f, tokEd(f, "ed1", tokEdPriv()))
	now := tokNow

	// Every seed has a fixed jti: fuzz workers run this setup again, and
	// HS256 and Ed25519 signatures are deterministic, so the seeds (and the
	// issued set) are the same in every process.
	issued := map[string]bool{}
	for _, c := range []Claims{
		{Subject: "42", SessionID: "s-7", Scopes: []string{"notes:read", "notes:write"}, IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour), ID: "a"},
		{Subject: "1", SessionID: "s", IssuedAt: now, ExpiresAt: now.Add(time.Minute), ID: "b"},
	} {
		tok, err := ring.Issue(c)
		if err != nil {
			f.Fatalf("Issue() = %v", err)
		}
		issued[tok] = true
		f.Add(tok)
	}
	// Tokens signed by the Ed25519 key verify in both rings.
	edTok, err := edOnly.Issue(Claims{Subject: "7", SessionID: "e", IssuedAt: now, ExpiresAt: now.Add(time.Hour), ID: "c"})
	if err != nil {
		f.Fatalf("Issue() = %v", err)
	}
	issued[edTok] = true
	f.Add(edTok)

	// A hand-built token signed with k1's secret is as legitimate as an
	// issued one.
	std := tokPayload(nil)
	handSigned := tokHS256(tokSecret1, tokHeader("HS256", "k1"), std)
	issued[handSigned] = true
	f.Add(handSigned)

	for _, s := range []string{
		"",
		".",
		"..",
		"a.b.c",
		tokHS256(tokSecret1, tokHeader("HS256", "k1"), tokPayload(map[string]string{"exp": ""})),
		tokHS256(tokSecret1, `{"alg":"HS256","kid":"k1","crit":["exp"]}`, std),
		tokHS256(tokSecret1, `{"alg":"none","kid":"k1","alg":"HS256"}`, std),
		tokHS256(string(tokEdPriv().Public().(ed25519.PublicKey)), tokHeader("HS256", "ed1"), std),
		tokHS512(tokSecret1, tokHeader("HS512", "k1"), std),
		tokB64(tokHeader("none", "k1")) + "." + tokB64(std) + ".",
		edTok + "=",
		strings.Repeat("A", maxTokenLen+1),
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ring.Verify(tok, now)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Verify(%q) error = %v; want it to wrap ErrInvalidToken", tok, err)
			}
			return
		}
		if !issued[tok] {
			t.Fatalf("Verify(%q) = %+v, nil; only issued tokens may verify", tok, c)
		}
		if c.Subject == "" || c.SessionID == "" || c.ExpiresAt.IsZero() {
			t.Fatalf("Verify(%q) = %+v; missing claims", tok, c)
		}
	})
}

// FuzzVerifyLegacy feeds arbitrary strings to VerifyLegacy. It must never
// panic, every failure must wrap ErrInvalidToken, and the only strings
// that verify are the lesson-shaped tokens signed with the secret among
// the seeds: no mutation of one (re-encoding, padding, a kid, another
// alg, duplicate or retyped claims) may verify.
func FuzzVerifyLegacy(f *testing.F) {
	const secret = "the old app's SECRET_KEY"
	now := tokNow
	exp := `"exp":` + strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	good := map[string]string{ // token → its sub
		tokHS256(secret, `{"alg":"HS256","typ":"JWT"}`, `{"sub":"1",`+exp+`}`):  "1",
		tokHS256(secret, `{"alg":"HS256","typ":"JWT"}`, `{"sub":"42",`+exp+`}`): "42",
	}
	for tok := range good {
		f.Add(tok)
	}
	for _, s := range []string{
		"", ".", "..", "a.b.c",
		tokHS256(secret, `{"alg":"HS256","typ":"JWT","kid":"k1"}`, `{"sub":"1",`+exp+`}`),
		tokHS256(secret, `{"alg":"HS256","crit":["exp"]}`, `{"sub":"1",`+exp+`}`),
		tokHS256(secret, `{"alg":"HS256"}`, `{"sub":"1","sub":"2",`+exp+`}`),
		tokHS256(secret, `{"alg":"HS256"}`, `{"sub":1,`+exp+`}`),
		tokHS256(secret, `{"alg":"HS256"}`, `{"sub":"1"}`),
		tokHS256(tokSecret1, `{"alg":"HS256"}`, `{"sub":"1",`+exp+`}`),
		tokHS512(secret, `{"alg":"HS512"}`, `{"sub":"1",`+exp+`}`),
		tokB64(`{"alg":"none"}`) + "." + tokB64(`{"sub":"1",`+exp+`}`) + ".",
		strings.Repeat("A", maxTokenLen+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		sub, err := VerifyLegacy(tok, []byte(secret), now, 30*time.Second)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("VerifyLegacy(%q) error = %v; want it to wrap ErrInvalidToken", tok, err)
			}
			return
		}
		if want, ok := good[tok]; !ok || sub != want {
			t.Fatalf("VerifyLegacy(%q) = %q, nil; only the good seeds may verify (want %q, %v)", tok, sub, want, ok)
		}
	})
}
