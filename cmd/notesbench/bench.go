package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// setupBudget bounds everything before the rounds: building notesd,
// seeding, starting the servers, logging in and the warm-up.
const setupBudget = 5 * time.Minute

// warmup is the unrecorded load each route gets before the first round.
const warmup = time.Second

// bench runs the benchmark of cfg (or with --mix the mixed workload) and
// prints its results to stdout; progress goes to stderr.
func bench(ctx context.Context, cfg *config, stdout, stderr io.Writer) (err error) {
	if cfg.mix {
		return benchMix(ctx, cfg, stdout, stderr)
	}
	budget := benchBudget(cfg)
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "notesbench: "+format+"\n", args...) }

	dir, cleanup, err := workDir(cfg.dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	gen, err := cfg.generator()
	if err != nil {
		return err
	}
	notesd, db, keys, seeded, err := prepareDatabase(ctx, cfg, dir, logf)
	if err != nil {
		return err
	}

	nd, err := startChild(ctx, "notesd", cfg.pinned(cfg.cpuServer, notesd, "serve",
		"--addr", "127.0.0.1:0", "--database-url", "sqlite:"+db, "--secret-key", randomSecret(),
		"--access-ttl", (budget+time.Hour).String()), cfg.nice, filepath.Join(dir, "notesd.log"))
	if err != nil {
		return err
	}
	defer nd.stop()
	bl, err := startChild(ctx, "baseline", cfg.pinned(cfg.cpuServer, cfg.self, "baseline", "--addr", "127.0.0.1:0"),
		cfg.nice, filepath.Join(dir, "baseline.log"))
	if err != nil {
		return err
	}
	defer bl.stop()
	fx, err := startChild(ctx, "fixed baseline", cfg.pinned(cfg.cpuServer, cfg.self, "baseline", "--fixed", "--addr", "127.0.0.1:0"),
		cfg.nice, filepath.Join(dir, "fixed.log"))
	if err != nil {
		return err
	}
	defer fx.stop()
	logf("notesd (pid %d) on %s, encoding baseline (pid %d) on %s, fixed baseline (pid %d) on %s",
		nd.pid(), nd.addr, bl.pid(), bl.addr, fx.pid(), fx.addr)
	servers := map[string]*child{routeFixed: fx, routeBaseline: bl}

	start := time.Now()
	sessions, err := loginSample(ctx, "http://"+nd.addr, cfg.users, cfg.notes, cfg.logins)
	if err != nil {
		return withLogTail(ctx, err, nd)
	}
	logf("logged in %d users in %v", len(sessions), time.Since(start).Round(time.Millisecond))
	reqs := routeRequests(sessions, keys)
	order := append([]string{routeFixed, routeBaseline}, cfg.routes...)
	for _, route := range order {
		srv := serverOf(route, nd, servers)
		if err := preflight(ctx, "http://"+srv.addr, reqs[route]); err != nil {
			return withLogTail(ctx, fmt.Errorf("preflight of %s: %w", routeLabel(route), err), srv)
		}
		if _, err := runLoad(ctx, cfg, gen, dir, "warmup-"+route, loadSpec{
			BaseURL: "http://" + srv.addr, Requests: reqs[route], Connections: cfg.connections, Duration: warmup,
		}); err != nil {
			return withLogTail(ctx, fmt.Errorf("warm-up of %s: %w", routeLabel(route), err), srv)
		}
	}

	rep := &report{
		Users: cfg.users, Notes: cfg.notes, Keys: cfg.keys, Logins: len(sessions),
		Connections: cfg.connections, Rounds: cfg.rounds, Duration: cfg.duration.String(),
		Generator: generatorName(gen), Pinning: cfg.pinningText(), SeedSeconds: seeded.Seconds(),
	}
	for round := 1; round <= cfg.rounds; round++ {
		for _, route := range order {
			srv := serverOf(route, nd, servers)
			res, err := measure(ctx, cfg, gen, dir, srv, route, round, reqs[route])
			if err != nil {
				return withLogTail(ctx, err, srv)
			}
			logf("round %d/%d %-18s %8.0f req/s  p50 %s  p99 %s  %.1f µs CPU/req  RSS %.1f MB",
				round, cfg.rounds, routeLabel(route), res.ReqPerSec, formatMicros(res.P50us), formatMicros(res.P99us),
				res.CPUPerReqUs, res.RSSMB)
			rep.Results = append(rep.Results, res)
		}
	}
	rep.summarize()
	if cfg.json {
		return rep.writeJSON(stdout)
	}
	return rep.writeTable(stdout)
}

