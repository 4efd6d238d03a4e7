package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// ErrBusy is returned at once by [Hasher] methods when every worker is busy
// and the wait queue is full. Callers answer it with 503 (or 429) and a
// Retry-After, never by queueing more work.
var ErrBusy = errors.New("password hasher busy")

const (
	// maxPasswordLen bounds the bytes Hash accepts and Verify looks at.
	maxPasswordLen = 4096 // 1024 characters of up to 4 UTF-8 bytes

	// Bounds on argon2id parameters, for NewHasher and for stored hashes:
	// a corrupt hash must not make one Verify allocate gigabytes.
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 128
	maxMemoryKiB = 1 << 21 // 2 GiB
	maxTime      = 64

	// bcryptHashLen is the length of a modular-crypt bcrypt hash.
	bcryptHashLen = 60
	// maxBcryptCost bounds the cost of a stored bcrypt hash Verify will
	// compute (passlib's default is 12; each step doubles the work).
	maxBcryptCost = 18

	// maxKinds bounds how many kinds of hash a Hasher keeps the cost of.
	maxKinds = 16
)

// Argon2Params are argon2id cost parameters.
type Argon2Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes (the "p" of the PHC string)
	SaltLen uint32 // bytes of random salt
	KeyLen  uint32 // bytes of derived key
}

