package main

import (
	"strings"
	"testing"
	"time"
)

// wrkSample is the report of a real run: wrk 4.1.0 (Debian), -t1 -c32
// -d5s --latency against the baseline on this benchmark's machine.
const wrkSample = `Running 5s test @ http://127.0.0.1:18080/notes/1
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.54ms    2.29ms  30.94ms   92.29%
    Req/Sec    29.72k     8.46k   44.20k    66.00%
  Latency Distribution
     50%    0.99ms
     75%    1.55ms
     90%    3.23ms
     99%   12.56ms
  147988 requests in 5.02s, 55.61MB read
Requests/sec:  29497.63
Transfer/sec:     11.08MB
`

// wrkSampleErrors is a report with the lines wrk adds when answers are not
// 2xx or 3xx and sockets fail (wrk.c prints them only then).
const wrkSampleErrors = `Running 1s test @ http://127.0.0.1:40123/notes/1
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.00us  120.50us   4.10ms   88.12%
    Req/Sec    70.11k     3.02k   74.90k    81.00%
  Latency Distribution
     50%  398.00us
     75%  455.00us
     90%  530.00us
     99%    1.02ms
  70210 requests in 1.00s, 18.02MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 70210
Requests/sec:  70187.45
Transfer/sec:     18.01MB
`

func TestParseWrk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		out     string
		want    loadStats
		wantErr string
	}{
		{
			name: "clean run",
			out:  wrkSample,
			want: loadStats{Requests: 147988, Elapsed: 5020 * time.Millisecond, ReqPerSec: 29497.63,
				P50: 990 * time.Microsecond, P99: 12560 * time.Microsecond},
		},
		{
			name: "errors",
			out:  wrkSampleErrors,
			want: loadStats{Requests: 70210, Elapsed: time.Second, ReqPerSec: 70187.45,
				P50: 398 * time.Microsecond, P99: 1020 * time.Microsecond, Unexpected: 70210, Errors: 3},
		},
		{name: "no rate", out: strings.Replace(wrkSample, "Requests/sec:", "Reqs:", 1), wantErr: "Requests/sec"},
		{name: "no latency distribution", out: strings.Replace(wrkSample, "     99%   12.56ms\n", "", 1), wantErr: "99%"},
		{name: "no total", out: strings.Replace(wrkSample, "147988 requests in", "requests in", 1), wantErr: "requests in"},
		{name: "bad unit", out: strings.Replace(wrkSample, "0.99ms", "0.99xs", 1), wantErr: "duration"},
		{name: "empty", out: "", wantErr: "Requests/sec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseWrk(tt.out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseWrk() = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseWrk() = %v, want nil", err)
			}
			if got.Requests != tt.want.Requests || got.Elapsed != tt.want.Elapsed || got.ReqPerSec != tt.want.ReqPerSec ||
				got.P50 != tt.want.P50 || got.P99 != tt.want.P99 || got.Unexpected != tt.want.Unexpected || got.Errors != tt.want.Errors {
				t.Errorf("parseWrk() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestWrkScript(t *testing.T) {
	t.Parallel()
	got := wrkScript([]request{
		{Path: "/notes/7", Header: "Authorization", Value: "Bearer a.b-c_d"},
		{Path: `/odd"\path`, Header: "X-API-Key", Value: "k\n"},
		{Method: "POST", Path: "/notes", Header: "Authorization", Value: "Bearer t", Body: `{"title":"t"}`},
	})
	for _, want := range []string{
		`{"/notes/7", "Authorization", "Bearer a.b-c_d", "GET", ""},`,
		`{"/odd\"\\path", "X-API-Key", "k\010", "GET", ""},`,
		`{"/notes", "Authorization", "Bearer t", "POST", "{\"title\":\"t\"}"},`,
		`headers["Content-Type"] = "application/json"`,
		`reqs[k] = wrk.format(r[4], r[1], headers, body)`,
		"request = function()",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("wrkScript() lacks %q:\n%s", want, got)
		}
	}
}

func TestWrkArgs(t *testing.T) {
	t.Parallel()
	spec := loadSpec{BaseURL: "http://127.0.0.1:9", Requests: []request{{Path: "/me"}}, Connections: 32, Duration: 1500 * time.Millisecond}
	got := strings.Join(wrkArgs("wrk", "s.lua", spec), " ")
	if want := "wrk -t1 -c32 -d2s --timeout 5s --latency -s s.lua http://127.0.0.1:9/me"; got != want {
		t.Errorf("wrkArgs() = %q, want %q", got, want)
	}
}
