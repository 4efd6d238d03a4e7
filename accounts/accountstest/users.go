package accountstest

import (
	"context"
	"fmt"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// userBehaviours are the rules about users and the last-admin rule.
var userBehaviours = []behaviour{
	{"CreateUser", testCreateUser},
	{"CreateUserKeepsRole", testCreateUserKeepsRole},
	{"CreateUserEmailConflict", testCreateUserEmailConflict},
	{"UserLookupUnknown", testUserLookupUnknown},
	{"SetPasswordHash", testSetPasswordHash},
	{"SetName", testSetName},
	{"ListUsersPagination", testListUsersPagination},
	{"UpdateUser", testUpdateUser},
	{"UpdateUserUnknown", testUpdateUserUnknown},
	{"UpdateUserInvalidRole", testUpdateUserInvalidRole},
	{"LastAdminRefused", testLastAdminRefused},
	{"LastAdminInactiveAdminDoesNotCount", testLastAdminInactiveAdminDoesNotCount},
	{"LastAdminAllowedWithAnotherAdmin", testLastAdminAllowedWithAnotherAdmin},
	{"DeactivationRevokesSessions", testDeactivationRevokesSessions},
	{"AdminOperationsNeedTheGrant", testAdminOperationsNeedTheGrant},
	{"OwnerOperationsNeedAnOwner", testOwnerOperationsNeedAnOwner},
	{"UpgradePasswordHash", testUpgradePasswordHash},
}

// testAdminOperationsNeedTheGrant: operations that cross owners take the
// proof of the admin role, not a bare id; any other grant changes nothing.
func testAdminOperationsNeedTheGrant(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	for _, g := range []struct {
		name  string
		grant auth.RoleGrant
	}{{"zero grant", auth.RoleGrant{}}, {"user role", gatehousetest.Grant(string(accounts.RoleUser))}} {
		_, _, err := s.ListUsers(ctx, g.grant, accounts.Page{})
		wantErr(t, "ListUsers("+g.name+")", err, accounts.ErrForbidden)
		_, err = s.UpdateUser(ctx, g.grant, u.ID, accounts.UserPatch{Role: ptr(accounts.RoleAdmin)})
		wantErr(t, "UpdateUser("+g.name+")", err, accounts.ErrForbidden)
		wantErr(t, "RevokeUserSessions("+g.name+")", s.RevokeUserSessions(ctx, g.grant, u.ID), accounts.ErrForbidden)
	}
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	diff(t, "user after refused admin operations", u, got)
}

// testOwnerOperationsNeedAnOwner: the zero Owner changes no one's name or
// password.
func testOwnerOperationsNeedAnOwner(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	wantErr(t, "SetPasswordHash(zero owner)", s.SetPasswordHash(ctx, accounts.Owner{}, "h"), accounts.ErrForbidden)
	_, err := s.SetName(ctx, accounts.Owner{}, "Mallory")
	wantErr(t, "SetName(zero owner)", err, accounts.ErrForbidden)
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	diff(t, "user after zero-owner operations", u, got)
}

// testUpgradePasswordHash: a re-hash replaces the hash only while it is
// still the one the login checked.
func testUpgradePasswordHash(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	noErr(t, "UpgradePasswordHash", s.UpgradePasswordHash(ctx, u.ID, u.PasswordHash, "upgraded"))
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	if got.PasswordHash != "upgraded" {
		t.Errorf("PasswordHash after UpgradePasswordHash = %q, want %q", got.PasswordHash, "upgraded")
	}
	// A password change raced the login: the stale re-hash must not undo it.
	wantErr(t, "UpgradePasswordHash(stale)", s.UpgradePasswordHash(ctx, u.ID, u.PasswordHash, "stale"), accounts.ErrNotFound)
	got, err = s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	if got.PasswordHash != "upgraded" {
		t.Errorf("PasswordHash after a stale UpgradePasswordHash = %q, want %q", got.PasswordHash, "upgraded")
	}
}

func testCreateUser(t *testing.T, s Store) {
	ctx := t.Context()
	before := time.Now()
	in := accounts.NewUser{Email: "ann@example.com", Name: "Ann", PasswordHash: "$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA"}
	u, err := s.CreateUser(ctx, in)
	noErr(t, "CreateUser", err)
	after := time.Now()

	if u.ID <= 0 {
		t.Errorf("CreateUser().ID = %d, want > 0", u.ID)
	}
	want := accounts.User{ID: u.ID, Email: in.Email, Name: in.Name, Role: accounts.RoleUser, Active: true, PasswordHash: in.PasswordHash, CreatedAt: u.CreatedAt}
	diff(t, "CreateUser()", want, u)
	wantNear(t, "CreateUser().CreatedAt", u.CreatedAt, before, after)
	wantUTC(t, "CreateUser().CreatedAt", u.CreatedAt)

	byID, err := s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	diff(t, fmt.Sprintf("UserByID(%d)", u.ID), u, byID)
	wantUTC(t, "UserByID().CreatedAt", byID.CreatedAt)

	byEmail, err := s.UserByEmail(ctx, in.Email)
	noErr(t, "UserByEmail", err)
	diff(t, fmt.Sprintf("UserByEmail(%q)", in.Email), u, byEmail)

	other := newUser(t, s, "bob", "")
	if other.ID == u.ID {
		t.Errorf("two users share id %d", u.ID)
	}
}

func testCreateUserKeepsRole(t *testing.T, s Store) {
	for _, role := range []accounts.Role{accounts.RoleUser, accounts.RoleAdmin} {
		u := newUser(t, s, string(role), role)
		if u.Role != role {
			t.Errorf("CreateUser(role %q).Role = %q, want %q", role, u.Role, role)
		}
		got, err := s.UserByID(t.Context(), u.ID)
		noErr(t, "UserByID", err)
		if got.Role != role {
			t.Errorf("UserByID(%d).Role = %q, want %q", u.ID, got.Role, role)
		}
	}
}

func testCreateUserEmailConflict(t *testing.T, s Store) {
	ctx := t.Context()
	first := newUser(t, s, "ann", "")
	_, err := s.CreateUser(ctx, accounts.NewUser{Email: first.Email, Name: "Impostor", PasswordHash: "x"})
	wantErr(t, fmt.Sprintf("CreateUser(%q) again", first.Email), err, accounts.ErrConflict)

	got, err := s.UserByEmail(ctx, first.Email)
	noErr(t, "UserByEmail", err)
	diff(t, "UserByEmail() after conflict", first, got)

	users, _, err := s.ListUsers(ctx, adminGrant(), accounts.Page{})
	noErr(t, "ListUsers", err)
	if len(users) != 1 {
		t.Errorf("ListUsers() has %d users after a conflict, want 1", len(users))
	}
}

func testUserLookupUnknown(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	_, err := s.UserByID(ctx, u.ID+1000)
	wantErr(t, fmt.Sprintf("UserByID(%d)", u.ID+1000), err, accounts.ErrNotFound)
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	wantErr(t, `UserByEmail("nobody@example.com")`, err, accounts.ErrNotFound)
}

func testSetPasswordHash(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	other := newUser(t, s, "bob", "")
	const hash = "$argon2id$v=19$m=47104,t=1,p=1$bmV3$bmV3aGFzaA"
	noErr(t, "SetPasswordHash", s.SetPasswordHash(ctx, gatehousetest.Owner(u.ID), hash))

	got, err := s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	if got.PasswordHash != hash {
		t.Errorf("UserByID(%d).PasswordHash = %q, want %q", u.ID, got.PasswordHash, hash)
	}
	got, err = s.UserByID(ctx, other.ID)
	noErr(t, "UserByID", err)
	diff(t, "other user after SetPasswordHash", other, got)

	err = s.SetPasswordHash(ctx, gatehousetest.Owner(other.ID+1000), hash)
	wantErr(t, fmt.Sprintf("SetPasswordHash(%d)", other.ID+1000), err, accounts.ErrNotFound)
}

func testSetName(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	got, err := s.SetName(ctx, gatehousetest.Owner(u.ID), "Ann Smith")
	noErr(t, "SetName", err)
	want := u
	want.Name = "Ann Smith"
	diff(t, fmt.Sprintf("SetName(%d)", u.ID), want, got)

	got, err = s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	diff(t, "UserByID() after SetName", want, got)

	_, err = s.SetName(ctx, gatehousetest.Owner(u.ID+1000), "Nobody")
	wantErr(t, fmt.Sprintf("SetName(%d)", u.ID+1000), err, accounts.ErrNotFound)
}

func testListUsersPagination(t *testing.T, s Store) {
	var created []accounts.User
	for i := range 5 {
		created = append(created, newUser(t, s, fmt.Sprintf("user%d", i), ""))
	}
	var want []accounts.User
	for i := len(created) - 1; i >= 0; i-- {
		want = append(want, created[i])
	}
	got := collectPages(t, "ListUsers", 2, []int{2, 2, 1}, func(ctx context.Context, p accounts.Page) ([]accounts.User, int64, error) {
		return s.ListUsers(ctx, adminGrant(), p)
	}, func(u accounts.User) int64 { return u.ID })
	diff(t, "ListUsers() pages", want, got)
}

func testUpdateUser(t *testing.T, s Store) {
	ctx := t.Context()
	admin := newUser(t, s, "admin", accounts.RoleAdmin)
	u := newUser(t, s, "ann", "")

	steps := []struct {
		name  string
		patch accounts.UserPatch
		role  accounts.Role
		on    bool
	}{
		{"empty patch", accounts.UserPatch{}, accounts.RoleUser, true},
		{"promote", accounts.UserPatch{Role: ptr(accounts.RoleAdmin)}, accounts.RoleAdmin, true},
		{"demote", accounts.UserPatch{Role: ptr(accounts.RoleUser)}, accounts.RoleUser, true},
		{"deactivate", accounts.UserPatch{Active: ptr(false)}, accounts.RoleUser, false},
		{"reactivate and promote", accounts.UserPatch{Role: ptr(accounts.RoleAdmin), Active: ptr(true)}, accounts.RoleAdmin, true},
	}
	for _, step := range steps {
		got, err := s.UpdateUser(ctx, adminGrant(), u.ID, step.patch)
		noErr(t, "UpdateUser("+step.name+")", err)
		want := u
		want.Role, want.Active = step.role, step.on
		diff(t, "UpdateUser("+step.name+")", want, got)
		stored, err := s.UserByID(ctx, u.ID)
		noErr(t, "UserByID", err)
		diff(t, "UserByID() after UpdateUser("+step.name+")", want, stored)
	}

	got, err := s.UserByID(ctx, admin.ID)
	noErr(t, "UserByID", err)
	diff(t, "bystander admin after UpdateUser", admin, got)
}

func testUpdateUserUnknown(t *testing.T, s Store) {
	u := newUser(t, s, "ann", "")
	_, err := s.UpdateUser(t.Context(), adminGrant(), u.ID+1000, accounts.UserPatch{Active: ptr(false)})
	wantErr(t, fmt.Sprintf("UpdateUser(%d)", u.ID+1000), err, accounts.ErrNotFound)
}

func testUpdateUserInvalidRole(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	if _, err := s.UpdateUser(ctx, adminGrant(), u.ID, accounts.UserPatch{Role: ptr(accounts.Role("root"))}); err == nil {
		t.Errorf("UpdateUser(role %q) = nil error, want an error", "root")
	}
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, "UserByID", err)
	diff(t, "UserByID() after invalid role", u, got)
}

