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
			roundResult{Route: routeFixed, Round: round, Requests: 500000, ReqPerSec: 100000, P50us: 300, P99us: 800,
				CPUPerReqUs: 10, ServerCPU: 1, ClientCPU: 0.5, OtherCPU: 0.01, RSSMB: 8, PeakRSSMB: 8},
			roundResult{Route: routeBaseline, Round: round, Requests: 400000, ReqPerSec: 79000 + 2000*f, P50us: 380, P99us: 900,
				CPUPerReqUs: 12, ServerCPU: 0.99, ClientCPU: 0.95, OtherCPU: 0.01, RSSMB: 9, PeakRSSMB: 9.5},
			roundResult{Route: routeNotes, Round: round, Requests: 150000, ReqPerSec: 29000 + 2000*f, P50us: 950, P99us: 2400 + 100*f,
				CPUPerReqUs: 33, ServerCPU: 1, ClientCPU: 0.3, OtherCPU: 0.02, RSSMB: 30 + f, PeakRSSMB: 120},
			roundResult{Route: routeMe, Round: round, Requests: 250000, ReqPerSec: 80000 + 2000*f, P50us: 600, P99us: 1500,
				CPUPerReqUs: 20, ServerCPU: 1, ClientCPU: 0.4, OtherCPU: 0.25, RSSMB: 61, PeakRSSMB: 120},
		)
	}
	r.summarize()
	return r
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	if len(r.Summary) != 4 {
		t.Fatalf("summarize() gave %d routes, want 4", len(r.Summary))
	}
	fixed, base, notes := r.Summary[0], r.Summary[1], r.Summary[2]
	if fixed.Route != routeFixed || fixed.ReqPerSec != 100000 || fixed.RatioFixed != 1 || fixed.Ratio != 100000.0/82000 {
		t.Errorf("fixed baseline summary = %+v, want 100000 req/s, ratio 1 to itself", fixed)
	}
	if base.Route != routeBaseline || base.ReqPerSec != 82000 || base.Ratio != 1 || base.RatioFixed != 0.82 {
		t.Errorf("encoding baseline summary = %+v, want median 82000 req/s, ratio 1, 0.82 of the fixed one", base)
	}
	if notes.ReqPerSec != 32000 || notes.P99us != 2550 || notes.PeakRSSMB != 120 {
		t.Errorf("notes summary = %+v, want median 32000 req/s, p99 2550µs, peak 120 MB", notes)
	}
	if want := 32000.0 / 82000; notes.Ratio != want {
		t.Errorf("notes ratio = %v, want %v", notes.Ratio, want)
	}
	if want := 32000.0 / 100000; notes.RatioFixed != want {
		t.Errorf("notes ratio to the fixed baseline = %v, want %v", notes.RatioFixed, want)
	}
	want := map[string]bool{
		"GET /notes/{id} req/s ≥ 0.50× fixed baseline":                false, // 0.32×
		"GET /me req/s ≥ 0.80× fixed baseline":                        true,  // 0.83×
		"GET /notes/{id} p99 ≤ 1.5ms at 32 connections":               false, // 2.55 ms
		"GET /me p99 ≤ 1.5ms at 32 connections":                       true,  // 1.5 ms
		"notesd RSS under load ≤ 60 MB (issue #5, end-of-load VmRSS)": false, // 61 MB
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
		"route                    req/s       p50       p99 cpu µs/req srv cpu gen cpu   other  RSS MB peak MB vs fixed   vs enc\n",
		"baseline fixed          100000    300 µs    800 µs       10.0    100%     50%      1%     8.0     8.0    1.00×    1.22×\n",
		"baseline encoding        82000    380 µs    900 µs       12.0     99%     95%      1%     9.0     9.5    0.82×    1.00×\n",
		"GET /notes/{id}          32000    950 µs   2.55 ms       33.0    100%     30%      2%    31.5   120.0    0.32×    0.39×\n",
		"target (issue #13)                                               measured  verdict\n",
		"GET /notes/{id} req/s ≥ 0.50× fixed baseline                        0.32×  not met\n",
		"GET /me req/s ≥ 0.80× fixed baseline                                0.83×  met\n",
		"GET /me p99 ≤ 1.5ms at 32 connections                             1.50 ms  met\n",
		"notesd RSS under load ≤ 60 MB (issue #5, end-of-load VmRSS)       61.0 MB  not met\n",
		"warning: baseline encoding: the load generator used 95% of its core",
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
			for _, row := range lines[i+1 : i+5] {
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
	if len(back.Results) != 8 || len(back.Summary) != 4 || back.Summary[2].ReqPerSec != 32000 || back.Summary[2].RatioFixed != 0.32 || len(back.Targets) != 5 {
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

// TestFlatTarget checks the flat target: the median over the rounds of
// each round's ratio of GET /notes/{id} on the main database to the flat
// twin's, and that the twin has no ratio or latency target of its own.
func TestFlatTarget(t *testing.T) {
	t.Parallel()
	const flatTarget = "GET /notes/{id} at 1000000 notes ≥ 0.90× at 1000 (flat)"
	tests := []struct {
		name         string
		large, small []float64 // req/s per round
		want         string
		met          bool
	}{
		// Ratios 0.95, 0.80, 1.00: the median is 0.95, although the
		// medians' ratio (29,000 / 31,000) is 0.94 and the mean 0.92.
		{"paired", []float64{28500, 20000, 29000}, []float64{30000, 25000, 29000}, "0.95×", true},
		// Ratios 0.85, 0.80, 1.00.
		{"slower", []float64{25500, 20000, 29000}, []float64{30000, 25000, 29000}, "0.85×", false},
	}
	for _, tt := range tests {
		r := &report{Users: 100000, Notes: 1000000, Connections: 32, FlatNotes: 1000}
		for i := range tt.large {
			r.Results = append(r.Results,
				roundResult{Route: routeFixed, Round: i + 1, ReqPerSec: 60000, P99us: 1000},
				roundResult{Route: routeNotes, Round: i + 1, ReqPerSec: tt.large[i], P99us: 2000, RSSMB: 40},
				roundResult{Route: routeNotesFlat, Round: i + 1, ReqPerSec: tt.small[i], P99us: 2000, RSSMB: 30})
		}
		r.summarize()
		var got []string
		for _, tg := range r.Targets {
			got = append(got, tg.Target)
			if strings.HasPrefix(tg.Target, routeLabel(routeNotesFlat)) {
				t.Errorf("%s: the flat twin has a target of its own: %q", tt.name, tg.Target)
			}
			if tg.Target == flatTarget && (tg.Value != tt.want || tg.Met != tt.met) {
				t.Errorf("%s: flat target = %s met %v, want %s met %v", tt.name, tg.Value, tg.Met, tt.want, tt.met)
			}
		}
		if !strings.Contains(strings.Join(got, "\n"), flatTarget) {
			t.Errorf("%s: targets %q lack %q", tt.name, got, flatTarget)
		}
	}
	// Without the twin's rounds there is no flat target.
	if _, ok := flatRatio([]roundResult{{Route: routeNotes, Round: 1, ReqPerSec: 1}}, nil); ok {
		t.Error("flatRatio() without the twin = true, want false")
	}
}
