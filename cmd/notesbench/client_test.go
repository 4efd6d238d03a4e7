package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLoadGo(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			// Every post must carry its whole body, each time it is sent.
			b, _ := io.ReadAll(r.Body)
			if string(b) != `{"title":"t"}` || r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, "bad body", http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusCreated)
		}
		_, _ = w.Write([]byte(`{"id":1}`))
	}))
	t.Cleanup(srv.Close)

	good := request{Path: "/notes/1", Header: "Authorization", Value: "Bearer good"}
	bad := request{Path: "/notes/2", Header: "Authorization", Value: "Bearer bad"}
	post := request{Method: http.MethodPost, Path: "/notes", Header: "Authorization", Value: "Bearer good", Body: `{"title":"t"}`}
	tests := []struct {
		name     string
		reqs     []request
		status   int // of the good answers
		wantBad  bool
		wantGood bool
	}{
		{name: "all 200", reqs: []request{good}, status: http.StatusOK, wantGood: true},
		{name: "some 401", reqs: []request{good, bad}, status: http.StatusOK, wantGood: true, wantBad: true},
		{name: "posts 201", reqs: []request{post}, status: http.StatusCreated, wantGood: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := loadGo(context.Background(), loadSpec{
				BaseURL: srv.URL, Requests: tt.reqs, Connections: 4, Duration: 200 * time.Millisecond,
			})
			if err != nil {
				t.Fatalf("loadGo() = %v, want nil", err)
			}
			// No bound on the time taken: a loaded machine may stretch it.
			if st.Requests == 0 || st.ReqPerSec <= 0 || st.Elapsed <= 0 {
				t.Errorf("loadGo() = %+v, want requests, a positive req/s and elapsed time", st)
			}
			if st.P50 <= 0 || st.P99 < st.P50 {
				t.Errorf("loadGo() p50 = %v, p99 = %v, want 0 < p50 ≤ p99", st.P50, st.P99)
			}
			if st.Errors != 0 {
				t.Errorf("loadGo() errors = %d, want 0", st.Errors)
			}
			if got := st.Statuses[tt.status] > 0; got != tt.wantGood {
				t.Errorf("loadGo() %ds = %d, want some: %v (statuses %v)", tt.status, st.Statuses[tt.status], tt.wantGood, st.Statuses)
			}
			if got := st.Unexpected > 0; got != tt.wantBad || st.Unexpected != st.Statuses[http.StatusUnauthorized] {
				t.Errorf("loadGo() unexpected = %d (401s %d), want some: %v", st.Unexpected, st.Statuses[http.StatusUnauthorized], tt.wantBad)
			}
			if st.Statuses[tt.status]+st.Unexpected != st.Requests {
				t.Errorf("loadGo() statuses %v do not add up to %d requests", st.Statuses, st.Requests)
			}
		})
	}
}

func TestCheckSpec(t *testing.T) {
	t.Parallel()
	ok := loadSpec{BaseURL: "http://127.0.0.1:8000", Requests: []request{{Path: "/me"}}, Connections: 1, Duration: time.Second}
	tests := []struct {
		name    string
		change  func(*loadSpec)
		wantErr string
	}{
		{"other host", func(s *loadSpec) { s.BaseURL = "http://example.com:80" }, "127.0.0.1"},
		{"all interfaces", func(s *loadSpec) { s.BaseURL = "http://0.0.0.0:80" }, "127.0.0.1"},
		{"https", func(s *loadSpec) { s.BaseURL = "https://127.0.0.1:80" }, "127.0.0.1"},
		{"no requests", func(s *loadSpec) { s.Requests = nil }, "no requests"},
		{"no connections", func(s *loadSpec) { s.Connections = 0 }, "no connections"},
		{"no duration", func(s *loadSpec) { s.Duration = 0 }, "no duration"},
	}
	if err := checkSpec(ok); err != nil {
		t.Fatalf("checkSpec(%+v) = %v, want nil", ok, err)
	}
	for _, tt := range tests {
		s := ok
		tt.change(&s)
		if err := checkSpec(s); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: checkSpec() = %v, want an error containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestHistogram(t *testing.T) {
	t.Parallel()
	var h histogram
	if got := h.quantile(0.5); got != 0 {
		t.Errorf("empty quantile(0.5) = %v, want 0", got)
	}
	// 1µs … 10000µs, one each: p50 is 5000µs, p99 9900µs.
	for us := 1; us <= 10000; us++ {
		h.record(time.Duration(us) * time.Microsecond)
	}
	var o histogram
	o.record(-time.Second) // counts as zero
	h.merge(&o)
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 5000 * time.Microsecond},
		{0.99, 9900 * time.Microsecond},
		{1, 10000 * time.Microsecond},
	}
	for _, tt := range tests {
		got := h.quantile(tt.q)
		if diff := float64(got-tt.want) / float64(tt.want); diff > 0.01 || diff < -0.01 {
			t.Errorf("quantile(%v) = %v, want %v within 1%%", tt.q, got, tt.want)
		}
	}
	if got := h.quantile(0); got != 0 {
		t.Errorf("quantile(0) = %v, want 0 (the recorded negative)", got)
	}
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1 << 20, 1<<40 + 12345, 1<<63 + 1} {
		low, width := bucketRange(bucketOf(v))
		if v < low || v-low >= width {
			t.Errorf("bucketRange(bucketOf(%d)) = [%d, +%d), want it to hold %d", v, low, width, v)
		}
	}
}
