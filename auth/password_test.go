package auth

import (
	"context"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// pwTestParams keeps tests fast; the other fields take their defaults.
var pwTestParams = Argon2Params{Memory: 64, Time: 1}

func newPwHasher(workers, queue int) *Hasher {
	return NewHasher(HasherConfig{Params: pwTestParams, Workers: workers, Queue: queue})
}

const (
	// referenceArgon2id is a known-answer vector of the Argon2 reference
	// implementation (phc-winner-argon2, src/test.c): password "password",
	// salt "somesalt", argon2id v=19, m=256 KiB, t=2, p=1, 32-byte key.
	referenceArgon2id = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"

	// passlibBcrypt is a bcrypt hash of fixedBcryptPassword in the form
	// passlib writes ($2b$). It was made once with
	// bcrypt.GenerateFromPassword([]byte(fixedBcryptPassword), 4) from
	// golang.org/x/crypto v0.59.0, which printed
	// "$2a$04$jpqRcToLchhO5tHmGmQCwuviyUFvHhVmttCMJYBnmFaW3VpXjV87K"; the
	// prefix was then changed to $2b$ (the two variants hash passwords under
	// 255 bytes identically). Cost 4 rather than passlib's default 12 keeps
	// the test fast; the cost is read from the hash either way.
	passlibBcrypt       = "$2b$04$jpqRcToLchhO5tHmGmQCwuviyUFvHhVmttCMJYBnmFaW3VpXjV87K"
	fixedBcryptPassword = "correct horse battery staple"
)

func TestDefaultArgon2(t *testing.T) {
	t.Parallel()
	want := Argon2Params{Memory: 47104, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	if got := DefaultArgon2(); got != want {
		t.Errorf("DefaultArgon2() = %+v; want %+v", got, want)
	}
}

func TestNewHasherDefaults(t *testing.T) {
	t.Parallel()
	h := NewHasher(HasherConfig{})
	if h.params != DefaultArgon2() {
		t.Errorf("NewHasher(zero).params = %+v; want DefaultArgon2()", h.params)
	}
	if !strings.HasPrefix(h.dummy, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Errorf("NewHasher(zero).dummy = %q; want default parameters", h.dummy)
	}
	w := runtime.GOMAXPROCS(0)
	if cap(h.workers) != w || cap(h.waiting) != 4*w {
		t.Errorf("NewHasher(zero) workers, queue = %d, %d; want %d, %d", cap(h.workers), cap(h.waiting), w, 4*w)
	}

	h = NewHasher(HasherConfig{Params: pwTestParams, Workers: 3, Queue: -1})
	want := Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	if h.params != want {
		t.Errorf("NewHasher(%+v).params = %+v; want %+v", pwTestParams, h.params, want)
	}
	if cap(h.workers) != 3 || cap(h.waiting) != 0 {
		t.Errorf("NewHasher(Workers 3, Queue -1) workers, queue = %d, %d; want 3, 0", cap(h.workers), cap(h.waiting))
	}
}

func TestNewHasherPanicsOnBadParams(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		p    Argon2Params
	}{
		{"short salt", Argon2Params{Memory: 64, SaltLen: 4}},
		{"short key", Argon2Params{Memory: 64, KeyLen: 8}},
		{"memory under 8 per lane", Argon2Params{Memory: 15, Threads: 2}},
		{"too many passes", Argon2Params{Memory: 64, Time: 1000}},
		{"too much memory", Argon2Params{Memory: 1 << 30}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Errorf("NewHasher(%+v) did not panic", tt.p)
				}
			}()
			NewHasher(HasherConfig{Params: tt.p})
		})
	}
}

var pwPHCPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newPwHasher(2, 0)
	for _, pw := range []string{"correct horse battery staple", "", "pässwörd ✓", strings.Repeat("p", maxPasswordLen)} {
		enc, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatalf("Hash(%d bytes) = %v", len(pw), err)
		}
		if !pwPHCPattern.MatchString(enc) {
			t.Errorf("Hash() = %q; want %s", enc, pwPHCPattern)
		}
		enc2, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatalf("Hash() = %v", err)
		}
		if enc == enc2 {
			t.Errorf("Hash() twice = %q both times; want fresh salts", enc)
		}
		if ok, rehash, err := h.Verify(ctx, pw, enc); !ok || rehash || err != nil {
			t.Errorf("Verify(right password) = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
		if ok, rehash, err := h.Verify(ctx, pw+"x", enc); ok || rehash || err != nil {
			t.Errorf("Verify(wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
		}
	}
}

func TestHashTooLong(t *testing.T) {
	t.Parallel()
	h := newPwHasher(1, 0)
	if enc, err := h.Hash(context.Background(), strings.Repeat("p", maxPasswordLen+1)); err == nil {
		t.Errorf("Hash(maxPasswordLen+1 bytes) = %q, nil; want an error", enc)
	}
	enc, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatalf("Hash() = %v", err)
	}
	if ok, _, err := h.Verify(context.Background(), strings.Repeat("p", maxPasswordLen+1), enc); ok || err != nil {
		t.Errorf("Verify(maxPasswordLen+1 bytes) = %v, %v; want false, nil", ok, err)
	}
}

