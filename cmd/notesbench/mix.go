package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Operations of the mixed workload (--mix).
const (
	opLogin   = "login"
	opRefresh = "refresh"
	opCreate  = "create"
	opRead    = "read"
	opPatch   = "patch"
	opDelete  = "delete"
	opList    = "list"
	opProbe   = "probe"
)

// mixOps are the operations in the order the report lists them.
var mixOps = []string{opLogin, opRefresh, opCreate, opRead, opPatch, opDelete, opList, opProbe}

// mixWeights are the relative frequencies (out of 100) of the operations a
// logged-in client loops over; logins and refreshes run on timers instead.
var mixWeights = []struct {
	op     string
	weight int
}{{opRead, 35}, {opList, 15}, {opCreate, 15}, {opPatch, 15}, {opDelete, 10}, {opProbe, 10}}

// Pacing and bounds of the mixed workload.
const (
	// mixRelogin is the default mean time between two logins of one
	// client (--relogin-every), and mixRefresh between two refreshes
	// (--refresh-every); each wait is drawn uniformly from half to one and
	// a half times it.
	mixRelogin = 30 * time.Second
	mixRefresh = 10 * time.Second
	// mixStaggerMax bounds the spread of the clients' first logins, which
	// is a quarter of the duration otherwise.
	mixStaggerMax = 10 * time.Second
	// mixLoginConcurrency is how many logins the clients send at once. notesd hashes with one worker per core and lets four
	// callers per worker wait; beyond that a login is 503, which would
	// fail the run, and real users do not all log in at the same instant.
	mixLoginConcurrency = 2
	// mixMaxOwn is how many notes a client keeps at most: a create past it
	// becomes a delete, which keeps the table's size steady.
	mixMaxOwn = 100
	// mixListLimit is the page size of the list operation.
	mixListLimit = 20
	// mixProbeRing is how many recent notes (with their owners) the
	// clients share for the cross-user probes.
	mixProbeRing = 4096
	// mixMaxFailures is how many failures the statistics describe.
	mixMaxFailures = 10
)

// mixUser is one client of the mixed workload: a seeded user and the
// notes seeded for it.
type mixUser struct {
	UserID  int64   `json:"user_id"`
	Email   string  `json:"email"`
	NoteIDs []int64 `json:"note_ids"`
}

// mixSpec is one run of the mixed workload against BaseURL. Every user
// has the password benchPassword.
type mixSpec struct {
	BaseURL  string        `json:"base_url"` // http://127.0.0.1:PORT
	Clients  []mixUser     `json:"clients"`
	Duration time.Duration `json:"duration"`
	// Stagger spreads the first logins: client i of n starts at i/n of it.
	Stagger time.Duration `json:"stagger"`
	// Relogin and Refresh are the mean times between a client's logins
	// and between its refreshes.
	Relogin time.Duration `json:"relogin"`
	Refresh time.Duration `json:"refresh"`
	// LoginConcurrency bounds the logins in flight.
	LoginConcurrency int `json:"login_concurrency"`
	// Seed seeds the clients' random choices.
	Seed uint64 `json:"seed"`
}

// opResult is one operation's count and latencies.
type opResult struct {
	Op    string        `json:"op"`
	Count int64         `json:"count"`
	P50   time.Duration `json:"p50"`
	P99   time.Duration `json:"p99"`
}

// mixStats is what one run of the mixed workload measured.
type mixStats struct {
	Elapsed time.Duration `json:"elapsed"`
	// Requests counts the answers that were as expected; requests cut off
	// by the end of the run are not counted.
	Requests  int64      `json:"requests"`
	ReqPerSec float64    `json:"req_per_sec"`
	Ops       []opResult `json:"ops"`
	// Errors counts unexpected statuses, malformed answers and socket
	// errors; CrossUser the answers that served one user another user's
	// note (a probe answering 200, or a note whose owner_id is not the
	// client's user).
	Errors    int64 `json:"errors"`
	CrossUser int64 `json:"cross_user"`
	// Failures describes the first few of them.
	Failures []string `json:"failures,omitempty"`
	// LoggedIn counts the clients whose first login succeeded, and
	// AllLoggedIn is when the last of them did, from the start (0 if not
	// all did).
	LoggedIn    int64         `json:"logged_in"`
	AllLoggedIn time.Duration `json:"all_logged_in"`
	// ClientCPU is the load generator's CPU time, set by runMixChild.
	ClientCPU time.Duration `json:"client_cpu"`
}

