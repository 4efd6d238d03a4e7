package main

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// metricsLine matches the line serve prints for --metrics-addr.
var metricsLine = regexp.MustCompile(`(?m)^metrics at (http://\S+/metrics)$`)

// scrape reads the metrics page at u and returns each sample's value by
// its name and labels, as the text format writes them.
func scrape(t *testing.T, u string) map[string]float64 {
	t.Helper()
	code, body := call(t, "GET", u, "", "")
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s, want 200", u, code, body)
	}
	samples := map[string]float64{}
	for line := range strings.SplitSeq(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return samples
}

// TestServeMetrics runs serve with --metrics-addr, makes traffic on the
// API and checks that the series of SPEC §8 move, on a listener that is
// not the API's, and that the hash pool has --hash-workers' size.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, envOf(), "--database-url", "sqlite:"+filepath.Join(dir, "n.db"),
		"--metrics-addr", "127.0.0.1:0", "--login-limit-per-account", "1", "--hash-workers", "3")
	m := metricsLine.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("serve printed %q, want the metrics address", s.stdout.String())
	}
	if code, _ := call(t, "GET", s.url+"/metrics", "", ""); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the API's listener = %d, want 404", code)
	}
	before := scrape(t, m[1])

	if code, body := call(t, "POST", s.url+"/auth/register", "application/json",
		`{"email":"ann@example.com","password":"ann's password","name":"Ann"}`); code != http.StatusCreated {
		t.Fatalf("POST /auth/register = %d %s, want 201", code, body)
	}
	login := func(password string, want int) string {
		t.Helper()
		form := url.Values{"username": {"ann@example.com"}, "password": {password}}.Encode()
		code, body := call(t, "POST", s.url+"/auth/login", "application/x-www-form-urlencoded", form)
		if code != want {
			t.Fatalf("POST /auth/login = %d %s, want %d", code, body, want)
		}
		return body
	}
	body := login("ann's password", http.StatusOK)
	tok := regexp.MustCompile(`"access_token":"([^"]+)"`).FindStringSubmatch(body)[1]
	for range 3 {
		if code, body := call(t, "GET", s.url+"/me", "", "", "Authorization", "Bearer "+tok); code != http.StatusOK {
			t.Fatalf("GET /me = %d %s, want 200", code, body)
		}
	}
	code, created := call(t, "POST", s.url+"/notes", "application/json", `{"title":"t","body":"b"}`, "Authorization", "Bearer "+tok)
	if code != http.StatusCreated {
		t.Fatalf("POST /notes = %d %s, want 201", code, created)
	}
	noteID := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(created)[1]
	for range 3 {
		if code, body := call(t, "GET", s.url+"/notes/"+noteID, "", "", "Authorization", "Bearer "+tok); code != http.StatusOK {
			t.Fatalf("GET /notes/%s = %d %s, want 200", noteID, code, body)
		}
	}
	login("wrong password", http.StatusUnauthorized)
	login("ann's password", http.StatusTooManyRequests) // the one failure allowed is used up
	if code, _ := call(t, "GET", s.url+"/nowhere", "", ""); code != http.StatusNotFound {
		t.Fatalf("GET /nowhere = %d, want 404", code)
	}

	after := scrape(t, m[1])
	tests := []struct {
		series string
		want   float64 // the least it must have grown by
	}{
		{`notesd_http_request_duration_seconds_count{method="POST",route="/auth/register",status="201"}`, 1},
		{`notesd_http_request_duration_seconds_count{method="POST",route="/auth/login",status="200"}`, 1},
		{`notesd_http_request_duration_seconds_count{method="POST",route="/auth/login",status="401"}`, 1},
		{`notesd_http_request_duration_seconds_count{method="POST",route="/auth/login",status="429"}`, 1},
		{`notesd_http_request_duration_seconds_count{method="GET",route="/me",status="200"}`, 3},
		{`notesd_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}`, 1},
		{`notesd_logins_total{outcome="success"}`, 1},
		{`notesd_logins_total{outcome="bad_credentials"}`, 1},
		{`notesd_logins_total{outcome="limited"}`, 1},
		{`notesd_rate_limited_total{rule="login-account"}`, 1},
		{`notesd_hash_wait_seconds_count`, 3},                          // register's hash, two verifications
		{`notesd_db_call_duration_seconds_count{op="UserByEmail"}`, 2}, // the refused login checks nothing
		{`notesd_db_call_duration_seconds_count{op="CreateUser"}`, 1},
		{`notesd_auth_cache_hits_total`, 2}, // /me after the first
		{`notesd_auth_cache_misses_total`, 1},
		{`notesd_note_cache_hits_total`, 2}, // the note after the first read
		{`notesd_note_cache_misses_total`, 1},
	}
	for _, tt := range tests {
		got, ok := after[tt.series]
		if !ok {
			t.Errorf("%s missing from the scrape", tt.series)
			continue
		}
		if d := got - before[tt.series]; d < tt.want {
			t.Errorf("%s grew by %v, want at least %v", tt.series, d, tt.want)
		}
	}
	for _, series := range []string{
		`notesd_hash_workers`, `notesd_hash_queued`, `notesd_event_streams_open`,
		`notesd_db_pool_connections{pool="sqlite-reader",state="idle"}`,
		`notesd_db_pool_max_connections{pool="sqlite-writer"}`,
		`notesd_db_pool_waits_total{pool="sqlite-reader"}`,
	} {
		if _, ok := after[series]; !ok {
			t.Errorf("%s missing from the scrape", series)
		}
	}
	if w, q := after[`notesd_hash_workers`], after[`notesd_hash_queue_capacity`]; w != 3 || q != 12 {
		t.Errorf("notesd_hash_workers = %v, notesd_hash_queue_capacity = %v; want --hash-workers' 3 and 4 × 3", w, q)
	}
	s.shutdown(t)
}

// TestServeMetricsOff checks that without --metrics-addr no metrics
// listener is opened.
func TestServeMetricsOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, envOf(), "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "n.db"))
	if strings.Contains(s.stdout.String(), "metrics at") {
		t.Errorf("serve printed %q, want no metrics address", s.stdout.String())
	}
	s.shutdown(t)
}