// DefaultArgon2 returns parameters that meet both the OWASP Password Storage
// Cheat Sheet and ASVS 5.0: m=47104 KiB (46 MiB), t=1, p=1, a 16-byte salt and
// a 32-byte key.
func DefaultArgon2() Argon2Params {
	return Argon2Params{Memory: 47104, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// withDefaults fills each zero field from DefaultArgon2.
func (p Argon2Params) withDefaults() Argon2Params {
	d := DefaultArgon2()
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.Threads == 0 {
		p.Threads = d.Threads
	}
	if p.SaltLen == 0 {
		p.SaltLen = d.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = d.KeyLen
	}
	return p
}

// check reports parameters outside what argon2id (RFC 9106) allows or what a
// Hasher is willing to compute.
func (p Argon2Params) check() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d outside 1..%d", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("threads 0")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// HasherConfig configures a [Hasher].
type HasherConfig struct {
	// Params are the argon2id parameters of new hashes. Each zero field
	// takes its value from DefaultArgon2().
	Params Argon2Params
	// Workers is how many hashes may run at once; 0 or less means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Queue is how many callers may wait for a worker; 0 means 4*Workers,
	// negative means none may wait.
	Queue int
	// ObserveWait, when set, is called with how long each hash or
	// verification waited for a worker (0 when one was free at once): for
	// metrics. It must be quick and safe for concurrent use.
	ObserveWait func(time.Duration)
}

// Hasher hashes and verifies passwords with argon2id (and verifies legacy
// bcrypt hashes) under a bounded worker pool: at most Workers hashes run at
// once, at most Queue callers wait, and any further caller gets [ErrBusy] at
// once, so a login flood costs bounded memory. A Hasher is safe for
// concurrent use.
//
// Every verification, real or dummy, takes the time of the slowest kind of
// hash the Hasher has verified since it was made: so a login
// for an unknown e-mail, for a user with a current hash and for one with a
// bcrypt or older argon2id hash cannot be told apart by its time. The
// Hasher keeps a moving average of how long one verification of its own
// kind takes in a worker, and for each other kind (bcrypt cost, argon2id
// parameters; up to 16) how many times that, the most of its last eight
// verifications; each verification then sleeps, after it has left the
// worker, until it has taken the cost of the slowest kind: the padding
// costs no CPU and holds no worker. The time spent waiting for a worker is not padded (it does not
// depend on the hash).
type Hasher struct {
	params  Argon2Params
	workers chan struct{} // semaphore: one slot per running hash
	waiting chan struct{} // one slot per caller allowed to wait
	dummy   string        // argon2id hash of a random password, for VerifyDummy
	costs   costs         // what one verification of each kind takes

	observeWait func(time.Duration) // HasherConfig.ObserveWait; may be nil

	// inWorker, when set (by tests), runs inside each worker slot before the
	// hash, to slow hashes down or count concurrency.
	inWorker func()
}

// NewHasher returns a Hasher for cfg. It computes one argon2id hash (the
// dummy for [Hasher.VerifyDummy]) before returning. It panics when cfg.Params
// are out of range (time 1..64, memory 8*threads KiB..2 GiB, salt 8..64
// bytes, key 16..128 bytes): that is a programming error, not a runtime one.
func NewHasher(cfg HasherConfig) *Hasher {
	p := cfg.Params.withDefaults()
	if err := p.check(); err != nil {
		panic("auth: NewHasher: argon2id parameters: " + err.Error())
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	queue := cfg.Queue
	switch {
	case queue == 0:
		queue = 4 * workers
	case queue < 0:
		queue = 0
	}
	h := &Hasher{
		params:  p,
		workers: make(chan struct{}, workers),
		waiting: make(chan struct{}, queue),
		costs:   costs{own: hashKind{argon2: p}, ratios: map[hashKind]*ratioWindow{}},

		observeWait: cfg.ObserveWait,
	}
	var pw [32]byte
	_, _ = rand.Read(pw[:]) // crypto/rand.Read never fails (it crashes the program instead)
	start := time.Now()
	h.dummy = h.hash(string(pw[:]))
	h.costs.observe(h.costs.own, time.Since(start))
	return h
}

// hashKind is what sets the cost of verifying a hash: its bcrypt cost, or
// its argon2id parameters.
type hashKind struct {
	bcryptCost int
	argon2     Argon2Params
}

// costs keeps what one verification of each kind of hash takes: a moving
// average for the Hasher's own kind, which every login of a current user
// or an unknown e-mail measures, and for each other kind its cost as a
// multiple of the own kind's, the largest of its last few verifications,
// so that the cost of a kind seldom seen follows the load of the machine
// as the own kind's does.
type costs struct {
	mu     sync.Mutex
	own    hashKind
	base   time.Duration // one verification of own
	ratios map[hashKind]*ratioWindow
}

// ratioWindow holds the last ratios of one kind's cost to the own kind's.
type ratioWindow struct {
	r [8]float64
	n int
}

func (w *ratioWindow) add(r float64) {
	w.r[w.n%len(w.r)] = r
	w.n++
}

func (w *ratioWindow) max() float64 {
	return slices.Max(w.r[:min(w.n, len(w.r))])
}

// add records that one verification of kind k, not the own kind, cost r
// times the own kind's.
func (c *costs) add(k hashKind, r float64) {
	w, ok := c.ratios[k]
	if !ok {
		if len(c.ratios) >= maxKinds {
			return
		}
		w = &ratioWindow{}
		c.ratios[k] = w
	}
	w.add(r)
}

// observe records that one verification of kind k took d, and returns how
// long every verification should take: the cost of the slowest known kind.
// The largest recent ratio over-pads a little, so that the slowest kind
// itself seldom takes longer than the rest.
func (c *costs) observe(k hashKind, d time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case k == c.own && c.base == 0:
		c.base = d
	case k == c.own:
		c.base += (d - c.base) / 8
	case c.base > 0:
		c.add(k, float64(d)/float64(c.base))
	}
	slowest := 1.0
	for _, w := range c.ratios {
		slowest = max(slowest, w.max())
	}
	return time.Duration(float64(c.base) * slowest)
}

// acquire takes a worker slot: at once if one is free, else after waiting in
// the bounded queue. It returns ErrBusy when the queue is full and ctx.Err()
// when ctx ends first. A nil error must be paired with release.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.workers <- struct{}{}:
		h.waited(0)
		return nil
	default:
	}
	select {
	case h.waiting <- struct{}{}:
	default:
		return ErrBusy
	}
	defer func() { <-h.waiting }()
	start := time.Now()
	select {
	case h.workers <- struct{}{}:
		h.waited(time.Since(start))
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waited reports a wait for a worker to HasherConfig.ObserveWait.
func (h *Hasher) waited(d time.Duration) {
	if h.observeWait != nil {
		h.observeWait(d)
	}
}

// HasherStats is a snapshot of a Hasher's pool.
type HasherStats struct {
	Workers int // size of the pool
	Running int // hashes running now
	Queued  int // callers waiting for a worker now
	Queue   int // how many callers may wait
}

// Stats returns a snapshot of the pool: for metrics.
func (h *Hasher) Stats() HasherStats {
	return HasherStats{Workers: cap(h.workers), Running: len(h.workers), Queued: len(h.waiting), Queue: cap(h.waiting)}
}

func (h *Hasher) release() { <-h.workers }

// run runs f in a worker slot.
func (h *Hasher) run(ctx context.Context, f func()) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	if h.inWorker != nil {
		h.inWorker()
	}
	f()
	return nil
}

// Hash returns the argon2id hash of password as a PHC string,
// $argon2id$v=19$m=47104,t=1,p=1$<salt>$<key>, salt and key in unpadded
// standard base64. It refuses passwords over 4096 bytes (1024 characters of UTF-8), and returns ErrBusy
// or ctx.Err() when no worker is available.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > maxPasswordLen {
		return "", fmt.Errorf("auth: password longer than %d bytes", maxPasswordLen)
	}
	var encoded string
	if err := h.run(ctx, func() { encoded = h.hash(password) }); err != nil {
		return "", err
	}
	return encoded, nil
}

// hash computes a PHC argon2id string with h's parameters and a fresh salt.
func (h *Hasher) hash(password string) string {
	p := h.params
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (it crashes the program instead)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodePHC(p, salt, key)
}

