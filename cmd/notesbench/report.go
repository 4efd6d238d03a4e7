package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Targets of issue #13, against the fixed baseline, and the memory target
// of issue #5.
const (
	targetNotesRatio = 0.5
	targetOtherRatio = 0.8
	targetWriteRatio = 0.5 // POST /notes with synchronous=FULL over NORMAL
	targetFlatRatio  = 0.9 // GET /notes/{id} over --notes against the flat twin's --flat-notes
	targetP99        = 1500 * time.Microsecond
	targetRSSMB      = 60
)

// roundResult is one route measured in one round.
type roundResult struct {
	Route     string  `json:"route"`
	Round     int     `json:"round"`
	Requests  int64   `json:"requests"`
	ReqPerSec float64 `json:"req_per_sec"`
	P50us     float64 `json:"p50_us"`
	P99us     float64 `json:"p99_us"`
	// CPUPerReqUs is the server's CPU time per request, in microseconds.
	CPUPerReqUs float64 `json:"server_cpu_per_req_us"`
	// ServerCPU and ClientCPU are the fractions of one core the server and
	// the load generator used during the load.
	ServerCPU float64 `json:"server_cpu"`
	ClientCPU float64 `json:"client_cpu"`
	// OtherCPU is the CPU the rest of the machine used meanwhile, in cores:
	// other processes competing with the benchmark make it noisy.
	OtherCPU float64 `json:"other_cpu"`
	// RSSMB is the server's VmRSS at the end of the load; PeakRSSMB its
	// VmHWM so far (the whole life of the process).
	RSSMB     float64 `json:"rss_mb"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
}

// routeSummary is a route's medians over the rounds.
type routeSummary struct {
	roundResult
	// Ratio is the route's median req/s over the encoding baseline's.
	Ratio float64 `json:"ratio"`
	// RatioFixed is the route's median req/s over the fixed baseline's.
	RatioFixed float64 `json:"ratio_fixed"`
}

// targetResult is one target of the issue and whether it is met.
type targetResult struct {
	Target string `json:"target"`
	Value  string `json:"value"`
	Met    bool   `json:"met"`
}

// report is a whole run's results.
type report struct {
	Users       int            `json:"users"`
	Notes       int            `json:"notes"`
	Keys        int            `json:"keys"`
	Logins      int            `json:"logins"`
	Connections int            `json:"connections"`
	Rounds      int            `json:"rounds"`
	Duration    string         `json:"duration"`
	Generator   string         `json:"generator"`
	Pinning     string         `json:"pinning"`
	Engine      string         `json:"engine"`   // engineSQLite or enginePostgres
	Database    string         `json:"database"` // which database and where it runs, without a password
	SeedSeconds float64        `json:"seed_seconds"`
	FlatNotes   int            `json:"flat_notes,omitempty"` // notes of the flat twin; 0: none
	Results     []roundResult  `json:"results"`
	Summary     []routeSummary `json:"summary"`
	Targets     []targetResult `json:"targets"`
	Warnings    []string       `json:"warnings,omitempty"`
}

// routeLabel is how the table names a route.
func routeLabel(route string) string {
	switch route {
	case routeFixed:
		return "baseline fixed"
	case routeBaseline:
		return "baseline encoding"
	case routeVerify:
		return "baseline verify"
	case routeGuarded:
		return "baseline guarded"
	case routeVerifyMe:
		return "baseline verify me"
	case routeVerifyData:
		return "baseline verify data"
	case routeNotes:
		return "GET /notes/{id}"
	case routeMe:
		return "GET /me"
	case routeData:
		return "GET /data"
	case routeCreate:
		return "POST /notes"
	case routeCreateNormal:
		return "POST /notes normal"
	case routeNotesFlat:
		return "GET /notes/{id} flat"
	}
	return route
}

// summarize fills r.Summary (the baselines first, then the routes in the
// order they were measured) and r.Targets from r.Results.
func (r *report) summarize() {
	var order []string
	by := map[string][]roundResult{}
	for _, res := range r.Results {
		if _, ok := by[res.Route]; !ok {
			order = append(order, res.Route)
		}
		by[res.Route] = append(by[res.Route], res)
	}
	r.Summary = nil
	var baseRate, fixedRate float64
	for _, route := range order {
		rs := by[route]
		med := func(f func(roundResult) float64) float64 {
			vs := make([]float64, len(rs))
			for i, x := range rs {
				vs[i] = f(x)
			}
			return median(vs)
		}
		s := routeSummary{roundResult: roundResult{
			Route:       route,
			Requests:    int64(med(func(x roundResult) float64 { return float64(x.Requests) })),
			ReqPerSec:   med(func(x roundResult) float64 { return x.ReqPerSec }),
			P50us:       med(func(x roundResult) float64 { return x.P50us }),
			P99us:       med(func(x roundResult) float64 { return x.P99us }),
			CPUPerReqUs: med(func(x roundResult) float64 { return x.CPUPerReqUs }),
			ServerCPU:   med(func(x roundResult) float64 { return x.ServerCPU }),
			ClientCPU:   med(func(x roundResult) float64 { return x.ClientCPU }),
			OtherCPU:    med(func(x roundResult) float64 { return x.OtherCPU }),
			RSSMB:       med(func(x roundResult) float64 { return x.RSSMB }),
		}}
		for _, x := range rs {
			s.PeakRSSMB = max(s.PeakRSSMB, x.PeakRSSMB)
		}
		switch route {
		case routeBaseline:
			baseRate = s.ReqPerSec
		case routeFixed:
			fixedRate = s.ReqPerSec
		}
		r.Summary = append(r.Summary, s)
	}
	for i := range r.Summary {
		if baseRate > 0 {
			r.Summary[i].Ratio = r.Summary[i].ReqPerSec / baseRate
		}
		if fixedRate > 0 {
			r.Summary[i].RatioFixed = r.Summary[i].ReqPerSec / fixedRate
		}
	}
	r.Targets = r.targets(by)
	r.Warnings = r.warnings()
}

// isBaseline reports whether route is one of the baselines.
func isBaseline(route string) bool {
	return route == routeBaseline || route == routeFixed || route == routeGuarded || route == routeVerify || route == routeVerifyMe || route == routeVerifyData
}

// isWrite reports whether route is one of the writes, which have the
// group-commit target instead of the read targets.
func isWrite(route string) bool { return route == routeCreate || route == routeCreateNormal }

// targets evaluates the targets on the summary: the req/s ratios
// against the fixed baseline, the p99 latencies and notesd's memory.
func (r *report) targets(by map[string][]roundResult) []targetResult {
	var out []targetResult
	var maxRSS float64
	notesd := false
	rate := map[string]float64{}
	for _, s := range r.Summary {
		rate[s.Route] = s.ReqPerSec
		if isBaseline(s.Route) || isWrite(s.Route) || s.Route == routeNotesFlat {
			continue
		}
		want := targetOtherRatio
		if s.Route == routeNotes {
			want = targetNotesRatio
		}
		out = append(out, targetResult{
			Target: fmt.Sprintf("%s req/s ≥ %.2f× fixed baseline", routeLabel(s.Route), want),
			Value:  fmt.Sprintf("%.2f×", s.RatioFixed),
			Met:    s.RatioFixed >= want,
		})
	}
	if full, normal := rate[routeCreate], rate[routeCreateNormal]; full > 0 && normal > 0 {
		out = append(out, targetResult{
			Target: fmt.Sprintf("POST /notes synchronous=FULL ≥ %.2f× NORMAL (group commit)", targetWriteRatio),
			Value:  fmt.Sprintf("%.2f×", full/normal),
			Met:    full/normal >= targetWriteRatio,
		})
	}
	if flat, ok := flatRatio(by[routeNotes], by[routeNotesFlat]); ok {
		out = append(out, targetResult{
			Target: fmt.Sprintf("GET /notes/{id} at %d notes ≥ %.2f× at %d (flat)", r.Notes, targetFlatRatio, r.FlatNotes),
			Value:  fmt.Sprintf("%.2f×", flat),
			Met:    flat >= targetFlatRatio,
		})
	}
	for _, s := range r.Summary {
		if isBaseline(s.Route) {
			continue
		}
		notesd = true
		if isWrite(s.Route) {
			for _, x := range by[s.Route] {
				maxRSS = max(maxRSS, x.RSSMB)
			}
			continue
		}
		if s.Route == routeNotesFlat {
			continue // the twin's latency is not a target; its memory counts
		}
		out = append(out, targetResult{
			Target: fmt.Sprintf("%s p99 ≤ %v at %d connections", routeLabel(s.Route), targetP99, r.Connections),
			Value:  formatMicros(s.P99us),
			Met:    s.P99us <= float64(targetP99.Microseconds()),
		})
		for _, x := range by[s.Route] {
			maxRSS = max(maxRSS, x.RSSMB)
		}
	}
	if notesd {
		out = append(out, targetResult{
			Target: fmt.Sprintf("notesd RSS under load ≤ %d MB (issue #5, end-of-load VmRSS)", targetRSSMB),
			Value:  fmt.Sprintf("%.1f MB", maxRSS),
			Met:    maxRSS <= targetRSSMB,
		})
	}
	return out
}

// flatRatio is the median over the rounds of GET /notes/{id}'s req/s on
// the main database over the flat twin's, each round's pair measured one
// after the other, so that a slow stretch of the machine weighs on both;
// false without both routes in the same rounds.
func flatRatio(large, small []roundResult) (float64, bool) {
	byRound := map[int]float64{}
	for _, x := range small {
		byRound[x.Round] = x.ReqPerSec
	}
	var ratios []float64
	for _, x := range large {
		if s := byRound[x.Round]; s > 0 {
			ratios = append(ratios, x.ReqPerSec/s)
		}
	}
	if len(ratios) == 0 {
		return 0, false
	}
	return median(ratios), true
}

// median returns the median of vs (the mean of the middle two for an even
// count), or 0 for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// formatMicros formats a latency given in microseconds.
func formatMicros(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2f ms", us/1000)
	}
	return fmt.Sprintf("%.0f µs", us)
}

// writeTable prints the run's settings, the per-route medians, and the
// targets as plain text with fixed columns.
func (r *report) writeTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "notesbench: %d users, %d notes, %d API keys (seeded in %.1fs); %d users logged in\n",
		r.Users, r.Notes, r.Keys, r.SeedSeconds, r.Logins)
	fmt.Fprintf(&b, "load: %s, %d connections, %d rounds × %s per route, medians over the rounds; %s\n",
		r.Generator, r.Connections, r.Rounds, r.Duration, r.Pinning)
	fmt.Fprintf(&b, "engine: %s\n", r.Database)
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-20s %9s %9s %9s %10s %7s %7s %7s %7s %7s %8s %8s\n",
		"route", "req/s", "p50", "p99", "cpu µs/req", "srv cpu", "gen cpu", "other", "RSS MB", "peak MB", "vs fixed", "vs enc")
	for _, s := range r.Summary {
		fmt.Fprintf(&b, "%-20s %9.0f %9s %9s %10.1f %6.0f%% %6.0f%% %6.0f%% %7.1f %7.1f %7.2f× %7.2f×\n",
			routeLabel(s.Route), s.ReqPerSec, formatMicros(s.P50us), formatMicros(s.P99us),
			s.CPUPerReqUs, 100*s.ServerCPU, 100*s.ClientCPU, 100*s.OtherCPU, s.RSSMB, s.PeakRSSMB, s.RatioFixed, s.Ratio)
	}
	if len(r.Targets) > 0 {
		b.WriteString("\n")
		fmt.Fprintf(&b, "%-62s %10s  %s\n", "target (issue #13)", "measured", "verdict")
		for _, t := range r.Targets {
			verdict := "not met"
			if t.Met {
				verdict = "met"
			}
			fmt.Fprintf(&b, "%-62s %10s  %s\n", t.Target, t.Value, verdict)
		}
	}
	for _, w := range r.Warnings {
		b.WriteString("\nwarning: " + w)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("\nsrv cpu, gen cpu: share of one core used by the server and by the load generator during the load;\n")
	b.WriteString("other: user+system CPU of the other processes of the machine meanwhile, in % of one core: high means noisy.\n")
	b.WriteString("peak MB: the server's VmHWM over its life, including the argon2id logins before the load.\n")
	b.WriteString("vs fixed, vs enc: req/s over the baseline writing a precomputed body, and over the one encoding it with encoding/json.\n")
	if slices.ContainsFunc(r.Summary, func(s routeSummary) bool { return s.Route == routeGuarded }) {
		b.WriteString("baseline guarded: the fixed baseline with notesd's response headers, request id, written-through request line and server timeouts.\n")
	}
	if r.FlatNotes > 0 {
		fmt.Fprintf(&b, "GET /notes/{id} flat: the same requests' shape on a second notesd, same flags, over %d users with one note each; the flat target is the median of the rounds' req/s ratios.\n", r.FlatNotes)
	}
	b.WriteString("baseline verify: the encoding baseline after an HS256 check of the bearer token (golang-jwt, alg, iss, aud, exp), the note from a map;\n")
	b.WriteString("  baseline verify me: the same check, then the token's user from a map (GET /me's requests);\n")
	b.WriteString("  baseline verify data: the SHA-256 of the X-API-Key header looked up among the seeded keys' (GET /data's requests).\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Thresholds of the warnings under the table.
const (
	warnClientCPU = 0.9 // the load generator near a full core
	warnOtherCPU  = 0.2 // other processes using a fifth of a core
)

// warnings returns what makes the figures less trustworthy: a load
// generator that was the bottleneck, or a busy machine (on PostgreSQL,
// notesd's routes count the database server's CPU as other).
func (r *report) warnings() []string {
	var out []string
	for _, s := range r.Summary {
		if s.ClientCPU >= warnClientCPU {
			out = append(out, fmt.Sprintf("%s: the load generator used %.0f%% of its core, so it may be what bounds req/s (use wrk, or fewer connections).",
				routeLabel(s.Route), 100*s.ClientCPU))
		}
		switch {
		case s.OtherCPU >= warnOtherCPU && r.Engine == enginePostgres && !isBaseline(s.Route):
			out = append(out, fmt.Sprintf("%s: other processes, the PostgreSQL server among them, used %.0f%% of a core during the load; "+
				"compare it with the baselines' other to see how much is not the database.",
				routeLabel(s.Route), 100*s.OtherCPU))
		case s.OtherCPU >= warnOtherCPU:
			out = append(out, fmt.Sprintf("%s: other processes used %.0f%% of a core during the load; the figures are noisy (run on an idle machine).",
				routeLabel(s.Route), 100*s.OtherCPU))
		}
	}
	return out
}

// writeJSON prints the report as indented JSON.
func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
