package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeNotesd is an in-memory stand-in for the part of notesd's API the mix
// uses; bug breaks it in one way ("" for none).
type fakeNotesd struct {
	bug string

	mu      sync.Mutex
	next    int64
	notes   map[int64]fakeNote
	access  map[string]int64 // token → user
	refresh map[string]int64
	issued  int
}

// fakeNote is a note of fakeNotesd, in notesd's JSON shape.
type fakeNote struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	OwnerID   int64     `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// newFakeNotesd returns a fake whose users 1..users own notes seeded
// round-robin, like seed does.
func newFakeNotesd(bug string, users, notes int) *fakeNotesd {
	f := &fakeNotesd{bug: bug, notes: map[int64]fakeNote{}, access: map[string]int64{}, refresh: map[string]int64{}}
	for id := int64(1); id <= int64(notes); id++ {
		f.notes[id] = fakeNote{ID: id, Title: noteTitle(id), OwnerID: ownerOf(id, users)}
	}
	f.next = int64(notes)
	return f
}

// problem writes an RFC 9457 problem, as notesd does.
func (f *fakeNotesd) problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"status":%d,"detail":%q}`, status, detail)
}

// writeJSON writes v as JSON with status.
func (f *fakeNotesd) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// tokens issues a new pair for user (under f.mu).
func (f *fakeNotesd) tokens(w http.ResponseWriter, user int64) {
	f.issued++
	a, r := fmt.Sprintf("a%d", f.issued), fmt.Sprintf("r%d", f.issued)
	f.access[a], f.refresh[r] = user, user
	f.writeJSON(w, 200, map[string]any{"access_token": a, "refresh_token": r, "token_type": "bearer"})
}

