package accountstest

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// apiKeyBehaviours are the rules about API keys.
var apiKeyBehaviours = []behaviour{
	{"APIKeyCreate", testAPIKeyCreate},
	{"APIKeyByPrefix", testAPIKeyByPrefix},
	{"APIKeyPrefixConflict", testAPIKeyPrefixConflict},
	{"APIKeyList", testAPIKeyList},
	{"APIKeyRevoke", testAPIKeyRevoke},
	{"APIKeyTouch", testAPIKeyTouch},
	{"APIKeyZeroOwner", testAPIKeyZeroOwner},
}

// newAPIKey creates a key of o with the given prefix.
func newAPIKey(t *testing.T, s Store, o accounts.Owner, prefix string, scopes ...string) accounts.APIKey {
	t.Helper()
	h := sha256.Sum256([]byte("gk_" + prefix + "secret"))
	k, err := s.APIKeys(o).Create(t.Context(), accounts.NewAPIKey{Name: "key " + prefix, Prefix: prefix, Hash: h[:], Scopes: scopes})
	noErr(t, "APIKeys.Create", err)
	return k
}

// emptyScopes treats nil and empty scope lists alike.
var emptyScopes = cmpopts.EquateEmpty()

func testAPIKeyCreate(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	h := sha256.Sum256([]byte("gk_abcd1234secret"))
	expires := time.Now().Add(90 * 24 * time.Hour)
	cases := []struct {
		name string
		in   accounts.NewAPIKey
	}{
		{"no expiry", accounts.NewAPIKey{Name: "laptop", Prefix: "abcd1234", Hash: h[:], Scopes: []string{scopeRead, scopeWrite}}},
		{"expiry", accounts.NewAPIKey{Name: "ci", Prefix: "efgh5678", Hash: h[:], Scopes: []string{scopeRead}, ExpiresAt: &expires}},
		{"no scopes", accounts.NewAPIKey{Name: "none", Prefix: "ijkl9012", Hash: h[:]}},
	}
	for _, c := range cases {
		before := time.Now()
		k, err := s.APIKeys(owner(u)).Create(ctx, c.in)
		noErr(t, "APIKeys.Create("+c.name+")", err)
		after := time.Now()
		if k.ID <= 0 {
			t.Errorf("APIKeys.Create(%s).ID = %d, want > 0", c.name, k.ID)
		}
		want := accounts.APIKey{ID: k.ID, UserID: u.ID, Name: c.in.Name, Prefix: c.in.Prefix, Hash: c.in.Hash, Scopes: c.in.Scopes, CreatedAt: k.CreatedAt, ExpiresAt: c.in.ExpiresAt}
		diff(t, "APIKeys.Create("+c.name+")", want, k, approxTime, emptyScopes)
		wantNear(t, "APIKeys.Create().CreatedAt", k.CreatedAt, before, after)
		wantUTC(t, "APIKeys.Create().CreatedAt", k.CreatedAt)
		if k.ExpiresAt != nil {
			wantUTC(t, "APIKeys.Create().ExpiresAt", *k.ExpiresAt)
		}
	}
}

func testAPIKeyByPrefix(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	k := newAPIKey(t, s, owner(u), "abcd1234", scopeRead)

	gotKey, gotUser, err := s.APIKeyByPrefix(ctx, k.Prefix)
	noErr(t, "APIKeyByPrefix", err)
	diff(t, fmt.Sprintf("APIKeyByPrefix(%q) key", k.Prefix), k, gotKey)
	diff(t, fmt.Sprintf("APIKeyByPrefix(%q) user", k.Prefix), u, gotUser)
	wantUTC(t, "APIKeyByPrefix() times", gotKey.CreatedAt, gotUser.CreatedAt)

	_, _, err = s.APIKeyByPrefix(ctx, "unknown0")
	wantErr(t, `APIKeyByPrefix("unknown0")`, err, accounts.ErrNotFound)

	// The key of an inactive user is still found: the caller decides.
	_, err = s.UpdateUser(ctx, adminGrant(), u.ID, accounts.UserPatch{Active: ptr(false)})
	noErr(t, "UpdateUser(deactivate)", err)
	_, gotUser, err = s.APIKeyByPrefix(ctx, k.Prefix)
	noErr(t, "APIKeyByPrefix(inactive user)", err)
	if gotUser.Active {
		t.Errorf("APIKeyByPrefix(%q) user Active = true, want false", k.Prefix)
	}
}

func testAPIKeyPrefixConflict(t *testing.T, s Store) {
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	k := newAPIKey(t, s, owner(u), "abcd1234")
	_, err := s.APIKeys(owner(v)).Create(t.Context(), accounts.NewAPIKey{Name: "dup", Prefix: k.Prefix, Hash: k.Hash})
	wantErr(t, fmt.Sprintf("APIKeys.Create(prefix %q) again", k.Prefix), err, accounts.ErrConflict)

	_, gotUser, err := s.APIKeyByPrefix(t.Context(), k.Prefix)
	noErr(t, "APIKeyByPrefix", err)
	if gotUser.ID != u.ID {
		t.Errorf("APIKeyByPrefix(%q) user = %d, want %d", k.Prefix, gotUser.ID, u.ID)
	}
}

