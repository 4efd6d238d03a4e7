package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// request is one request of a load: Method (GET when empty) Path with one
// credential header and, for a write, a JSON Body.
type request struct {
	Method string `json:"method,omitempty"`
	Path   string `json:"path"`
	Header string `json:"header"`
	Value  string `json:"value"`
	Body   string `json:"body,omitempty"` // sent as application/json
}

// method is r's HTTP method.
func (r request) method() string {
	if r.Method == "" {
		return http.MethodGet
	}
	return r.Method
}

// want is the status a right answer to r has: 201 Created for a POST,
// else 200 OK.
func (r request) want() int {
	if r.method() == http.MethodPost {
		return http.StatusCreated
	}
	return http.StatusOK
}

// loadSpec is one load: the requests, sent in turn, to BaseURL.
type loadSpec struct {
	BaseURL     string        `json:"base_url"` // http://127.0.0.1:PORT
	Requests    []request     `json:"requests"`
	Connections int           `json:"connections"`
	Duration    time.Duration `json:"duration"`
}

// loadStats is what one load measured.
type loadStats struct {
	Requests  int64         `json:"requests"`
	Elapsed   time.Duration `json:"elapsed"`
	ReqPerSec float64       `json:"req_per_sec"`
	P50       time.Duration `json:"p50"`
	P99       time.Duration `json:"p99"`
	// Unexpected counts answers other than the request's want (wrk: other
	// than 2xx or 3xx).
	Unexpected int64 `json:"unexpected"`
	// Errors counts connection errors and timeouts.
	Errors int64 `json:"errors"`
	// Statuses counts the answers by status (the Go client only).
	Statuses map[int]int64 `json:"statuses,omitempty"`
	// ClientCPU is the load generator's CPU time, set by runLoad.
	ClientCPU time.Duration `json:"client_cpu"`
}

// loadGrace is how long a load may overrun its duration before it is
// killed.
const loadGrace = 10 * time.Second

// runLoad runs spec with wrk (when wrk is not "") or with the Go client
// in a child process (this binary's loadgen), either pinned to the client
// CPUs, and returns what it measured. Files go to dir; name tells them
// apart.
func runLoad(ctx context.Context, cfg *config, wrk, dir, name string, spec loadSpec) (loadStats, error) {
	ctx, cancel := context.WithTimeout(ctx, spec.Duration+loadGrace)
	defer cancel()
	var argv []string
	if wrk != "" {
		script := filepath.Join(dir, name+".lua")
		if err := os.WriteFile(script, []byte(wrkScript(spec.Requests)), 0o600); err != nil {
			return loadStats{}, err
		}
		argv = cfg.pinned(cfg.cpuClient, wrkArgs(wrk, script, spec)...)
	} else {
		b, err := json.Marshal(spec)
		if err != nil {
			return loadStats{}, err
		}
		file := filepath.Join(dir, name+".json")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			return loadStats{}, err
		}
		argv = cfg.pinned(cfg.cpuClient, cfg.self, "loadgen", "--spec", file)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	prepareChild(cmd, cfg.nice)
	err := cmd.Start()
	if err == nil {
		setAutogroupNice(cmd.Process.Pid, cfg.nice)
		err = cmd.Wait()
	}
	out := stdout.Bytes()
	if err != nil {
		return loadStats{}, fmt.Errorf("%s: %w\n%s%s", strings.Join(argv, " "), err, out, stderr.String())
	}
	var st loadStats
	if wrk != "" {
		st, err = parseWrk(string(out))
	} else {
		err = json.Unmarshal(out, &st)
	}
	if err != nil {
		return loadStats{}, fmt.Errorf("%s: %w\n%s", argv[0], err, out)
	}
	st.ClientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return st, nil
}

// runLoadgen runs "notesbench loadgen --spec FILE": the Go client on the
// loadSpec in FILE (JSON); it prints the loadStats as JSON.
func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runSpec(ctx, "loadgen", "the load", args, stdout, stderr, loadGo)
}

// runSpec runs the load generator child's subcommand name: it reads the spec
// S (what) from the JSON file of --spec, runs it and prints the result as
// JSON.
func runSpec[S, R any](ctx context.Context, name, what string, args []string, stdout, stderr io.Writer, run func(context.Context, S) (R, error)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("spec", "", "`file` holding "+what+" as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("%s: --spec is required", name)
	}
	b, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var spec S
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("%s: %s: %w", name, *file, err)
	}
	res, err := run(ctx, spec)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return json.NewEncoder(stdout).Encode(res)
}