// ServeHTTP serves login, refresh and the owner-scoped notes routes,
// broken as f.bug says.
func (f *fakeNotesd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/auth/login":
		var user int64
		if _, err := fmt.Sscanf(r.PostFormValue("username"), "user%d@bench.example", &user); err != nil || r.PostFormValue("password") != benchPassword {
			f.problem(w, 401, "Incorrect username or password")
			return
		}
		f.tokens(w, user)
		return
	case "/auth/refresh":
		user, ok := f.refresh[r.PostFormValue("refresh_token")]
		if !ok || f.bug == "refresh 401" {
			f.problem(w, 401, "Could not validate credentials")
			return
		}
		delete(f.refresh, r.PostFormValue("refresh_token"))
		f.tokens(w, user)
		return
	}
	user, ok := f.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		f.problem(w, 401, "Not authenticated")
		return
	}
	if r.URL.Path == "/notes" {
		switch r.Method {
		case http.MethodPost:
			var in struct{ Title, Body string }
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" {
				f.problem(w, 422, "bad note")
				return
			}
			f.next++
			n := fakeNote{ID: f.next, Title: in.Title, Body: in.Body, OwnerID: user}
			f.notes[n.ID] = n
			f.writeJSON(w, 201, n)
		case http.MethodGet:
			limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
			items := []fakeNote{}
			ids := make([]int64, 0, len(f.notes))
			for id := range f.notes {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range slices.Backward(ids) {
				n := f.notes[id]
				if (n.OwnerID == user || (f.bug == "list leak" && len(items) == 0)) && len(items) < limit {
					items = append(items, n)
				}
			}
			f.writeJSON(w, 200, map[string]any{"items": items, "next_cursor": nil})
		}
		return
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/notes/"), 10, 64)
	n, found := f.notes[id]
	if err != nil || !found || (n.OwnerID != user && f.bug != "probe leak") {
		f.problem(w, 404, "Note not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		f.writeJSON(w, 200, n)
	case http.MethodPatch:
		if f.bug == "patch 500" {
			f.problem(w, 500, "Internal Server Error")
			return
		}
		var in struct{ Title *string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			f.problem(w, 422, "bad patch")
			return
		}
		if in.Title != nil {
			n.Title = *in.Title
		}
		f.notes[id] = n
		f.writeJSON(w, 200, n)
	case http.MethodDelete:
		delete(f.notes, id)
		w.WriteHeader(http.StatusNoContent)
	}
}

// testMixSpec is a short mix of four clients (users 1 to 4 of 4, three
// seeded notes each) against baseURL, with logins and refreshes often
// enough to happen.
func testMixSpec(baseURL string, d time.Duration) mixSpec {
	spec := mixSpec{BaseURL: baseURL, Duration: d, Stagger: 20 * time.Millisecond,
		Relogin: 150 * time.Millisecond, Refresh: 60 * time.Millisecond, LoginConcurrency: 2, Seed: 1}
	for id := int64(1); id <= 4; id++ {
		spec.Clients = append(spec.Clients, mixUser{UserID: id, Email: emailOf(id), NoteIDs: notesOf(id, 4, 12)})
	}
	return spec
}

func TestRunMix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bug       string
		cross     bool   // a cross-user answer is expected
		errors    bool   // an unexpected answer is expected
		wantCheck string // check's error; "" for none
	}{
		{bug: ""},
		{bug: "probe leak", cross: true, wantCheck: "cross-user answers"},
		{bug: "list leak", cross: true, wantCheck: "cross-user answers"},
		{bug: "patch 500", errors: true, wantCheck: "500 Internal Server Error, want 200"},
		{bug: "refresh 401", errors: true, wantCheck: "POST /auth/refresh: 401 Unauthorized, want 200"},
		{bug: "down", errors: true, wantCheck: "POST /auth/login"},
	}
	for _, tt := range tests {
		name := tt.bug
		if name == "" {
			name = "correct"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(newFakeNotesd(tt.bug, 4, 12))
			if tt.bug == "down" {
				srv.Close() // every request is a socket error
			} else {
				defer srv.Close()
			}
			d := 700 * time.Millisecond
			if tt.wantCheck != "" {
				d = 5 * time.Second // the first failure must end the run long before
			}
			st, err := runMix(t.Context(), testMixSpec(srv.URL, d))
			if err != nil {
				t.Fatalf("runMix() = %v", err)
			}
			checkErr := st.check()
			if tt.wantCheck == "" {
				if checkErr != nil {
					t.Fatalf("check() = %v, want nil", checkErr)
				}
				for _, op := range mixOps {
					if o := st.op(op); o.Count == 0 || o.P99 < o.P50 || o.P50 <= 0 {
						t.Errorf("op %s = %+v, want counted, with latencies", op, o)
					}
				}
				var sum int64
				for _, o := range st.Ops {
					sum += o.Count
				}
				if sum != st.Requests || st.ReqPerSec <= 0 || st.Elapsed < d*9/10 || st.LoggedIn != 4 || st.AllLoggedIn <= 0 {
					t.Errorf("stats = %+v, want requests the sum of the ops, a rate, the whole duration", st)
				}
				return
			}
			if checkErr == nil || !strings.Contains(checkErr.Error(), tt.wantCheck) {
				t.Errorf("check() = %v, want an error containing %q", checkErr, tt.wantCheck)
			}
			if (st.CrossUser > 0) != tt.cross || (st.Errors > 0) != tt.errors {
				t.Errorf("stats: %d cross-user answers, %d errors; want cross-user %v, errors %v", st.CrossUser, st.Errors, tt.cross, tt.errors)
			}
			if st.Elapsed >= d {
				t.Errorf("the run took %v after a failure, want it ended early", st.Elapsed)
			}
		})
	}
}

func TestMixStatsCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		st   mixStats
		want string // "" for no error
	}{
		{"clean", mixStats{Requests: 10}, ""},
		{"nothing answered", mixStats{}, "no request was answered"},
		{"error", mixStats{Requests: 10, Errors: 2, Failures: []string{"client 1 (user 3): DELETE /notes/9: 503 Service Unavailable, want 204"}},
			"2 unexpected answers or socket errors:\n  client 1 (user 3): DELETE /notes/9: 503"},
		{"cross-user", mixStats{Requests: 10, CrossUser: 1, Failures: []string{"client 0 (user 1): read: was served note 5 of user 2"}},
			"1 cross-user answers (a user was served another user's note) and 0 other errors:\n  client 0 (user 1): read: was served note 5 of user 2"},
	}
	for _, tt := range tests {
		err := tt.st.check()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: check() = %v, want nil", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: check() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestCheckMixSpec(t *testing.T) {
	t.Parallel()
	good := testMixSpec("http://127.0.0.1:1", time.Second)
	if err := checkMixSpec(good); err != nil {
		t.Fatalf("checkMixSpec(good) = %v", err)
	}
	for name, mutate := range map[string]func(*mixSpec){
		"remote":    func(s *mixSpec) { s.BaseURL = "http://203.0.113.1:80" },
		"one":       func(s *mixSpec) { s.Clients = s.Clients[:1] },
		"no time":   func(s *mixSpec) { s.Duration = 0 },
		"no logins": func(s *mixSpec) { s.LoginConcurrency = 0 },
		"no timer":  func(s *mixSpec) { s.Refresh = 0 },
	} {
		s := good
		mutate(&s)
		if err := checkMixSpec(s); err == nil {
			t.Errorf("%s: checkMixSpec() = nil, want an error", name)
		}
	}
}

func TestMixReport(t *testing.T) {
	t.Parallel()
	cfg := &config{users: 1000, notes: 1000, clients: 3}
	users := mixUsers(cfg)
	if len(users) != 3 || users[1].UserID != 334 || users[1].Email != emailOf(334) || !slices.Equal(users[1].NoteIDs, []int64{334}) {
		t.Errorf("mixUsers() = %+v", users)
	}
	st := mixStats{Elapsed: 2 * time.Second, Requests: 300, ReqPerSec: 150, LoggedIn: 3, AllLoggedIn: 400 * time.Millisecond, Ops: []opResult{
		{Op: opLogin, Count: 4, P50: 30 * time.Millisecond, P99: 60 * time.Millisecond},
		{Op: opRead, Count: 296, P50: 400 * time.Microsecond, P99: 2 * time.Millisecond},
	}}
	rep := &mixReport{Mode: "mix", Clients: 3, Users: 1000, Notes: 1000, Duration: "2s", Generator: "Go client", Pinning: "no CPU pinning",
		LoginLimitPerIP: mixRateLimit, RefreshLimitPerIP: mixRateLimit, Stagger: "500ms", Relogin: "30s", Refresh: "10s",
		mixResult: mixResult{ElapsedSeconds: 2, CPUPerReqUs: 80, ServerCPU: 0.6, ClientCPU: 0.95, MaxRSSMB: 70, PeakRSSMB: 120, EndRSSMB: 40}}
	rep.fill(st)
	var b strings.Builder
	if err := rep.writeTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"notesbench --mix: 3 clients",
		"notesd --login-limit-per-ip 1000000 --refresh-limit-per-ip 1000000",
		"login    POST /auth/login              4       2.0  30.00 ms  60.00 ms\n",
		"read     GET /notes/{id}             296     148.0    400 µs   2.00 ms\n",
		"refresh  POST /auth/refresh            0       0.0         -         -\n",
		"all                                  300     150.0\n",
		"server: 80.0 µs CPU/req, srv cpu 60%, gen cpu 95%",
		"RSS max 70.0 MB (sampled VmRSS), end 40.0 MB, peak 120.0 MB (VmHWM)",
		"errors: 0, cross-user answers: 0",
		"clients logged in: all 3, the last 0.4s into the run\n",
		"warning: the load generator used 95% of its core",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("writeTable() lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "clients logged in before the end") {
		t.Errorf("writeTable() warns of a slow ramp-up:\n%s", b.String())
	}
	st.LoggedIn = 2
	rep.fill(st)
	b.Reset()
	if err := rep.writeTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"clients logged in: 2 of 3", "warning: only 2 of the 3 clients logged in before the end"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("writeTable() with a client not logged in lacks %q:\n%s", want, b.String())
		}
	}
	var js strings.Builder
	if err := rep.writeJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(js.String()), &back); err != nil {
		t.Fatal(err)
	}
	if back["mode"] != "mix" || back["max_rss_mb"] != 70.0 || back["req_per_sec"] != 150.0 || len(back["ops"].([]any)) != len(mixOps) {
		t.Errorf("writeJSON() = %s", js.String())
	}
}