// check fails unless the run answered requests and had no error and no
// cross-user answer.
func (st *mixStats) check() error {
	desc := ""
	if len(st.Failures) > 0 {
		desc = "\n  " + strings.Join(st.Failures, "\n  ")
	}
	switch {
	case st.CrossUser > 0:
		return fmt.Errorf("mix: %d cross-user answers (a user was served another user's note) and %d other errors:%s",
			st.CrossUser, st.Errors, desc)
	case st.Errors > 0:
		return fmt.Errorf("mix: %d unexpected answers or socket errors:%s", st.Errors, desc)
	case st.Requests == 0:
		return errors.New("mix: no request was answered")
	}
	return nil
}

// op returns the result of operation op (zero when it never ran).
func (st *mixStats) op(op string) opResult {
	for _, o := range st.Ops {
		if o.Op == op {
			return o
		}
	}
	return opResult{Op: op}
}

// checkMixSpec refuses a mixed workload that is empty or goes beyond
// 127.0.0.1.
func checkMixSpec(spec mixSpec) error {
	u, err := url.Parse(spec.BaseURL)
	if err != nil {
		return err
	}
	if err := loopbackOnly(u.Host); err != nil || u.Scheme != "http" {
		return fmt.Errorf("mix: base URL %q: want http://127.0.0.1:PORT", spec.BaseURL)
	}
	switch {
	case len(spec.Clients) < 2:
		return errors.New("mix: at least two clients are needed (the probes read other users' notes)")
	case spec.Duration <= 0:
		return errors.New("mix: no duration")
	case spec.Relogin <= 0 || spec.Refresh <= 0:
		return errors.New("mix: no login or refresh interval")
	case spec.LoginConcurrency < 1:
		return errors.New("mix: no login concurrency")
	}
	return nil
}

// mixer is the shared state of one run's clients.
type mixer struct {
	spec   mixSpec
	client *http.Client
	cancel context.CancelFunc // ends the run at the first failure
	logins chan struct{}      // holds a token per login in flight
	ring   noteRing
	start  time.Time

	mu          sync.Mutex
	loggedIn    int64
	allLoggedIn time.Duration
	hists       map[string]*histogram
	errors      int64
	crossUser   int64
	failures    []string
}

// runMix runs spec: every client logs in (staggered), then loops over the
// weighted operations on its own notes and the probes of others' until
// spec.Duration has passed or something fails. It returns what it
// measured; the failures are in the statistics (see mixStats.check), not
// in the error, which is only for a spec it cannot run.
func runMix(ctx context.Context, spec mixSpec) (mixStats, error) {
	if err := checkMixSpec(spec); err != nil {
		return mixStats{}, err
	}
	n := len(spec.Clients)
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxConnsPerHost:     n,
		MaxIdleConns:        n,
		MaxIdleConnsPerHost: n,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, spec.Duration)
	defer cancel()
	m := &mixer{
		spec:   spec,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		cancel: cancel,
		logins: make(chan struct{}, spec.LoginConcurrency),
		hists:  map[string]*histogram{},
	}
	for _, op := range mixOps {
		m.hists[op] = new(histogram)
	}
	for _, u := range spec.Clients {
		for _, id := range u.NoteIDs {
			m.ring.add(id, u.UserID)
		}
	}
	var wg sync.WaitGroup
	m.start = time.Now()
	for i, u := range spec.Clients {
		c := &mixClient{m: m, index: i, user: u, own: append([]int64(nil), u.NoteIDs...),
			rng: rand.New(rand.NewPCG(spec.Seed, uint64(i)))}
		wg.Go(func() { c.run(ctx) })
	}
	wg.Wait()
	elapsed := time.Since(m.start)

	m.mu.Lock()
	defer m.mu.Unlock()
	st := mixStats{Elapsed: elapsed, Errors: m.errors, CrossUser: m.crossUser, Failures: m.failures,
		LoggedIn: m.loggedIn, AllLoggedIn: m.allLoggedIn}
	for _, op := range mixOps {
		h := m.hists[op]
		st.Requests += h.total
		st.Ops = append(st.Ops, opResult{Op: op, Count: h.total, P50: h.quantile(0.50), P99: h.quantile(0.99)})
	}
	st.ReqPerSec = float64(st.Requests) / elapsed.Seconds()
	return st, nil
}