func testLastAdminRefused(t *testing.T, s Store) {
	ctx := t.Context()
	admin := newUser(t, s, "admin", accounts.RoleAdmin)
	newUser(t, s, "ann", "") // an active plain user does not count
	sess := newSession(t, s, admin.ID, live())

	patches := []struct {
		name  string
		patch accounts.UserPatch
	}{
		{"demote", accounts.UserPatch{Role: ptr(accounts.RoleUser)}},
		{"deactivate", accounts.UserPatch{Active: ptr(false)}},
		{"demote and deactivate", accounts.UserPatch{Role: ptr(accounts.RoleUser), Active: ptr(false)}},
	}
	for _, p := range patches {
		_, err := s.UpdateUser(ctx, adminGrant(), admin.ID, p.patch)
		wantErr(t, "UpdateUser(last admin, "+p.name+")", err, accounts.ErrLastAdmin)
		got, err := s.UserByID(ctx, admin.ID)
		noErr(t, "UserByID", err)
		diff(t, "last admin after refused "+p.name, admin, got)
	}
	// The refused deactivation rolled back entirely: the session lives.
	wantSessionLive(t, s, admin.ID, sess.ID)

	// Changes that keep the admin an active admin are fine.
	got, err := s.UpdateUser(ctx, adminGrant(), admin.ID, accounts.UserPatch{Role: ptr(accounts.RoleAdmin), Active: ptr(true)})
	noErr(t, "UpdateUser(last admin, no-op)", err)
	diff(t, "UpdateUser(last admin, no-op)", admin, got)
}

