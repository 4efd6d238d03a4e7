package accountstest

import (
	"errors"
	"fmt"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// textBehaviours are the rules about text (SPEC §5): every stored text
// field is valid UTF-8 without NUL on every engine. Bad text in a field
// the user chose is notes' validation error, never a driver error; request
// metadata kept with a session is stored sanitised; a lookup by bad text
// finds nothing.
var textBehaviours = []behaviour{
	{"TextUserRefused", testTextUserRefused},
	{"TextLookupFindsNothing", testTextLookupFindsNothing},
	{"TextAPIKeyRefused", testTextAPIKeyRefused},
	{"TextSessionMetadataSanitised", testTextSessionMetadataSanitised},
}

// badTexts are the inputs no engine may store: NUL (PostgreSQL refuses it
// in text), invalid UTF-8 (PostgreSQL refuses it; SQLite would keep it).
var badTexts = []struct{ name, s string }{
	{"NUL", "a\x00b"},
	{"only NUL", "\x00"},
	{"invalid byte", "a\xffb"},
	{"truncated sequence", "caf\xc3"},
	{"encoded surrogate", "\xed\xa0\x80"},
	{"overlong slash", "\xc0\xaf"},
}

// wantInvalid fails t unless err is a *accounts.ValidationError naming field.
func wantInvalid(t *testing.T, op string, err error, field string) {
	t.Helper()
	var ve *accounts.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s = %v, want a *accounts.ValidationError for %s", op, err, field)
		return
	}
	if !slices.ContainsFunc(ve.Fields, func(f accounts.FieldError) bool { return f.Field == field }) {
		t.Errorf("%s = %v, want a field error for %s", op, err, field)
	}
}

func testTextUserRefused(t *testing.T, s Store) {
	ctx := t.Context()
	ann := newUser(t, s, "ann", "")
	for _, b := range badTexts {
		_, err := s.CreateUser(ctx, accounts.NewUser{Email: email("bob"), Name: b.s, PasswordHash: "x"})
		wantInvalid(t, fmt.Sprintf("CreateUser(name %s)", b.name), err, "name")
		_, err = s.CreateUser(ctx, accounts.NewUser{Email: "bob" + b.s + "@example.com", Name: "bob", PasswordHash: "x"})
		wantInvalid(t, fmt.Sprintf("CreateUser(email %s)", b.name), err, "email")
		_, err = s.SetName(ctx, gatehousetest.Owner(ann.ID), b.s)
		wantInvalid(t, fmt.Sprintf("SetName(%s)", b.name), err, "name")
	}
	_, err := s.UserByEmail(ctx, email("bob"))
	wantErr(t, "UserByEmail after refused creations", err, accounts.ErrNotFound)
	got, err := s.UserByID(ctx, ann.ID)
	noErr(t, "UserByID", err)
	if got.Name != ann.Name {
		t.Errorf("UserByID().Name after refused SetName = %q, want %q", got.Name, ann.Name)
	}
}

func testTextLookupFindsNothing(t *testing.T, s Store) {
	ctx := t.Context()
	newUser(t, s, "ann", "")
	for _, b := range badTexts {
		_, err := s.UserByEmail(ctx, "ann"+b.s+"@example.com")
		wantErr(t, fmt.Sprintf("UserByEmail(%s)", b.name), err, accounts.ErrNotFound)
		_, _, err = s.APIKeyByPrefix(ctx, "abcd"+b.s)
		wantErr(t, fmt.Sprintf("APIKeyByPrefix(%s)", b.name), err, accounts.ErrNotFound)
	}
}

func testTextAPIKeyRefused(t *testing.T, s Store) {
	ctx := t.Context()
	o := owner(newUser(t, s, "ann", ""))
	for i, b := range badTexts {
		_, err := s.APIKeys(o).Create(ctx, accounts.NewAPIKey{Name: b.s, Prefix: fmt.Sprintf("abcd%04d", i), Hash: randomHash()})
		wantInvalid(t, fmt.Sprintf("APIKeys.Create(name %s)", b.name), err, "name")
		_, err = s.APIKeys(o).Create(ctx, accounts.NewAPIKey{Name: "fine", Prefix: "abcd" + b.s, Hash: randomHash()})
		wantInvalid(t, fmt.Sprintf("APIKeys.Create(prefix %s)", b.name), err, "prefix")
	}
	list, err := s.APIKeys(o).List(ctx)
	noErr(t, "APIKeys.List", err)
	if len(list) != 0 {
		t.Errorf("APIKeys.List after refused creations = %+v, want none", list)
	}
}

func testTextSessionMetadataSanitised(t *testing.T, s Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann", "")
	cases := []struct {
		name   string
		ua, ip string
		wantUA string
		wantIP string
		web    bool
	}{
		{"clean", "Mozilla/5.0 (X11; Linux) é", "2001:db8::1", "Mozilla/5.0 (X11; Linux) é", "2001:db8::1", false},
		{"NUL and controls dropped", "Mo\x00zilla\x01/5.0\r\n\t\x7f\u0085", "192.0.2.1\x00", "Mozilla/5.0", "192.0.2.1", false},
		{"invalid UTF-8 replaced", "curl\xff\xfe/8.0 caf\xc3", "\xff", "curl\uFFFD/8.0 caf\uFFFD", "\uFFFD", false},
		{"web session too", "a\x00b\xffc", "192.0.2.1", "ab\uFFFDc", "192.0.2.1", true},
		{"long cut on a character boundary", strings.Repeat("é", 1000), "192.0.2.1", strings.Repeat("é", accounts.MaxMetaBytes/2), "192.0.2.1", false},
	}
	for _, c := range cases {
		in := accounts.NewSession{UserID: u.ID, UserAgent: c.ua, IP: c.ip, ExpiresAt: live(), RefreshHash: randomHash()}
		if c.web {
			in.RefreshHash, in.WebHash = nil, randomHash()
		}
		ss, err := s.CreateSession(ctx, in)
		if err != nil {
			t.Errorf("CreateSession(%s) = %v, want the session stored sanitised", c.name, err)
			continue
		}
		if ss.UserAgent != c.wantUA || ss.IP != c.wantIP {
			t.Errorf("CreateSession(%s) user agent, IP = %q, %q, want %q, %q", c.name, ss.UserAgent, ss.IP, c.wantUA, c.wantIP)
		}
		if !utf8.ValidString(ss.UserAgent) || len(ss.UserAgent) > accounts.MaxMetaBytes {
			t.Errorf("CreateSession(%s) user agent = %q (%d bytes), want valid UTF-8 of at most %d bytes", c.name, ss.UserAgent, len(ss.UserAgent), accounts.MaxMetaBytes)
		}
		list, _, err := s.Sessions(owner(u)).List(ctx, time.Now(), accounts.Page{Limit: 100})
		noErr(t, "Sessions.List", err)
		i := slices.IndexFunc(list, func(l accounts.Session) bool { return l.ID == ss.ID })
		if i < 0 {
			t.Errorf("Sessions.List() lacks session %d (%s)", ss.ID, c.name)
			continue
		}
		if list[i].UserAgent != c.wantUA || list[i].IP != c.wantIP {
			t.Errorf("Sessions.List() session %s user agent, IP = %q, %q, want %q, %q", c.name, list[i].UserAgent, list[i].IP, c.wantUA, c.wantIP)
		}
	}
}