// record counts an answer of op that took d.
func (m *mixer) record(op string, d time.Duration) {
	m.mu.Lock()
	m.hists[op].record(d)
	m.mu.Unlock()
}

// loggedInOnce counts a client's first login.
func (m *mixer) loggedInOnce() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loggedIn++
	if m.loggedIn == int64(len(m.spec.Clients)) {
		m.allLoggedIn = time.Since(m.start)
	}
}

// fail counts a failure (a cross-user answer when cross), describes it if
// it is among the first, and ends the run.
func (m *mixer) fail(cross bool, format string, args ...any) {
	m.mu.Lock()
	if cross {
		m.crossUser++
	} else {
		m.errors++
	}
	if len(m.failures) < mixMaxFailures {
		m.failures = append(m.failures, fmt.Sprintf(format, args...))
	}
	m.mu.Unlock()
	m.cancel()
}

// noteRing holds the most recent notes of all clients, with their owners,
// for the probes. Its zero value is empty and ready to use.
type noteRing struct {
	mu     sync.Mutex
	ids    []int64
	owners []int64
	next   int
}

// add remembers note id of owner, forgetting the oldest when full.
func (r *noteRing) add(id, owner int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) < mixProbeRing {
		r.ids = append(r.ids, id)
		r.owners = append(r.owners, owner)
		return
	}
	r.ids[r.next], r.owners[r.next] = id, owner
	r.next = (r.next + 1) % mixProbeRing
}

// other picks a remembered note whose owner is not me.
func (r *noteRing) other(rng *rand.Rand, me int64) (id int64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) == 0 {
		return 0, false
	}
	for range 8 {
		if i := rng.IntN(len(r.ids)); r.owners[i] != me {
			return r.ids[i], true
		}
	}
	return 0, false
}

// mixClient is one client: a user, its tokens and the notes it owns.
type mixClient struct {
	m       *mixer
	index   int
	user    mixUser
	rng     *rand.Rand
	access  string
	refresh string
	own     []int64
	seq     int
}

// run is the client's life: wait for its turn, log in, then loop until the
// run ends, logging in again and refreshing on its timers.
func (c *mixClient) run(ctx context.Context) {
	spec := c.m.spec
	delay := spec.Stagger * time.Duration(c.index) / time.Duration(len(spec.Clients))
	if !sleepCtx(ctx, delay) || !c.login(ctx) {
		return
	}
	c.m.loggedInOnce()
	nextLogin := time.Now().Add(c.jitter(spec.Relogin))
	nextRefresh := time.Now().Add(c.jitter(spec.Refresh))
	for ctx.Err() == nil {
		var ran, ok bool
		now := time.Now()
		if !now.Before(nextLogin) {
			if ran, ok = c.relogin(ctx); ran {
				nextLogin = time.Now().Add(c.jitter(spec.Relogin))
			}
		}
		if !ran && !now.Before(nextRefresh) {
			ran, ok = true, c.refreshTokens(ctx)
			nextRefresh = time.Now().Add(c.jitter(spec.Refresh))
		}
		if !ran {
			ok = c.step(ctx)
		}
		if !ok {
			return
		}
	}
}

// jitter draws a wait uniformly from d/2 to 3d/2.
func (c *mixClient) jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(c.rng.Int64N(int64(d)))
}