func testLastAdminInactiveAdminDoesNotCount(t *testing.T, s Store) {
	ctx := t.Context()
	admin := newUser(t, s, "admin", accounts.RoleAdmin)
	other := newUser(t, s, "other", accounts.RoleAdmin)
	_, err := s.UpdateUser(ctx, adminGrant(), other.ID, accounts.UserPatch{Active: ptr(false)})
	noErr(t, "UpdateUser(other admin, deactivate)", err)

	_, err = s.UpdateUser(ctx, adminGrant(), admin.ID, accounts.UserPatch{Role: ptr(accounts.RoleUser)})
	wantErr(t, "UpdateUser(last active admin, demote)", err, accounts.ErrLastAdmin)
	_, err = s.UpdateUser(ctx, adminGrant(), admin.ID, accounts.UserPatch{Active: ptr(false)})
	wantErr(t, "UpdateUser(last active admin, deactivate)", err, accounts.ErrLastAdmin)

	// Changing the inactive admin never leaves fewer active admins.
	_, err = s.UpdateUser(ctx, adminGrant(), other.ID, accounts.UserPatch{Role: ptr(accounts.RoleUser)})
	noErr(t, "UpdateUser(inactive admin, demote)", err)
}

func testLastAdminAllowedWithAnotherAdmin(t *testing.T, s Store) {
	ctx := t.Context()
	a := newUser(t, s, "a", accounts.RoleAdmin)
	b := newUser(t, s, "b", accounts.RoleAdmin)
	c := newUser(t, s, "c", accounts.RoleAdmin)

	got, err := s.UpdateUser(ctx, adminGrant(), a.ID, accounts.UserPatch{Role: ptr(accounts.RoleUser)})
	noErr(t, "UpdateUser(a, demote)", err)
	if got.Role != accounts.RoleUser {
		t.Errorf("UpdateUser(a, demote).Role = %q, want %q", got.Role, accounts.RoleUser)
	}
	got, err = s.UpdateUser(ctx, adminGrant(), b.ID, accounts.UserPatch{Active: ptr(false)})
	noErr(t, "UpdateUser(b, deactivate)", err)
	if got.Active {
		t.Errorf("UpdateUser(b, deactivate).Active = true, want false")
	}
	// c is now the last active admin.
	_, err = s.UpdateUser(ctx, adminGrant(), c.ID, accounts.UserPatch{Active: ptr(false)})
	wantErr(t, "UpdateUser(c, deactivate)", err, accounts.ErrLastAdmin)
	_, err = s.UpdateUser(ctx, adminGrant(), c.ID, accounts.UserPatch{Role: ptr(accounts.RoleUser)})
	wantErr(t, "UpdateUser(c, demote)", err, accounts.ErrLastAdmin)
}

