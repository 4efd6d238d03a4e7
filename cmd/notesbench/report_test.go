package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// sampleReport is a two-round run with made-up figures.
func sampleReport() *report {
	r := &report{
		Users: 1000, Notes: 1000, Keys: 1000, Logins: 64, Connections: 32, Rounds: 2, Duration: "5s",
		Generator: "wrk -t1", Pinning: "servers on CPU 0, load generator on CPU 1 (taskset)", SeedSeconds: 0.25,
	}
	for round := 1; round <= 2; round++ {
		f := float64(round)
		r.Results = append(r.Results,
			roundResult{Route: routeBaseline, Round: round, Requests: 400000, ReqPerSec: 79000 + 2000*f, P50us: 380, P99us: 900,
				CPUPerReqUs: 12, ServerCPU: 0.99, ClientCPU: 0.95, OtherCPU: 0.01, RSSMB: 9, PeakRSSMB: 9.5},
			roundResult{Route: routeNotes, Round: round, Requests: 150000, ReqPerSec: 29000 + 2000*f, P50us: 950, P99us: 2400 + 100*f,
				CPUPerReqUs: 33, ServerCPU: 1, ClientCPU: 0.3, OtherCPU: 0.02, RSSMB: 30 + f, PeakRSSMB: 120},
			roundResult{Route: routeMe, Round: round, Requests: 250000, ReqPerSec: 50000 + 2000*f, P50us: 600, P99us: 1500,
				CPUPerReqUs: 20, ServerCPU: 1, ClientCPU: 0.4, OtherCPU: 0.25, RSSMB: 61, PeakRSSMB: 120},
		)
	}
	r.summarize()
	return r
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	if len(r.Summary) != 3 {
		t.Fatalf("summarize() gave %d routes, want 3", len(r.Summary))
	}
	base, notes := r.Summary[0], r.Summary[1]
	if base.Route != routeBaseline || base.ReqPerSec != 82000 || base.Ratio != 1 {
		t.Errorf("baseline summary = %+v, want median 82000 req/s, ratio 1", base)
	}
	if notes.ReqPerSec != 32000 || notes.P99us != 2550 || notes.PeakRSSMB != 120 {
		t.Errorf("notes summary = %+v, want median 32000 req/s, p99 2550µs, peak 120 MB", notes)
	}
	if want := 32000.0 / 82000; notes.Ratio != want {
		t.Errorf("notes ratio = %v, want %v", notes.Ratio, want)
	}
	want := map[string]bool{
		"GET /notes/{id} req/s ≥ 0.50× baseline":                    false, // 0.39×
		"GET /me req/s ≥ 0.60× baseline":                            true,  // 0.65×
		"GET /notes/{id} p99 ≤ 2ms at 32 connections":               false,
		"GET /me p99 ≤ 2ms at 32 connections":                       true,
		"notesd RSS under load ≤ 60 MB (highest end-of-load VmRSS)": false, // 61 MB
	}
	if len(r.Targets) != len(want) {
		t.Errorf("targets = %+v, want %d", r.Targets, len(want))
	}
	for _, tg := range r.Targets {
		met, ok := want[tg.Target]
		if !ok || tg.Met != met {
			t.Errorf("target %q = met %v (%s), want known and met %v", tg.Target, tg.Met, tg.Value, met)
		}
	}
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := sampleReport().writeTable(&out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"notesbench: 1000 users, 1000 notes, 1000 API keys (seeded in 0.2s); 64 users logged in\n",
		"load: wrk -t1, 32 connections, 2 rounds × 5s per route",
		"route                  req/s       p50       p99 cpu µs/req srv cpu gen cpu   other  RSS MB peak MB  ratio\n",
		"baseline net/http      82000    380 µs    900 µs       12.0     99%     95%      1%     9.0     9.5  1.00×\n",
		"GET /notes/{id}        32000    950 µs   2.55 ms       33.0    100%     30%      2%    31.5   120.0  0.39×\n",
		"GET /notes/{id} req/s ≥ 0.50× baseline                              0.39×  not met\n",
		"GET /me req/s ≥ 0.60× baseline                                      0.65×  met\n",
		"notesd RSS under load ≤ 60 MB (highest end-of-load VmRSS)         61.0 MB  not met\n",
		"warning: baseline net/http: the load generator used 95% of its core",
		"warning: GET /me: other processes used 25% of a core",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("writeTable() lacks %q; got:\n%s", want, got)
		}
	}
	// Fixed columns: every row of the table is as wide as its header.
	lines := strings.Split(got, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "route ") {
			for _, row := range lines[i+1 : i+4] {
				if len([]rune(row)) != len([]rune(l)) {
					t.Errorf("row %q is %d wide, header %d", row, len([]rune(row)), len([]rune(l)))
				}
			}
		}
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := sampleReport().writeJSON(&out); err != nil {
		t.Fatal(err)
	}
	var back report
	if err := json.Unmarshal(out.Bytes(), &back); err != nil {
		t.Fatalf("writeJSON() wrote invalid JSON: %v", err)
	}
	if len(back.Results) != 6 || len(back.Summary) != 3 || back.Summary[1].ReqPerSec != 32000 || len(back.Targets) != 5 {
		t.Errorf("writeJSON() round trip = %+v", back)
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