// measure runs one load of route against srv and reads the server's CPU
// time before and after, and its memory at the end. Any answer other than
// 200 or any connection error fails the benchmark.
func measure(ctx context.Context, cfg *config, gen, dir string, srv *child, route string, round int, reqs []request) (roundResult, error) {
	res := roundResult{Route: route, Round: round}
	busy0, err := systemBusy()
	if err != nil {
		return res, err
	}
	cpu0, err := procCPU(srv.pid())
	if err != nil {
		return res, fmt.Errorf("%s: %w", srv.name, err)
	}
	st, err := runLoad(ctx, cfg, gen, dir, fmt.Sprintf("%s-%d", route, round), loadSpec{
		BaseURL: "http://" + srv.addr, Requests: reqs, Connections: cfg.connections, Duration: cfg.duration,
	})
	if err != nil {
		return res, fmt.Errorf("%s round %d: %w", routeLabel(route), round, err)
	}
	cpu1, err := procCPU(srv.pid())
	if err != nil {
		return res, fmt.Errorf("%s: %w", srv.name, err)
	}
	busy1, err := systemBusy()
	if err != nil {
		return res, err
	}
	rss, peak, err := procMemory(srv.pid())
	if err != nil {
		return res, fmt.Errorf("%s: %w", srv.name, err)
	}
	if srv.exited() {
		return res, fmt.Errorf("%s exited during the load: %v", srv.name, srv.err)
	}
	if st.Non200 > 0 || st.Errors > 0 || st.Requests == 0 {
		return res, fmt.Errorf("%s round %d is wrong: %d of %d answers were not 200 %v, %d connection errors",
			routeLabel(route), round, st.Non200, st.Requests, st.Statuses, st.Errors)
	}
	const mb = 1 << 20
	res.Requests = st.Requests
	res.ReqPerSec = st.ReqPerSec
	res.P50us = float64(st.P50) / float64(time.Microsecond)
	res.P99us = float64(st.P99) / float64(time.Microsecond)
	res.CPUPerReqUs = float64(cpu1-cpu0) / float64(time.Microsecond) / float64(st.Requests)
	if st.Elapsed > 0 {
		res.ServerCPU = float64(cpu1-cpu0) / float64(st.Elapsed)
		res.ClientCPU = float64(st.ClientCPU) / float64(st.Elapsed)
		other := (busy1 - busy0) - (cpu1 - cpu0) - st.ClientCPU
		res.OtherCPU = float64(max(other, 0)) / float64(st.Elapsed)
	}
	res.RSSMB = float64(rss) / mb
	res.PeakRSSMB = float64(peak) / mb
	return res, nil
}

// serverOf is the server that route is measured on: one of the
// baselines, else notesd.
func serverOf(route string, notesd *child, baselines map[string]*child) *child {
	if b, ok := baselines[route]; ok {
		return b
	}
	return notesd
}

// benchBudget is the deadline of a whole run of the routes: the setup,
// then per round one load of each baseline and of each route, each allowed
// its duration and loadGrace.
func benchBudget(cfg *config) time.Duration {
	loads := len(cfg.routes) + 2
	return setupBudget + time.Duration(cfg.rounds*loads)*(cfg.duration+loadGrace)
}