func testDeactivationRevokesSessions(t *testing.T, s Store) {
	ctx := t.Context()
	newUser(t, s, "admin", accounts.RoleAdmin)
	u := newUser(t, s, "ann", "")
	v := newUser(t, s, "bob", "")
	s1 := newSession(t, s, u.ID, live())
	s2 := newSession(t, s, u.ID, live())
	sv := newSession(t, s, v.ID, live())

	got, err := s.UpdateUser(ctx, adminGrant(), u.ID, accounts.UserPatch{Active: ptr(false)})
	noErr(t, "UpdateUser(deactivate)", err)
	if got.Active {
		t.Errorf("UpdateUser(deactivate).Active = true, want false")
	}
	wantSessionGone(t, s, u.ID, s1.ID)
	wantSessionGone(t, s, u.ID, s2.ID)
	wantSessionLive(t, s, v.ID, sv.ID)
	list, _, err := s.Sessions(owner(u)).List(ctx, time.Now(), accounts.Page{})
	noErr(t, "Sessions.List", err)
	if len(list) != 0 {
		t.Errorf("Sessions(deactivated).List() = %v, want none", list)
	}

	// Reactivation does not bring old sessions back.
	_, err = s.UpdateUser(ctx, adminGrant(), u.ID, accounts.UserPatch{Active: ptr(true)})
	noErr(t, "UpdateUser(reactivate)", err)
	wantSessionGone(t, s, u.ID, s1.ID)
}

// collectPages walks a keyset-paginated list page by page with limit,
// checks the size of every page and the cursors, and returns all items.
func collectPages[T any](t *testing.T, op string, limit int, sizes []int,
	list func(ctx context.Context, p accounts.Page) ([]T, int64, error), id func(T) int64,
) []T {
	t.Helper()
	var (
		all   []T
		after int64
		seen  = map[int64]bool{}
	)
	for i := 0; ; i++ {
		items, next, err := list(t.Context(), accounts.Page{After: after, Limit: limit})
		noErr(t, op, err)
		if i >= len(sizes) {
			t.Fatalf("%s(after %d) = page %d with %d items, want only %d pages", op, after, i+1, len(items), len(sizes))
		}
		if len(items) != sizes[i] {
			t.Errorf("%s(after %d, limit %d) = %d items, want %d", op, after, limit, len(items), sizes[i])
		}
		for _, it := range items {
			if seen[id(it)] {
				t.Errorf("%s: id %d appears on two pages", op, id(it))
			}
			seen[id(it)] = true
		}
		all = append(all, items...)
		last := i == len(sizes)-1
		switch {
		case last && next != 0:
			t.Fatalf("%s(after %d) next cursor = %d on the last page, want 0", op, after, next)
		case !last && len(items) > 0 && next != id(items[len(items)-1]):
			t.Fatalf("%s(after %d) next cursor = %d, want %d (the last item's id)", op, after, next, id(items[len(items)-1]))
		case !last && next == 0:
			t.Fatalf("%s(after %d) next cursor = 0 on page %d of %d", op, after, i+1, len(sizes))
		}
		if next == 0 {
			return all
		}
		after = next
	}
}
