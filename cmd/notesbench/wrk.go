package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkArgs is the wrk command line for spec: one thread (the client has one
// core), spec.Connections connections, the latency distribution, and the
// script that sets each request.
func wrkArgs(wrk, script string, spec loadSpec) []string {
	secs := max(1, int(math.Ceil(spec.Duration.Seconds())))
	return []string{
		wrk, "-t1", "-c" + strconv.Itoa(spec.Connections), "-d" + strconv.Itoa(secs) + "s",
		"--timeout", "5s", "--latency", "-s", script, spec.BaseURL + spec.Requests[0].Path,
	}
}

// wrkScript is a wrk Lua script that sends reqs in turn. The requests are
// formatted once in init, as wrk's documentation advises for fast servers,
// so request() is a table lookup.
func wrkScript(reqs []request) string {
	var b strings.Builder
	b.WriteString("-- Written by notesbench: sends these requests in turn.\n")
	b.WriteString("local list = {\n")
	for _, r := range reqs {
		fmt.Fprintf(&b, "  {%s, %s, %s, %s, %s},\n", luaString(r.Path), luaString(r.Header), luaString(r.Value),
			luaString(r.method()), luaString(r.Body))
	}
	b.WriteString(`}
local reqs = {}
local i = 0

init = function(args)
  for k, r in ipairs(list) do
    local headers = {}
    if r[2] ~= "" then headers[r[2]] = r[3] end
    local body = nil
    if r[5] ~= "" then
      headers["Content-Type"] = "application/json"
      body = r[5]
    end
    reqs[k] = wrk.format(r[4], r[1], headers, body)
  end
end

request = function()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
`)
	return b.String()
}

// luaString quotes s as a Lua string literal. Paths, tokens and keys are
// printable ASCII; anything else is written as a decimal escape.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := range len(s) {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Lines of wrk's report that parseWrk reads.
var (
	wrkRate     = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)\s*$`)
	wrkTotal    = regexp.MustCompile(`(?m)^\s*([0-9]+) requests in ([0-9.]+[a-z]+),`)
	wrkPercent  = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.0+)?%\s+([0-9.]+[a-z]+)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses:\s+([0-9]+)\s*$`)
	wrkSocketEr = regexp.MustCompile(`(?m)^\s*Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)\s*$`)
)

// parseWrk reads the statistics from the report of wrk --latency:
// Requests/sec, the total, the 50% and 99% latencies, and the counts of
// non-2xx/3xx answers and socket errors when wrk reports any.
func parseWrk(out string) (loadStats, error) {
	var st loadStats
	m := wrkRate.FindStringSubmatch(out)
	if m == nil {
		return st, errors.New("wrk: no Requests/sec in its report")
	}
	var err error
	if st.ReqPerSec, err = strconv.ParseFloat(m[1], 64); err != nil {
		return st, fmt.Errorf("wrk: Requests/sec: %w", err)
	}
	m = wrkTotal.FindStringSubmatch(out)
	if m == nil {
		return st, errors.New(`wrk: no "N requests in T" in its report`)
	}
	if st.Requests, err = strconv.ParseInt(m[1], 10, 64); err != nil {
		return st, fmt.Errorf("wrk: requests: %w", err)
	}
	if st.Elapsed, err = wrkDuration(m[2]); err != nil {
		return st, err
	}
	for _, m := range wrkPercent.FindAllStringSubmatch(out, -1) {
		d, err := wrkDuration(m[2])
		if err != nil {
			return st, err
		}
		if m[1] == "50" {
			st.P50 = d
		} else {
			st.P99 = d
		}
	}
	if st.P50 == 0 || st.P99 == 0 {
		return st, errors.New("wrk: no 50% and 99% latency in its report (run with --latency)")
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		st.Unexpected, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkSocketEr.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			st.Errors += n
		}
	}
	return st, nil
}

// wrkDuration parses a duration as wrk prints it: 412.00us, 1.25ms, 5.00s,
// 1.00m. The units are time.ParseDuration's.
func wrkDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("wrk: duration %q: %w", s, err)
	}
	return d, nil
}