// prepareDatabase builds notesd (unless --notesd names one), creates the
// database in dir and seeds it; it returns notesd's path, the database's,
// the sample of API keys and how long seeding took.
func prepareDatabase(ctx context.Context, cfg *config, dir string, logf func(string, ...any)) (notesd, db string, keys []sampleKey, seeded time.Duration, err error) {
	notesd = cfg.notesd
	if notesd == "" {
		start := time.Now()
		if notesd, err = buildNotesd(ctx, dir); err != nil {
			return "", "", nil, 0, err
		}
		logf("built notesd in %v", time.Since(start).Round(time.Millisecond))
	}
	db = filepath.Join(dir, "notesd.db")
	start := time.Now()
	if keys, err = migrateAndSeed(ctx, notesd, db, cfg); err != nil {
		return "", "", nil, 0, err
	}
	seeded = time.Since(start)
	logf("seeded %d users, %d notes, %d API keys in %v", cfg.users, cfg.notes, cfg.keys, seeded.Round(time.Millisecond))
	return notesd, db, keys, seeded, nil
}

// workDir returns the working directory and how to clean it up: a new
// temporary directory that cleanup removes, or dir (created if needed) with
// the files of an earlier run removed and the new ones kept.
func workDir(dir string) (string, func() error, error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "notesbench-")
		if err != nil {
			return "", nil, err
		}
		return tmp, func() error { return os.RemoveAll(tmp) }, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	for _, name := range []string{"notesd.db", "notesd.db-wal", "notesd.db-shm", "notesd.log", "baseline.log", "fixed.log"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", nil, err
		}
	}
	return dir, func() error { return nil }, nil
}

// buildNotesd builds notesd into dir and returns its path.
func buildNotesd(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "notesd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/gatehouse-dev/gatehouse/cmd/notesd")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build notesd (run inside the module, or pass --notesd): %w\n%s", err, b)
	}
	return out, nil
}

// migrateAndSeed creates the database with notesd migrate and seeds it.
func migrateAndSeed(ctx context.Context, notesd, db string, cfg *config) ([]sampleKey, error) {
	cmd := exec.CommandContext(ctx, notesd, "migrate", "--database-url", "sqlite:"+db)
	cmd.Env = childEnv()
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("notesd migrate: %w\n%s", err, b)
	}
	hash, err := auth.NewHasher(auth.HasherConfig{}).Hash(ctx, benchPassword)
	if err != nil {
		return nil, err
	}
	return seed(ctx, db, seedSpec{
		Users: cfg.users, Notes: cfg.notes, Keys: cfg.keys, PasswordHash: hash, SampleKeys: cfg.logins,
	})
}

// randomSecret returns a random HS256 secret of 64 hex characters.
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// childEnv is the environment of the children: this process's, without
// NOTESD_ variables, so that only notesbench's flags configure notesd.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NOTESD_") {
			env = append(env, kv)
		}
	}
	return env
}

// withLogTail adds the end of the child's log to err, unless the run was
// interrupted or out of time, which is then the error.
func withLogTail(ctx context.Context, err error, c *child) error {
	switch ctx.Err() {
	case context.Canceled:
		return errors.New("interrupted")
	case context.DeadlineExceeded:
		return errors.New("out of time: the run's deadline passed")
	}
	b, rerr := os.ReadFile(c.log.Name())
	if rerr != nil || len(b) == 0 {
		return err
	}
	const tail = 2000
	if len(b) > tail {
		b = b[len(b)-tail:]
	}
	return fmt.Errorf("%w\nend of %s:\n%s", err, c.log.Name(), b)
}

// generatorName describes the load generator.
func generatorName(wrk string) string {
	if wrk == "" {
		return "Go client"
	}
	return "wrk -t1"
}

// pinningText describes where the processes run.
func (c *config) pinningText() string {
	if c.nice != 0 {
		return c.cpuText() + fmt.Sprintf(", nice %d", c.nice)
	}
	return c.cpuText()
}

// cpuText describes the CPUs the processes are pinned to.
func (c *config) cpuText() string {
	switch {
	case c.cpuServer != "" && c.cpuClient != "":
		return fmt.Sprintf("servers on CPU %s, load generator on CPU %s (taskset)", c.cpuServer, c.cpuClient)
	case c.cpuServer != "":
		return fmt.Sprintf("servers on CPU %s (taskset), load generator unpinned", c.cpuServer)
	case c.cpuClient != "":
		return fmt.Sprintf("servers unpinned, load generator on CPU %s (taskset)", c.cpuClient)
	}
	return "no CPU pinning"
}