// sleepCtx waits d, or less if ctx ends; it reports whether ctx is still
// live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Content types of the requests.
const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// login logs the client's user in through POST /auth/login, waiting for a
// login slot.
func (c *mixClient) login(ctx context.Context) bool {
	select {
	case c.m.logins <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-c.m.logins }()
	return c.postLogin(ctx)
}

// relogin logs the client's user in again if a login slot is free at once;
// ran reports whether it did. A client that has a token keeps working
// while the slots are busy, as a user would while a new login is pending.
func (c *mixClient) relogin(ctx context.Context) (ran, ok bool) {
	select {
	case c.m.logins <- struct{}{}:
	default:
		return false, true
	}
	defer func() { <-c.m.logins }()
	return true, c.postLogin(ctx)
}

// postLogin posts the password form (holding a login slot).
func (c *mixClient) postLogin(ctx context.Context) bool {
	form := url.Values{"grant_type": {"password"}, "username": {c.user.Email}, "password": {benchPassword}}
	return c.tokenRequest(ctx, opLogin, "/auth/login", form)
}

// refreshTokens rotates the client's tokens through POST /auth/refresh.
func (c *mixClient) refreshTokens(ctx context.Context) bool {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.refresh}}
	return c.tokenRequest(ctx, opRefresh, "/auth/refresh", form)
}

// tokenRequest posts form to path (a login or a refresh) and keeps the
// tokens of the answer.
func (c *mixClient) tokenRequest(ctx context.Context, op, path string, form url.Values) bool {
	b, ok := c.do(ctx, op, http.MethodPost, path, []byte(form.Encode()), formType, false, http.StatusOK)
	if !ok {
		return false
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		// The answer holds tokens: it is not quoted.
		c.m.fail(false, "%s: POST %s: 200 without an access_token and a refresh_token", c, path)
		return false
	}
	c.access, c.refresh = tok.AccessToken, tok.RefreshToken
	return true
}

// String names the client in failures.
func (c *mixClient) String() string {
	return fmt.Sprintf("client %d (user %d)", c.index, c.user.UserID)
}

// step runs one operation drawn from mixWeights.
func (c *mixClient) step(ctx context.Context) bool {
	op := mixWeights[len(mixWeights)-1].op
	r := c.rng.IntN(100)
	for _, w := range mixWeights {
		if r < w.weight {
			op = w.op
			break
		}
		r -= w.weight
	}
	switch {
	case len(c.own) == 0 && (op == opRead || op == opPatch || op == opDelete):
		op = opCreate
	case len(c.own) >= mixMaxOwn && op == opCreate:
		op = opDelete
	}
	switch op {
	case opCreate:
		return c.create(ctx)
	case opRead:
		id := c.own[c.rng.IntN(len(c.own))]
		b, ok := c.do(ctx, op, http.MethodGet, "/notes/"+strconv.FormatInt(id, 10), nil, "", true, http.StatusOK)
		return ok && c.checkNote(op, b, id) != 0
	case opPatch:
		id := c.own[c.rng.IntN(len(c.own))]
		c.seq++
		body, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("mix note %d-%d patched", c.user.UserID, c.seq)})
		b, ok := c.do(ctx, op, http.MethodPatch, "/notes/"+strconv.FormatInt(id, 10), body, jsonType, true, http.StatusOK)
		return ok && c.checkNote(op, b, id) != 0
	case opDelete:
		i := c.rng.IntN(len(c.own))
		id := c.own[i]
		if _, ok := c.do(ctx, op, http.MethodDelete, "/notes/"+strconv.FormatInt(id, 10), nil, "", true, http.StatusNoContent); !ok {
			return false
		}
		c.own[i] = c.own[len(c.own)-1]
		c.own = c.own[:len(c.own)-1]
		return true
	case opList:
		return c.list(ctx)
	default: // opProbe
		id, ok := c.m.ring.other(c.rng, c.user.UserID)
		if !ok {
			return c.list(ctx) // nobody else has a note yet
		}
		_, ok = c.do(ctx, op, http.MethodGet, "/notes/"+strconv.FormatInt(id, 10), nil, "", true, http.StatusNotFound)
		return ok
	}
}

