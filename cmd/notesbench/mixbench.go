package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// mixRateLimit is the per-IP limit of logins and of refreshes notesd gets
// for the mix: every client connects from 127.0.0.1, and the default (100
// per 15 minutes) would refuse the logins of a few hundred users.
const mixRateLimit = 1_000_000

// rssSample is how often the mix samples the server's VmRSS.
const rssSample = 200 * time.Millisecond

// mixBudget is the deadline of a whole --mix run: the setup, the mix and
// its grace.
func mixBudget(cfg *config) time.Duration { return setupBudget + cfg.duration + loadGrace }

// mixServeArgs is notesd's command line for the mix: the benchmark's, with
// the per-IP login and refresh limits raised to mixRateLimit.
func mixServeArgs(cfg *config, notesd string, db dbTarget, budget time.Duration) []string {
	limit := strconv.Itoa(mixRateLimit)
	return serveArgs(notesd, randomSecret(), budget,
		append([]string{"--login-limit-per-ip", limit, "--refresh-limit-per-ip", limit}, db.notesdArgs(cfg)...)...)
}

// mixUsers returns the clients of the mix: --clients users spread over
// the seeded ones, each with (up to maxNotesPerUser of) its seeded notes.
func mixUsers(cfg *config) []mixUser {
	var users []mixUser
	for _, id := range spreadIDs(cfg.users, cfg.clients) {
		users = append(users, mixUser{UserID: id, Email: emailOf(id), NoteIDs: notesOf(id, cfg.users, cfg.notes)})
	}
	return users
}

// benchMix runs the mixed workload of cfg against one notesd and prints
// its report; it fails on any error or cross-user answer, with the end of
// notesd's log.
func benchMix(ctx context.Context, cfg *config, stdout, stderr io.Writer) (err error) {
	budget := mixBudget(cfg)
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "notesbench: "+format+"\n", args...) }

	dir, cleanup, err := workDir(cfg.dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	notesd, db, _, seeded, err := prepareDatabase(ctx, cfg, dir, logf)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.cleanup(ctx)) }() // after notesd stopped
	nd, err := startChild(ctx, "notesd", cfg.pinned(cfg.cpuServer, mixServeArgs(cfg, notesd, db, budget)...),
		db.notesdEnv(), cfg.nice, filepath.Join(dir, "notesd.log"))
	if err != nil {
		return err
	}
	defer nd.stop()
	logf("notesd (pid %d) on %s, login and refresh limits per IP raised to %d", nd.pid(), nd.addr, mixRateLimit)

	spec := mixSpec{
		BaseURL: "http://" + nd.addr, Clients: mixUsers(cfg), Duration: cfg.duration,
		Stagger: min(mixStaggerMax, cfg.duration/4), Relogin: cfg.reloginEvery, Refresh: cfg.refreshEvery,
		LoginConcurrency: mixLoginConcurrency, Seed: rand.Uint64(),
	}
	res, st, err := measureMix(ctx, cfg, dir, nd, spec)
	if err != nil {
		return withLogTail(ctx, err, nd)
	}
	if err := st.check(); err != nil {
		return withLogTail(ctx, err, nd)
	}
	rep := &mixReport{
		Mode: "mix", Users: cfg.users, Notes: cfg.notes, Clients: cfg.clients, Duration: cfg.duration.String(),
		Generator: "Go client", Pinning: cfg.pinningText(), SeedSeconds: seeded.Seconds(),
		Engine: db.engine, Database: db.describe(cfg),
		LoginLimitPerIP: mixRateLimit, RefreshLimitPerIP: mixRateLimit,
		Stagger: spec.Stagger.String(), Relogin: spec.Relogin.String(), Refresh: spec.Refresh.String(),
		mixResult: res,
	}
	rep.fill(st)
	if cfg.json {
		return rep.writeJSON(stdout)
	}
	return rep.writeTable(stdout)
}