func TestVerifyReferenceVector(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newPwHasher(1, 0)
	if ok, rehash, err := h.Verify(ctx, "password", referenceArgon2id); !ok || !rehash || err != nil {
		t.Errorf("Verify(reference) = %v, %v, %v; want true, true (other params), nil", ok, rehash, err)
	}
	if ok, rehash, err := h.Verify(ctx, "passwore", referenceArgon2id); ok || rehash || err != nil {
		t.Errorf("Verify(reference, wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

func TestVerifyRehash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h64 := newPwHasher(1, 0)
	h128 := NewHasher(HasherConfig{Params: Argon2Params{Memory: 128, Time: 1}, Workers: 1})
	hKey := NewHasher(HasherConfig{Params: Argon2Params{Memory: 64, Time: 1, KeyLen: 64}, Workers: 1})
	enc, err := h64.Hash(ctx, "pw")
	if err != nil {
		t.Fatalf("Hash() = %v", err)
	}
	for _, tt := range []struct {
		name       string
		h          *Hasher
		pw         string
		ok, rehash bool
	}{
		{"same params", h64, "pw", true, false},
		{"more memory", h128, "pw", true, true},
		{"longer key", hKey, "pw", true, true},
		{"wrong password, other params", h128, "pW", false, false},
	} {
		ok, rehash, err := tt.h.Verify(ctx, tt.pw, enc)
		if ok != tt.ok || rehash != tt.rehash || err != nil {
			t.Errorf("%s: Verify() = %v, %v, %v; want %v, %v, nil", tt.name, ok, rehash, err, tt.ok, tt.rehash)
		}
	}
}

func TestVerifyBcrypt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newPwHasher(2, 0)
	generated, err := bcrypt.GenerateFromPassword([]byte("hunter2hunter2"), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("bcrypt.GenerateFromPassword() = %v", err)
	}
	long72 := strings.Repeat("0123456789", 7) + "ab" // exactly 72 bytes
	gen72, err := bcrypt.GenerateFromPassword([]byte(long72), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("bcrypt.GenerateFromPassword(72 bytes) = %v", err)
	}
	longer := long72 + strings.Repeat("z", 28) // 100 bytes, same first 72
	libLonger := bcrypt.CompareHashAndPassword(gen72, []byte(longer)) == nil

	for _, tt := range []struct {
		name, pw, hash string
		ok             bool
	}{
		{"generated", "hunter2hunter2", string(generated), true},
		{"generated, wrong password", "hunter2hunter3", string(generated), false},
		{"passlib $2b$", fixedBcryptPassword, passlibBcrypt, true},
		{"passlib $2b$, wrong password", "correct horse battery stapler", passlibBcrypt, false},
		{"$2a$ spelling", fixedBcryptPassword, "$2a$" + passlibBcrypt[4:], true},
		{"$2y$ spelling", fixedBcryptPassword, "$2y$" + passlibBcrypt[4:], true},
		{"72 bytes", long72, string(gen72), true},
		{"over 72 bytes, as the library does", longer, string(gen72), libLonger},
		{"over maxPasswordLen bytes", long72 + strings.Repeat("z", maxPasswordLen), string(gen72), false},
	} {
		ok, rehash, err := h.Verify(ctx, tt.pw, tt.hash)
		if ok != tt.ok || rehash != tt.ok || err != nil {
			t.Errorf("%s: Verify() = %v, %v, %v; want %v, %v, nil", tt.name, ok, rehash, err, tt.ok, tt.ok)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newPwHasher(1, 0)
	const salt, key = "c29tZXNhbHQ", "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	phc := func(head, params, s, k string) string { return head + "$" + params + "$" + s + "$" + k }
	for _, tt := range []struct{ name, hash string }{
		{"empty", ""},
		{"plain text", "password"},
		{"unknown scheme", "$pbkdf2-sha256$29000$c2FsdA$a2V5"},
		{"argon2i", phc("$argon2i$v=19", "m=256,t=2,p=1", salt, key)},
		{"argon2id only", "$argon2id$"},
		{"argon2id v=16", phc("$argon2id$v=16", "m=256,t=2,p=1", salt, key)},
		{"argon2id no version", "$argon2id$m=256,t=2,p=1$" + salt + "$" + key},
		{"params out of order", phc("$argon2id$v=19", "t=2,m=256,p=1", salt, key)},
		{"params missing", phc("$argon2id$v=19", "m=256,t=2", salt, key)},
		{"params extra", phc("$argon2id$v=19", "m=256,t=2,p=1,keyid=x", salt, key)},
		{"m=0", phc("$argon2id$v=19", "m=0,t=2,p=1", salt, key)},
		{"t=0", phc("$argon2id$v=19", "m=256,t=0,p=1", salt, key)},
		{"p=0", phc("$argon2id$v=19", "m=256,t=2,p=0", salt, key)},
		{"p=256", phc("$argon2id$v=19", "m=4096,t=2,p=256", salt, key)},
		{"leading zero", phc("$argon2id$v=19", "m=0256,t=2,p=1", salt, key)},
		{"plus sign", phc("$argon2id$v=19", "m=+256,t=2,p=1", salt, key)},
		{"negative", phc("$argon2id$v=19", "m=-256,t=2,p=1", salt, key)},
		{"memory over uint32", phc("$argon2id$v=19", "m=4294967296,t=2,p=1", salt, key)},
		{"memory over the cap", phc("$argon2id$v=19", "m=4294967295,t=2,p=1", salt, key)},
		{"passes over the cap", phc("$argon2id$v=19", "m=256,t=100000,p=1", salt, key)},
		{"salt too short", phc("$argon2id$v=19", "m=256,t=2,p=1", "c2FsdA", key)},
		{"salt padded", phc("$argon2id$v=19", "m=256,t=2,p=1", salt+"=", key)},
		{"salt non-canonical", phc("$argon2id$v=19", "m=256,t=2,p=1", "c29tZXNhbHR", key)},
		{"salt with newline", phc("$argon2id$v=19", "m=256,t=2,p=1", "c29tZXNh\nbHQ", key)},
		{"key url alphabet", phc("$argon2id$v=19", "m=256,t=2,p=1", salt, strings.ReplaceAll(key, "/", "_"))},
		{"key too short", phc("$argon2id$v=19", "m=256,t=2,p=1", salt, "a2V5")},
		{"key empty", phc("$argon2id$v=19", "m=256,t=2,p=1", salt, "")},
		{"trailing segment", phc("$argon2id$v=19", "m=256,t=2,p=1", salt, key) + "$x"},
		{"bcrypt $2x$", "$2x$" + passlibBcrypt[4:]},
		{"bcrypt $2$", "$2$04$" + passlibBcrypt[7:]},
		{"bcrypt truncated", passlibBcrypt[:59]},
		{"bcrypt extended", passlibBcrypt + "A"},
		{"bcrypt cost 31", "$2b$31$" + passlibBcrypt[7:]},
		{"bcrypt cost not a number", "$2b$xx$" + passlibBcrypt[7:]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, "password", tt.hash)
			if err == nil || ok || rehash {
				t.Errorf("Verify(%q) = %v, %v, %v; want false, false, an error", tt.hash, ok, rehash, err)
			}
		})
	}
}

func TestVerifyDummy(t *testing.T) {
	t.Parallel()
	h := newPwHasher(1, 0)
	var calls atomic.Int32
	h.inWorker = func() { calls.Add(1) }
	h.VerifyDummy(context.Background(), "anything")
	if got := calls.Load(); got != 1 {
		t.Errorf("VerifyDummy() ran %d hashes in the pool; want 1", got)
	}
	if !strings.HasPrefix(h.dummy, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("dummy hash = %q; want the hasher's parameters", h.dummy)
	}
	if p, _, _, err := decodePHC(h.dummy); err != nil || p != h.params {
		t.Errorf("decodePHC(dummy) = %+v, %v; want %+v", p, err, h.params)
	}
}

// pwBlockingHasher returns a hasher whose hashes wait in the worker until
// release is closed; entered receives one value per hash that started.
func pwBlockingHasher(workers, queue int) (h *Hasher, entered chan struct{}, release chan struct{}) {
	h = newPwHasher(workers, queue)
	entered = make(chan struct{}, 16)
	release = make(chan struct{})
	h.inWorker = func() {
		entered <- struct{}{}
		<-release
	}
	return h, entered, release
}

func waitPool(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHasherBusy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, entered, release := pwBlockingHasher(1, 1)
	enc := h.dummy

	errs := make(chan error, 2)
	go func() { _, err := h.Hash(ctx, "one"); errs <- err }()
	<-entered // the first caller holds the only worker
	go func() { _, _, err := h.Verify(ctx, "two", enc); errs <- err }()
	waitPool(t, "the second caller to queue", func() bool { return len(h.waiting) == 1 })

	start := time.Now()
	if _, err := h.Hash(ctx, "three"); !errors.Is(err, ErrBusy) {
		t.Errorf("third Hash() = %v; want ErrBusy", err)
	}
	if _, _, err := h.Verify(ctx, "three", enc); !errors.Is(err, ErrBusy) {
		t.Errorf("third Verify() = %v; want ErrBusy", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("ErrBusy took %v; want it at once", d)
	}

	close(release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("queued caller = %v; want nil", err)
		}
	}
	if _, err := h.Hash(ctx, "four"); err != nil {
		t.Errorf("Hash() after the burst = %v; want nil", err)
	}
}

func TestHasherNoQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, entered, release := pwBlockingHasher(1, -1)
	done := make(chan error, 1)
	go func() { _, err := h.Hash(ctx, "one"); done <- err }()
	<-entered
	if _, err := h.Hash(ctx, "two"); !errors.Is(err, ErrBusy) {
		t.Errorf("second Hash() with no queue = %v; want ErrBusy", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("first Hash() = %v; want nil", err)
	}
}

func TestHasherContext(t *testing.T) {
	t.Parallel()
	h, entered, release := pwBlockingHasher(1, 1)
	defer close(release)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(canceled, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash(canceled ctx) = %v; want context.Canceled", err)
	}

	go func() { _, _ = h.Hash(context.Background(), "one") }()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() { _, _, err := h.Verify(ctx, "two", h.dummy); errs <- err }()
	waitPool(t, "the caller to queue", func() bool { return len(h.waiting) == 1 })
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("Verify() canceled while waiting = %v; want context.Canceled", err)
	}
	if n := len(h.waiting); n != 0 {
		t.Errorf("wait queue holds %d after the cancel; want 0", n)
	}

	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer dcancel()
	if _, err := h.Hash(dctx, "three"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash() past its deadline while waiting = %v; want context.DeadlineExceeded", err)
	}
}

