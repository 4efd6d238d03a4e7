package auth

import (
	"crypto/rand"
	"strconv"
	"testing"
	"time"
)

func TestVerifyCacheHonoursExpiry(t *testing.T) {
	t.Parallel()
	key, err := HS256Key("k1", []byte("a-cache-test-secret-of-32-bytes-or-more"))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := NewKeyring(KeyringConfig{Issuer: "i", Audience: "a", Leeway: time.Second}, key)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_800_000_000, 0)
	tok, err := kr.Issue(Claims{Subject: "1", SessionID: "s", IssuedAt: t0, ExpiresAt: t0.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{t0, t0.Add(30 * time.Second)} { // the second is a cache hit
		if _, err := kr.Verify(tok, at); err != nil {
			t.Fatalf("Verify at %v = %v, want valid", at.Sub(t0), err)
		}
	}
	if kr.cache.len() != 1 {
		t.Fatalf("cache holds %d tokens, want 1", kr.cache.len())
	}
	if _, err := kr.Verify(tok, t0.Add(time.Minute+2*time.Second)); err == nil {
		t.Fatal("a cached token verified after exp plus leeway")
	}
	// Failures are never cached.
	bad := tok[:len(tok)-2] + "AA"
	for range 2 {
		if _, err := kr.Verify(bad, t0); err == nil {
			t.Fatal("a tampered token verified")
		}
	}
	if kr.cache.len() != 1 {
		t.Fatalf("cache holds %d tokens after failures, want 1", kr.cache.len())
	}
}

func TestVerifyCacheBounded(t *testing.T) {
	t.Parallel()
	c := newVerifyCache()
	until := time.Now().Add(time.Hour)
	for i := range 3*verifyCacheSize + 5 {
		c.put(strconv.Itoa(i)+rand.Text(), verified{until: until})
	}
	if n := c.len(); n > 2*verifyCacheSize {
		t.Fatalf("cache holds %d entries, want at most %d", n, 2*verifyCacheSize)
	}
}