func testAPIKeyList(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	k1 := newAPIKey(t, s, owner(u), "aaaa0001", scopeRead)
	k2 := newAPIKey(t, s, owner(u), "aaaa0002", scopeWrite)
	k3 := newAPIKey(t, s, owner(u), "aaaa0003", scopeRead, scopeWrite)
	kv := newAPIKey(t, s, owner(v), "bbbb0001", scopeRead)
	noErr(t, "APIKeys.Revoke", s.APIKeys(owner(u)).Revoke(ctx, k2.ID))

	got, err := s.APIKeys(owner(u)).List(ctx)
	noErr(t, "APIKeys(u).List", err)
	diff(t, "APIKeys(u).List()", []accounts.APIKey{k3, k1}, got)
	for _, k := range got {
		wantUTC(t, "APIKeys.List().CreatedAt", k.CreatedAt)
	}

	got, err = s.APIKeys(owner(v)).List(ctx)
	noErr(t, "APIKeys(v).List", err)
	diff(t, "APIKeys(v).List()", []accounts.APIKey{kv}, got)
}

func testAPIKeyRevoke(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	k := newAPIKey(t, s, owner(u), "abcd1234")

	err := s.APIKeys(owner(v)).Revoke(ctx, k.ID)
	wantErr(t, fmt.Sprintf("APIKeys(other).Revoke(%d)", k.ID), err, accounts.ErrNotFound)
	if _, _, err := s.APIKeyByPrefix(ctx, k.Prefix); err != nil {
		t.Errorf("APIKeyByPrefix(%q) after another user's Revoke = %v, want the key", k.Prefix, err)
	}

	noErr(t, "APIKeys.Revoke(own)", s.APIKeys(owner(u)).Revoke(ctx, k.ID))
	_, _, err = s.APIKeyByPrefix(ctx, k.Prefix)
	wantErr(t, fmt.Sprintf("APIKeyByPrefix(%q) after Revoke", k.Prefix), err, accounts.ErrNotFound)

	err = s.APIKeys(owner(u)).Revoke(ctx, k.ID)
	wantErr(t, fmt.Sprintf("APIKeys.Revoke(%d) again", k.ID), err, accounts.ErrNotFound)
	err = s.APIKeys(owner(u)).Revoke(ctx, k.ID+1000)
	wantErr(t, fmt.Sprintf("APIKeys.Revoke(%d) unknown", k.ID+1000), err, accounts.ErrNotFound)
}

func testAPIKeyTouch(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	k := newAPIKey(t, s, owner(u), "abcd1234")
	if k.LastUsedAt != nil {
		t.Errorf("APIKeys.Create().LastUsedAt = %v, want nil", *k.LastUsedAt)
	}

	used := time.Now().Add(time.Minute)
	noErr(t, "TouchAPIKey", s.TouchAPIKey(ctx, k.ID, used))
	got, _, err := s.APIKeyByPrefix(ctx, k.Prefix)
	noErr(t, "APIKeyByPrefix", err)
	want := k
	want.LastUsedAt = &used
	diff(t, "APIKeyByPrefix() after TouchAPIKey", want, got, approxTime)
	if got.LastUsedAt != nil {
		wantUTC(t, "APIKeyByPrefix().LastUsedAt", *got.LastUsedAt)
	}
	list, err := s.APIKeys(owner(u)).List(ctx)
	noErr(t, "APIKeys.List", err)
	diff(t, "APIKeys.List() after TouchAPIKey", []accounts.APIKey{want}, list, approxTime)

	err = s.TouchAPIKey(ctx, k.ID+1000, used)
	wantErr(t, fmt.Sprintf("TouchAPIKey(%d)", k.ID+1000), err, accounts.ErrNotFound)
}

func testAPIKeyZeroOwner(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	k := newAPIKey(t, s, owner(u), "abcd1234")
	var zero accounts.Owner

	_, err := s.APIKeys(zero).Create(ctx, accounts.NewAPIKey{Name: "x", Prefix: "zzzz0000", Hash: k.Hash})
	wantErr(t, "APIKeys(zero).Create", err, accounts.ErrForbidden)
	list, err := s.APIKeys(zero).List(ctx)
	noErr(t, "APIKeys(zero).List", err)
	if len(list) != 0 {
		t.Errorf("APIKeys(zero).List() = %v, want none", list)
	}
	err = s.APIKeys(zero).Revoke(ctx, k.ID)
	wantErr(t, fmt.Sprintf("APIKeys(zero).Revoke(%d)", k.ID), err, accounts.ErrNotFound)
	if _, _, err := s.APIKeyByPrefix(ctx, k.Prefix); err != nil {
		t.Errorf("APIKeyByPrefix(%q) after zero owner's Revoke = %v, want the key", k.Prefix, err)
	}
	_, _, err = s.APIKeyByPrefix(ctx, "zzzz0000")
	wantErr(t, `APIKeyByPrefix("zzzz0000")`, err, accounts.ErrNotFound)
}