func TestHasherConcurrencyBound(t *testing.T) {
	t.Parallel()
	const workers, callers = 3, 24
	h := newPwHasher(workers, callers)
	var cur, peak atomic.Int32
	h.inWorker = func() {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		cur.Add(-1)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range callers {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = h.Hash(ctx, "pw")
			case 1:
				_, _, err = h.Verify(ctx, "pw", h.dummy)
			default:
				h.VerifyDummy(ctx, "pw")
			}
			if err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d callers failed with a queue of %d; want 0", n, callers, callers)
	}
	if p := peak.Load(); p > workers || p < 1 {
		t.Errorf("peak concurrency = %d; want 1..%d", p, workers)
	}
	t.Logf("peak concurrency %d of %d workers", peak.Load(), workers)
}

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(HasherConfig{Workers: 1})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatalf("Hash() = %v", err)
		}
	}
}

// TestHashLongestPassword: the longest password registration accepts
// (1024 characters) hashes even when every character takes 4 bytes.
func TestHashLongestPassword(t *testing.T) {
	t.Parallel()
	h := newPwHasher(1, 0)
	pw := strings.Repeat("𝄞", 1024)
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatalf("Hash(1024 four-byte characters) = %v", err)
	}
	if ok, _, err := h.Verify(context.Background(), pw, enc); !ok || err != nil {
		t.Fatalf("Verify(1024 four-byte characters) = %v, %v; want true", ok, err)
	}
}