// mixResult is what the mix measured of the server and the machine.
type mixResult struct {
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// CPUPerReqUs is the server's CPU time per request, in microseconds.
	CPUPerReqUs float64 `json:"server_cpu_per_req_us"`
	// ServerCPU, ClientCPU and OtherCPU are as in roundResult.
	ServerCPU float64 `json:"server_cpu"`
	ClientCPU float64 `json:"client_cpu"`
	OtherCPU  float64 `json:"other_cpu"`
	// MaxRSSMB is the highest VmRSS sampled during the mix, PeakRSSMB the
	// VmHWM at its end (the whole life of the process), EndRSSMB the VmRSS
	// at its end.
	MaxRSSMB  float64 `json:"max_rss_mb"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	EndRSSMB  float64 `json:"end_rss_mb"`
}

// measureMix runs spec with the mixgen child, pinned to the client CPUs,
// and reads the server's CPU time before and after and its memory during
// and after.
func measureMix(ctx context.Context, cfg *config, dir string, srv *child, spec mixSpec) (mixResult, mixStats, error) {
	var res mixResult
	busy0, err := systemBusy()
	if err != nil {
		return res, mixStats{}, err
	}
	cpu0, err := procCPU(srv.pid())
	if err != nil {
		return res, mixStats{}, fmt.Errorf("%s: %w", srv.name, err)
	}
	var (
		maxRSS int64
		wg     sync.WaitGroup
		stop   = make(chan struct{})
	)
	wg.Go(func() {
		tick := time.NewTicker(rssSample)
		defer tick.Stop()
		for {
			if rss, _, err := procMemory(srv.pid()); err == nil {
				maxRSS = max(maxRSS, rss)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	st, err := runMixChild(ctx, cfg, dir, spec)
	close(stop)
	wg.Wait()
	if err != nil {
		return res, st, err
	}
	cpu1, err := procCPU(srv.pid())
	if err != nil {
		return res, st, fmt.Errorf("%s: %w", srv.name, err)
	}
	busy1, err := systemBusy()
	if err != nil {
		return res, st, err
	}
	rss, peak, err := procMemory(srv.pid())
	if err != nil {
		return res, st, fmt.Errorf("%s: %w", srv.name, err)
	}
	if srv.exited() {
		return res, st, fmt.Errorf("%s exited during the mix: %v", srv.name, srv.err)
	}
	const mb = 1 << 20
	res.ElapsedSeconds = st.Elapsed.Seconds()
	if st.Requests > 0 {
		res.CPUPerReqUs = float64(cpu1-cpu0) / float64(time.Microsecond) / float64(st.Requests)
	}
	if st.Elapsed > 0 {
		res.ServerCPU = float64(cpu1-cpu0) / float64(st.Elapsed)
		res.ClientCPU = float64(st.ClientCPU) / float64(st.Elapsed)
		other := (busy1 - busy0) - (cpu1 - cpu0) - st.ClientCPU
		res.OtherCPU = float64(max(other, 0)) / float64(st.Elapsed)
	}
	res.MaxRSSMB = float64(max(maxRSS, rss)) / mb
	res.PeakRSSMB = float64(peak) / mb
	res.EndRSSMB = float64(rss) / mb
	return res, st, nil
}

// runMixChild runs spec in this binary's mixgen child, pinned to the
// client CPUs, and returns its statistics with its CPU time.
func runMixChild(ctx context.Context, cfg *config, dir string, spec mixSpec) (mixStats, error) {
	ctx, cancel := context.WithTimeout(ctx, spec.Duration+loadGrace)
	defer cancel()
	b, err := json.Marshal(spec)
	if err != nil {
		return mixStats{}, err
	}
	file := filepath.Join(dir, "mix.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return mixStats{}, err
	}
	argv := cfg.pinned(cfg.cpuClient, cfg.self, "mixgen", "--spec", file)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	prepareChild(cmd, cfg.nice)
	err = cmd.Start()
	if err == nil {
		setAutogroupNice(cmd.Process.Pid, cfg.nice)
		err = cmd.Wait()
	}
	if err != nil {
		return mixStats{}, fmt.Errorf("%s: %w\n%s%s", strings.Join(argv, " "), err, stdout.Bytes(), stderr.String())
	}
	var st mixStats
	if err := json.Unmarshal(stdout.Bytes(), &st); err != nil {
		return mixStats{}, fmt.Errorf("mixgen: %w\n%s", err, stdout.Bytes())
	}
	st.ClientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return st, nil
}

// mixOpSummary is one operation of the mix in the report.
type mixOpSummary struct {
	Op        string  `json:"op"`
	Count     int64   `json:"count"`
	ReqPerSec float64 `json:"req_per_sec"`
	P50us     float64 `json:"p50_us"`
	P99us     float64 `json:"p99_us"`
}

// mixReport is a --mix run's results.
type mixReport struct {
	Mode              string  `json:"mode"` // "mix"
	Users             int     `json:"users"`
	Notes             int     `json:"notes"`
	Clients           int     `json:"clients"`
	Duration          string  `json:"duration"`
	Generator         string  `json:"generator"`
	Pinning           string  `json:"pinning"`
	Engine            string  `json:"engine"`   // engineSQLite or enginePostgres
	Database          string  `json:"database"` // which database and where it runs, without a password
	SeedSeconds       float64 `json:"seed_seconds"`
	LoginLimitPerIP   int     `json:"login_limit_per_ip"`
	RefreshLimitPerIP int     `json:"refresh_limit_per_ip"`
	Stagger           string  `json:"stagger"`
	Relogin           string  `json:"relogin"`
	Refresh           string  `json:"refresh"`
	mixResult
	Requests  int64   `json:"requests"`
	ReqPerSec float64 `json:"req_per_sec"`
	// LoggedIn counts the clients that logged in; AllLoggedInSeconds is
	// when the last of them did (0 if not all did).
	LoggedIn           int64          `json:"logged_in"`
	AllLoggedInSeconds float64        `json:"all_logged_in_seconds"`
	Ops                []mixOpSummary `json:"ops"`
	Errors             int64          `json:"errors"`
	CrossUser          int64          `json:"cross_user"`
	Warnings           []string       `json:"warnings,omitempty"`
}

// fill sets the report's counts, rates and latencies from st.
func (r *mixReport) fill(st mixStats) {
	r.Requests, r.ReqPerSec, r.Errors, r.CrossUser = st.Requests, st.ReqPerSec, st.Errors, st.CrossUser
	r.LoggedIn, r.AllLoggedInSeconds = st.LoggedIn, st.AllLoggedIn.Seconds()
	r.Ops = nil
	for _, op := range mixOps {
		o := st.op(op)
		s := mixOpSummary{Op: op, Count: o.Count,
			P50us: float64(o.P50) / float64(time.Microsecond), P99us: float64(o.P99) / float64(time.Microsecond)}
		if st.Elapsed > 0 {
			s.ReqPerSec = float64(o.Count) / st.Elapsed.Seconds()
		}
		r.Ops = append(r.Ops, s)
	}
	r.Warnings = nil
	if r.ClientCPU >= warnClientCPU {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the load generator used %.0f%% of its core, so it may be what bounds req/s.", 100*r.ClientCPU))
	}
	if r.LoggedIn < int64(r.Clients) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("only %d of the %d clients logged in before the end: the logins' argon2id hashes bound the ramp-up (a longer --duration, fewer --clients).", r.LoggedIn, r.Clients))
	}
	switch {
	case r.OtherCPU >= warnOtherCPU && r.Engine == enginePostgres:
		r.Warnings = append(r.Warnings, fmt.Sprintf("other processes, the PostgreSQL server among them, used %.0f%% of a core during the mix.", 100*r.OtherCPU))
	case r.OtherCPU >= warnOtherCPU:
		r.Warnings = append(r.Warnings, fmt.Sprintf("other processes used %.0f%% of a core during the mix; the figures are noisy (run on an idle machine).", 100*r.OtherCPU))
	}
}

// mixOpLabel is how the table names an operation.
func mixOpLabel(op string) string {
	switch op {
	case opLogin:
		return "login    POST /auth/login"
	case opRefresh:
		return "refresh  POST /auth/refresh"
	case opCreate:
		return "create   POST /notes"
	case opRead:
		return "read     GET /notes/{id}"
	case opPatch:
		return "patch    PATCH /notes/{id}"
	case opDelete:
		return "delete   DELETE /notes/{id}"
	case opList:
		return "list     GET /notes"
	case opProbe:
		return "probe    GET /notes/{other's}"
	}
	return op
}

// writeTable prints the mix's settings, its operations and the server's
// figures as plain text with fixed columns.
func (r *mixReport) writeTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "notesbench --mix: %d clients (users of %d seeded, %d notes seeded in %.1fs), %s (%.1fs measured); %s, %s\n",
		r.Clients, r.Users, r.Notes, r.SeedSeconds, r.Duration, r.ElapsedSeconds, r.Generator, r.Pinning)
	fmt.Fprintf(&b, "logins staggered over %s, again every ~%s, refresh every ~%s; notesd --login-limit-per-ip %d --refresh-limit-per-ip %d\n",
		r.Stagger, r.Relogin, r.Refresh, r.LoginLimitPerIP, r.RefreshLimitPerIP)
	fmt.Fprintf(&b, "engine: %s\n", r.Database)
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-30s %9s %9s %9s %9s\n", "operation", "count", "req/s", "p50", "p99")
	for _, o := range r.Ops {
		p50, p99 := "-", "-"
		if o.Count > 0 {
			p50, p99 = formatMicros(o.P50us), formatMicros(o.P99us)
		}
		fmt.Fprintf(&b, "%-30s %9d %9.1f %9s %9s\n", mixOpLabel(o.Op), o.Count, o.ReqPerSec, p50, p99)
	}
	fmt.Fprintf(&b, "%-30s %9d %9.1f\n", "all", r.Requests, r.ReqPerSec)
	b.WriteString("\n")
	if r.LoggedIn == int64(r.Clients) {
		fmt.Fprintf(&b, "clients logged in: all %d, the last %.1fs into the run\n", r.Clients, r.AllLoggedInSeconds)
	} else {
		fmt.Fprintf(&b, "clients logged in: %d of %d (the others were still waiting for their first login at the end)\n", r.LoggedIn, r.Clients)
	}
	fmt.Fprintf(&b, "server: %.1f µs CPU/req, srv cpu %.0f%%, gen cpu %.0f%%, other %.0f%%; RSS max %.1f MB (sampled VmRSS), end %.1f MB, peak %.1f MB (VmHWM)\n",
		r.CPUPerReqUs, 100*r.ServerCPU, 100*r.ClientCPU, 100*r.OtherCPU, r.MaxRSSMB, r.EndRSSMB, r.PeakRSSMB)
	fmt.Fprintf(&b, "errors: %d, cross-user answers: %d\n", r.Errors, r.CrossUser)
	for _, w := range r.Warnings {
		b.WriteString("\nwarning: " + w)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeJSON prints the report as indented JSON.
func (r *mixReport) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