// create posts a new note and remembers it.
func (c *mixClient) create(ctx context.Context) bool {
	c.seq++
	body, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("mix note %d-%d", c.user.UserID, c.seq), "body": noteBody})
	b, ok := c.do(ctx, opCreate, http.MethodPost, "/notes", body, jsonType, true, http.StatusCreated)
	if !ok {
		return false
	}
	id := c.checkNote(opCreate, b, 0)
	if id == 0 {
		return false
	}
	c.own = append(c.own, id)
	c.m.ring.add(id, c.user.UserID)
	return true
}

// list gets the first page of the client's notes and checks each is its
// own.
func (c *mixClient) list(ctx context.Context) bool {
	path := "/notes?limit=" + strconv.Itoa(mixListLimit)
	b, ok := c.do(ctx, opList, http.MethodGet, path, nil, "", true, http.StatusOK)
	if !ok {
		return false
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		c.m.fail(false, "%s: GET %s: the answer is not a page of notes: %v", c, path, err)
		return false
	}
	for _, item := range page.Items {
		if c.checkNote(opList, item, 0) == 0 {
			return false
		}
	}
	return true
}

// checkNote decodes a note of an answer to op and fails the run unless it
// belongs to the client's user (and, when want is not 0, is note want); it
// returns the note's id, or 0 after a failure.
func (c *mixClient) checkNote(op string, b []byte, want int64) int64 {
	var n struct {
		ID      int64 `json:"id"`
		OwnerID int64 `json:"owner_id"`
	}
	if err := json.Unmarshal(b, &n); err != nil || n.ID == 0 {
		c.m.fail(false, "%s: %s: the answer is not a note: %.200s", c, op, b)
		return 0
	}
	if n.OwnerID != c.user.UserID {
		c.m.fail(true, "%s: %s: was served note %d of user %d", c, op, n.ID, n.OwnerID)
		return 0
	}
	if want != 0 && n.ID != want {
		c.m.fail(false, "%s: %s: asked for note %d, got note %d", c, op, want, n.ID)
		return 0
	}
	return n.ID
}

// do sends one request of op and reads the whole answer; it returns the
// body if the status is want. A request cut off by the end of the run is
// neither counted nor a failure; anything else that is not want fails the
// run: a probe answering 200 as a cross-user answer.
func (c *mixClient) do(ctx context.Context, op, method, path string, body []byte, contentType string, bearer bool, want int) ([]byte, bool) {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.m.spec.BaseURL+path, rd)
	if err != nil {
		c.m.fail(false, "%s: %s %s: %v", c, method, path, err)
		return nil, false
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer {
		req.Header.Set("Authorization", "Bearer "+c.access)
	}
	t0 := time.Now()
	resp, err := c.m.client.Do(req)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	if ctx.Err() != nil {
		return nil, false // the end of the run (or another client's failure)
	}
	if err != nil {
		c.m.fail(false, "%s: %s %s: %v", c, method, path, err)
		return nil, false
	}
	if resp.StatusCode != want {
		if op == opProbe && resp.StatusCode == http.StatusOK {
			c.m.fail(true, "%s: %s %s (another user's note): %s, want 404: the note was served to someone who does not own it", c, method, path, resp.Status)
			return nil, false
		}
		// Only problem bodies are quoted: a login or refresh answer
		// could hold tokens.
		detail := ""
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") || (op != opLogin && op != opRefresh) {
			detail = fmt.Sprintf(": %.300s", b)
		}
		c.m.fail(false, "%s: %s %s: %s, want %d%s", c, method, path, resp.Status, want, detail)
		return nil, false
	}
	c.m.record(op, time.Since(t0))
	return b, true
}

// runMixgen runs "notesbench mixgen --spec FILE": the mixed workload of
// the mixSpec in FILE (JSON); it prints the mixStats as JSON.
func runMixgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSpec(ctx, "mixgen", "the mixed workload", args, stdout, stderr, runMix)
}
