package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
	defer func() { err = errors.Join(err, db.cleanup(ctx)) }() // after notesd stopped

	var normalDB string
	if withNormal(cfg) {
		// Before notesd opens it: a copy of the seeded file for the twin.
		if normalDB, err = copySQLite(db.sqlite, filepath.Join(dir, "normal")); err != nil {
			return err
		}
	}
	secret := randomSecret() // notesd's, and the verify baseline's
	serve := serveArgs(notesd, secret, budget, db.notesdArgs(cfg)...)
	nd, err := startChild(ctx, "notesd", cfg.pinned(cfg.cpuServer, serve...), db.notesdEnv(), cfg.nice, filepath.Join(dir, "notesd.log"))
	if err != nil {
		return err
	}
	defer nd.stop()
	var normal *child
	if normalDB != "" {
		serve := serveArgs(notesd, randomSecret(), budget, "--database-url", "sqlite:"+normalDB, "--sqlite-synchronous", "normal")
		normal, err = startChild(ctx, "notesd normal", cfg.pinned(cfg.cpuServer, serve...), nil, cfg.nice, filepath.Join(dir, "normal", "notesd.log"))
		if err != nil {
			return err
		}
		defer normal.stop()
		logf("notesd with --sqlite-synchronous normal (pid %d) on %s, on a copy of the database", normal.pid(), normal.addr)
	}
	var flat *child
	if cfg.flatNotes > 0 {
		if flat, err = startFlat(ctx, cfg, notesd, dir, budget, logf); err != nil {
			return err
		}
		defer flat.stop()
	}
	bl, err := startChild(ctx, "baseline", cfg.pinned(cfg.cpuServer, cfg.self, "baseline", "--addr", "127.0.0.1:0"),
		nil, cfg.nice, filepath.Join(dir, "baseline.log"))
	if err != nil {
		return err
	}
	defer bl.stop()
	fx, err := startChild(ctx, "fixed baseline", cfg.pinned(cfg.cpuServer, cfg.self, "baseline", "--fixed", "--addr", "127.0.0.1:0"),
		nil, cfg.nice, filepath.Join(dir, "fixed.log"))
	if err != nil {
		return err
	}
	defer fx.stop()
	keyHashes := filepath.Join(dir, "verify-keys.txt")
	if err := writeKeyHashes(keyHashes, keys); err != nil {
		return err
	}
	var guardedServer *child
	if cfg.guarded {
		gd, err := startChild(ctx, "guarded baseline", cfg.pinned(cfg.cpuServer, cfg.self, "baseline", "--fixed", "--guarded", "--addr", "127.0.0.1:0"),
			nil, cfg.nice, filepath.Join(dir, "guarded.log"))
		if err != nil {
			return err
		}
		defer gd.stop()
		logf("guarded baseline (pid %d) on %s", gd.pid(), gd.addr)
		guardedServer = gd
	}
	vf, err := startChild(ctx, "verify baseline", cfg.pinned(cfg.cpuServer, cfg.self, "baseline", "--verify", "--addr", "127.0.0.1:0"),
		[]string{verifySecretEnv + "=" + secret, verifyKeysEnv + "=" + keyHashes}, cfg.nice, filepath.Join(dir, "verify.log"))
	if err != nil {
		return err
	}
	defer vf.stop()
	logf("notesd (pid %d) on %s, encoding baseline (pid %d) on %s, fixed baseline (pid %d) on %s, verify baseline (pid %d) on %s",
		nd.pid(), nd.addr, bl.pid(), bl.addr, fx.pid(), fx.addr, vf.pid(), vf.addr)
	servers := map[string]*child{routeFixed: fx, routeBaseline: bl, routeVerify: vf, routeVerifyMe: vf, routeVerifyData: vf}
	if guardedServer != nil {
		servers[routeGuarded] = guardedServer
	}

	login := func(c *child, users, notes int) ([]session, error) {
		start := time.Now()
		ss, err := loginSample(ctx, "http://"+c.addr, users, notes, cfg.logins)
		if err != nil {
			return nil, withLogTail(ctx, err, c)
		}
		logf("logged in %d users on %s in %v", len(ss), c.name, time.Since(start).Round(time.Millisecond))
		return ss, nil
	}
	sessions, err := login(nd, cfg.users, cfg.notes)
	if err != nil {
		return err
	}
	reqs := routeRequests(sessions, keys)
	order := measureOrder(cfg)
	if normal != nil {
		ns, err := login(normal, cfg.users, cfg.notes)
		if err != nil {
			return err
		}
		reqs[routeCreateNormal] = createRequests(ns)
		servers[routeCreateNormal] = normal
	}
	if flat != nil {
		fs, err := login(flat, cfg.flatNotes, cfg.flatNotes)
		if err != nil {
			return err
		}
		reqs[routeNotesFlat] = routeRequests(fs, nil)[routeNotes]
		servers[routeNotesFlat] = flat
	}
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
		Engine: db.engine, Database: db.describe(cfg), FlatNotes: cfg.flatNotes,
	}
	for round := 1; round <= cfg.rounds; round++ {
		for _, route := range order {
			srv := serverOf(route, nd, servers)
			res, err := measure(ctx, cfg, gen, dir, srv, route, round, reqs[route])
			if err != nil {
				return withLogTail(ctx, err, srv)
			}
			logf("round %d/%d %-20s %8.0f req/s  p50 %s  p99 %s  %.1f µs CPU/req  RSS %.1f MB",
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
	if st.Unexpected > 0 || st.Errors > 0 || st.Requests == 0 {
		return res, fmt.Errorf("%s round %d is wrong: %d of %d answers were not 200 %v, %d connection errors",
			routeLabel(route), round, st.Unexpected, st.Requests, st.Statuses, st.Errors)
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

// startFlat seeds the small twin database of --flat-notes users with one
// note each (no API keys) in dir/flat and starts a second notesd on it,
// with the main one's settings.
func startFlat(ctx context.Context, cfg *config, notesd, dir string, budget time.Duration, logf func(string, ...any)) (*child, error) {
	fdir := filepath.Join(dir, "flat")
	if err := os.Mkdir(fdir, 0o700); err != nil {
		return nil, err
	}
	db := dbTarget{engine: engineSQLite, sqlite: filepath.Join(fdir, "notesd.db")}
	db.url = "sqlite:" + db.sqlite
	start := time.Now()
	if _, err := migrateAndSeed(ctx, notesd, fdir, db, nil, seedSpec{Users: cfg.flatNotes, Notes: cfg.flatNotes}); err != nil {
		return nil, fmt.Errorf("flat twin: %w", err)
	}
	logf("seeded the flat twin: %d users, %d notes in %v", cfg.flatNotes, cfg.flatNotes, time.Since(start).Round(time.Millisecond))
	serve := serveArgs(notesd, randomSecret(), budget, db.notesdArgs(cfg)...)
	c, err := startChild(ctx, "notesd flat", cfg.pinned(cfg.cpuServer, serve...), nil, cfg.nice, filepath.Join(fdir, "notesd.log"))
	if err != nil {
		return nil, err
	}
	logf("notesd flat (pid %d) on %s, over %d notes", c.pid(), c.addr, cfg.flatNotes)
	return c, nil
}

// serveArgs is the command line of notesd serve on a free loopback port
// with secret as its key and access tokens that outlive budget, then extra.
func serveArgs(notesd, secret string, budget time.Duration, extra ...string) []string {
	return append([]string{notesd, "serve", "--addr", "127.0.0.1:0", "--secret-key", secret,
		"--access-ttl", (budget + time.Hour).String()}, extra...)
}

// withNormal reports whether the run measures POST /notes on a second
// notesd with --sqlite-synchronous normal: on SQLite, when create is a route.
func withNormal(cfg *config) bool {
	return cfg.pgURL == nil && slices.Contains(cfg.routes, routeCreate)
}

// measureOrder is the order of the loads of each round: the baselines, the
// routes, the normal twin of create right after it and the flat twin of
// notes right after that.
func measureOrder(cfg *config) []string {
	order := []string{routeFixed}
	if cfg.guarded {
		order = append(order, routeGuarded)
	}
	order = append(order, routeBaseline, routeVerify)
	if slices.Contains(cfg.routes, routeMe) {
		order = append(order, routeVerifyMe)
	}
	if slices.Contains(cfg.routes, routeData) {
		order = append(order, routeVerifyData)
	}
	for _, r := range cfg.routes {
		order = append(order, r)
		switch {
		case r == routeCreate && withNormal(cfg):
			order = append(order, routeCreateNormal)
		case r == routeNotes && cfg.flatNotes > 0:
			order = append(order, routeNotesFlat)
		}
	}
	return order
}

// copySQLite copies the SQLite database file src, and its -wal file when
// there is one, into the new directory dir (no process may have src open);
// it returns the copy's path.
func copySQLite(src, dir string) (string, error) {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, filepath.Base(src))
	for _, suffix := range []string{"", "-wal"} {
		err := copyFile(src+suffix, dst+suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return "", err
		}
	}
	return dst, nil
}

// copyFile copies src to the new file dst (mode 0600).
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	_, err = io.Copy(out, in)
	return err
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
	loads := len(measureOrder(cfg))
	return setupBudget + time.Duration(cfg.rounds*loads)*(cfg.duration+loadGrace)
}

// dbTarget is the database a run benchmarks notesd on: a SQLite file in
// the working directory, or a private schema of a PostgreSQL database.
type dbTarget struct {
	engine string    // engineSQLite or enginePostgres
	url    string    // notesd's --database-url (PostgreSQL: with the schema's search_path)
	sqlite string    // SQLite: the database file
	schema *pgSchema // PostgreSQL: the run's schema, dropped by cleanup
}

// notesdArgs are the database flags of notesd serve: --database-url for
// SQLite (PostgreSQL's goes through the environment: it may hold a
// password), and --db-max-conns when given.
func (t dbTarget) notesdArgs(cfg *config) []string {
	var args []string
	if t.engine == engineSQLite {
		args = append(args, "--database-url", t.url)
		if cfg.noteCacheMiB >= 0 {
			args = append(args, "--sqlite-note-cache", strconv.Itoa(cfg.noteCacheMiB))
		}
	}
	if cfg.dbMaxConns > 0 {
		args = append(args, "--db-max-conns", strconv.Itoa(cfg.dbMaxConns))
	}
	return args
}

// notesdEnv is the environment notesd gets on top of childEnv: the
// PostgreSQL URL, kept off the command line (ps shows it to every user).
func (t dbTarget) notesdEnv() []string {
	if t.engine == enginePostgres {
		return []string{"NOTESD_DATABASE_URL=" + t.url}
	}
	return nil
}

// describe says which database notesd runs on, without a password, and
// where it runs.
func (t dbTarget) describe(cfg *config) string {
	if t.engine == engineSQLite {
		cache := "notesd's default note cache"
		switch {
		case cfg.noteCacheMiB == 0:
			cache = "no note cache (--sqlite-note-cache 0)"
		case cfg.noteCacheMiB > 0:
			cache = fmt.Sprintf("--sqlite-note-cache %d", cfg.noteCacheMiB)
		}
		return "SQLite, a file in the working directory, inside notesd; " + cache
	}
	conns := "default pool"
	if cfg.dbMaxConns > 0 {
		conns = fmt.Sprintf("--db-max-conns %d", cfg.dbMaxConns)
	}
	where := "the PostgreSQL server is not pinned by notesbench"
	if cfg.cpuServer != "" {
		where = fmt.Sprintf("notesd on CPU %s, but the PostgreSQL server is not pinned by notesbench "+
			"(it runs where the OS puts it, the load generator's core included)", cfg.cpuServer)
	}
	return fmt.Sprintf("PostgreSQL %s, schema %s, %s; %s: its CPU counts in other, not in srv cpu",
		redactURL(t.schema.base), t.schema.name, conns, where)
}

// cleanup drops the PostgreSQL schema (bounded in time, even when ctx is
// done); the SQLite file goes with the working directory.
func (t dbTarget) cleanup(ctx context.Context) error {
	if t.schema == nil {
		return nil
	}
	return t.schema.drop(ctx)
}

// prepareDatabase builds notesd (unless --notesd names one), creates the
// database (a SQLite file in dir, or a private schema in --database-url's
// PostgreSQL) and seeds it; it returns notesd's path, the database, the
// sample of API keys and how long seeding took. On error nothing is left
// in PostgreSQL.
func prepareDatabase(ctx context.Context, cfg *config, dir string, logf func(string, ...any)) (notesd string, db dbTarget, keys []sampleKey, seeded time.Duration, err error) {
	if notesd, err = notesdBinary(ctx, cfg, dir, logf); err != nil {
		return "", db, nil, 0, err
	}
	db = dbTarget{engine: engineSQLite, sqlite: filepath.Join(dir, "notesd.db")}
	db.url = "sqlite:" + db.sqlite
	if cfg.pgURL != nil {
		var s *pgSchema
		if s, err = createSchema(ctx, cfg.pgURL); err != nil {
			return "", db, nil, 0, err
		}
		db = dbTarget{engine: enginePostgres, url: s.url(), schema: s}
		logf("created schema %s in %s", s.name, redactURL(cfg.pgURL))
		defer func() { // err is prepareDatabase's result
			if err != nil {
				err = errors.Join(err, s.drop(ctx))
			}
		}()
	}
	start := time.Now()
	spec := seedSpec{Users: cfg.users, Notes: cfg.notes, Keys: cfg.keys, SampleKeys: cfg.logins}
	if keys, err = migrateAndSeed(ctx, notesd, dir, db, cfg.pgURL, spec); err != nil {
		return "", db, nil, 0, err
	}
	seeded = time.Since(start)
	logf("seeded %d users, %d notes, %d API keys in %v", cfg.users, cfg.notes, cfg.keys, seeded.Round(time.Millisecond))
	return notesd, db, keys, seeded, nil
}

// notesdBinary is the absolute path of --notesd, or of a notesd built
// into dir.
func notesdBinary(ctx context.Context, cfg *config, dir string, logf func(string, ...any)) (string, error) {
	if cfg.notesd != "" {
		p, err := exec.LookPath(cfg.notesd)
		if err != nil {
			return "", fmt.Errorf("--notesd: %w", err)
		}
		return filepath.Abs(p)
	}
	start := time.Now()
	notesd, err := buildNotesd(ctx, dir)
	if err != nil {
		return "", err
	}
	logf("built notesd in %v", time.Since(start).Round(time.Millisecond))
	return notesd, nil
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
		if tmp, err = filepath.Abs(tmp); err != nil {
			return "", nil, err
		}
		return tmp, func() error { return os.RemoveAll(tmp) }, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	for _, name := range []string{"notesd.db", "notesd.db-wal", "notesd.db-shm", "notesd.log", "baseline.log", "fixed.log", "verify.log"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", nil, err
		}
	}
	// The twins' directories, which a run makes anew.
	for _, name := range []string{"normal", "flat"} {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
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

// migrateAndSeed creates the database's schema with notesd migrate (run
// in dir) and seeds spec into it (pgURL: the PostgreSQL server of db's
// schema; nil for SQLite), every user with benchPassword.
func migrateAndSeed(ctx context.Context, notesd, dir string, db dbTarget, pgURL *url.URL, spec seedSpec) ([]sampleKey, error) {
	argv := []string{"migrate"}
	if db.engine == engineSQLite {
		argv = append(argv, "--database-url", db.url)
	}
	cmd := exec.CommandContext(ctx, notesd, argv...)
	cmd.Env = append(childEnv(), db.notesdEnv()...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("notesd migrate: %w\n%s", err, b)
	}
	hash, err := auth.NewHasher(auth.HasherConfig{}).Hash(ctx, benchPassword)
	if err != nil {
		return nil, err
	}
	spec.PasswordHash = hash
	if db.engine == enginePostgres {
		return seedPostgres(ctx, pgURL, db.url, spec)
	}
	return seed(ctx, db.sqlite, spec)
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