func encodePHC(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// Verify checks password against encoded, a PHC argon2id string or a bcrypt
// hash ($2a$, $2b$ or $2y$, as passlib writes them). ok reports a match.
// rehash is true, only when ok, if encoded is bcrypt or argon2id with
// parameters other than h's: the caller should then store a fresh Hash.
// A malformed or unsupported hash is an error; ErrBusy and ctx.Err() are
// returned as by Hash. Passwords over 4096 bytes never match. bcrypt hashes
// are checked exactly as golang.org/x/crypto/bcrypt does, which uses only the
// first 72 bytes of the password, as bcrypt always has. A check that ran
// returns no sooner than the slowest kind of hash h has verified would
// (see Hasher), or when ctx ends.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	k, compute, err := h.parse(encoded)
	if err != nil {
		return false, false, err
	}
	if len(password) > maxPasswordLen {
		return false, false, nil
	}
	var took time.Duration
	if err := h.run(ctx, func() {
		start := time.Now()
		ok, err = compute(password)
		took = time.Since(start)
	}); err != nil {
		return false, false, err
	}
	h.pad(ctx, h.costs.observe(k, took)-took)
	if err != nil || !ok {
		return false, false, err
	}
	return true, k != hashKind{argon2: h.params}, nil
}

// parse reads the kind of encoded and returns it with the check of a
// password against it, which reports a match.
func (h *Hasher) parse(encoded string) (hashKind, func(password string) (bool, error), error) {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, salt, key, err := decodePHC(encoded)
		if err != nil {
			return hashKind{}, nil, fmt.Errorf("auth: argon2id hash: %w", err)
		}
		return hashKind{argon2: p}, func(password string) (bool, error) {
			got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
			return subtle.ConstantTimeCompare(got, key) == 1, nil
		}, nil
	case isBcrypt(encoded):
		cost, err := bcrypt.Cost([]byte(encoded))
		if err != nil {
			return hashKind{}, nil, fmt.Errorf("auth: bcrypt hash: %w", err)
		}
		if cost > maxBcryptCost {
			return hashKind{}, nil, fmt.Errorf("auth: bcrypt hash: cost %d over %d", cost, maxBcryptCost)
		}
		return hashKind{bcryptCost: cost}, func(password string) (bool, error) {
			err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
			switch {
			case err == nil:
				return true, nil
			case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
				return false, nil
			default:
				return false, fmt.Errorf("auth: bcrypt hash: %w", err)
			}
		}, nil
	default:
		return hashKind{}, nil, errors.New("auth: unsupported password hash format")
	}
}

// pad sleeps for d, or until ctx ends: the time a verification takes less
// than the slowest kind, spent out of the worker pool.
func (h *Hasher) pad(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// VerifyDummy does the work of one Verify against a fixed argon2id hash made
// with h's parameters, padded like every Verify to the cost of the slowest
// kind of hash h has verified, so that a login for an unknown account
// takes as long as one with a wrong password, whatever the kind of that
// account's hash. Its result is always "no match", so it returns nothing.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	_, _, _ = h.Verify(ctx, password, h.dummy)
}

// isBcrypt reports whether s looks like a modular-crypt bcrypt hash with a
// prefix passlib writes: $2a$, $2b$ or $2y$ (never the broken $2x$).
func isBcrypt(s string) bool {
	if len(s) != bcryptHashLen {
		return false
	}
	switch s[:4] {
	case "$2a$", "$2b$", "$2y$":
		return true
	}
	return false
}

// decodePHC parses $argon2id$v=19$m=M,t=T,p=P$salt$key strictly: version 19,
// parameters in that order, decimal without sign or leading zero, canonical
// unpadded standard base64, everything within the bounds of check.
func decodePHC(s string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("not $argon2id$v=…$m=…,t=…,p=…$salt$key")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("unsupported version %q", parts[2])
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return p, nil, nil, errors.New("parameters are not m=…,t=…,p=…")
	}
	var vals [3]uint32
	for i, name := range [3]string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(fields[i], name+"=")
		if !ok {
			return p, nil, nil, errors.New("parameters are not m=…,t=…,p=…")
		}
		if vals[i], err = parseDecimal(v); err != nil {
			return p, nil, nil, fmt.Errorf("parameter %s: %w", name, err)
		}
	}
	if vals[2] > 255 {
		return p, nil, nil, fmt.Errorf("parameter p %d over 255", vals[2])
	}
	if salt, err = decodeB64Canonical(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("salt: %w", err)
	}
	if key, err = decodeB64Canonical(parts[5]); err != nil {
		return p, nil, nil, fmt.Errorf("key: %w", err)
	}
	p = Argon2Params{
		Memory:  vals[0],
		Time:    vals[1],
		Threads: uint8(vals[2]),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	if err := p.check(); err != nil {
		return Argon2Params{}, nil, nil, err
	}
	return p, salt, key, nil
}

// parseDecimal parses a PHC decimal: digits only, no leading zero, fits uint32.
func parseDecimal(s string) (uint32, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a decimal", s)
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q out of range", s)
	}
	return uint32(v), nil
}

// decodeB64Canonical decodes unpadded standard base64 and refuses any other
// spelling of the same bytes (padding, stray newlines, non-zero trailing bits).
func decodeB64Canonical(s string) ([]byte, error) {
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.RawStdEncoding.EncodeToString(b) != s {
		return nil, errors.New("non-canonical base64")
	}
	return b, nil
}
