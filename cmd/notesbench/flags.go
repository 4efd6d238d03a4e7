package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// knownRoutes are the notesd routes --routes may name, in the order they
// are measured after the baseline in each round.
var knownRoutes = []string{routeNotes, routeMe, routeData, routeCreate}

// Route names: the three baselines, then notesd's routes. routeCreateNormal
// and routeNotesFlat are not named by --routes: on SQLite the first follows
// routeCreate, on a second notesd with --sqlite-synchronous normal, and
// with --flat-notes the second follows routeNotes, on a second notesd over
// a small database.
const (
	routeFixed        = "fixed"
	routeGuarded      = "guarded"
	routeBaseline     = "baseline"
	routeVerify       = "verify"
	routeVerifyMe     = "verify-me"
	routeVerifyData   = "verify-data"
	routeNotes        = "notes"
	routeMe           = "me"
	routeData         = "data"
	routeCreate       = "create"
	routeCreateNormal = "create-normal"
	routeNotesFlat    = "notes-flat"
)

// maxLogins bounds --logins: notesd allows 100 login attempts per client
// address per 15 minutes, and each costs an argon2id hash.
const maxLogins = 100

// Bounds and defaults of the mixed workload (--mix).
const (
	defaultMixClients  = 200
	maxMixClients      = 10000
	defaultMixDuration = 60 * time.Second
)

// usageHeader starts the help text.
const usageHeader = `Usage: notesbench [flags]

Seeds a SQLite database (or, with --database-url, a private schema of a
PostgreSQL database, dropped at the end), starts notesd and three bare net/http
baselines (one writing a precomputed body, one encoding it with encoding/json,
one checking an HS256 bearer token before it) on 127.0.0.1, and drives them
alternately (fixed, encoding, verify, notes, me, data; then again) with wrk,
or with a bounded Go client when wrk is not on PATH. Prints req/s, p50/p99,
server CPU per request, RSS and the ratios to the first two baselines, then
the targets of issue #13 as met or not met.

With --mix it runs a mixed workload instead: --clients users log in, refresh
their tokens, and create, read, patch, delete and list their own notes and
probe other users' notes, for --duration (default 60s), against one
notesd; it fails on any unexpected answer or any cross-user answer. See
BENCHMARKS.md.

Flags:
`

// config is one benchmark run's settings.
type config struct {
	users, notes, keys int
	logins             int
	duration           time.Duration
	rounds             int
	connections        int
	routes             []string
	dir                string
	wrk                string // "auto", "off" or a path
	cpuServer          string // taskset CPU list; "" means no pinning
	cpuClient          string
	taskset            string // taskset's path; "" means no pinning
	nice               int    // niceness of the servers and the load generator
	niceCmd            string // nice's path, when nice is not 0
	notesd             string // prebuilt notesd; "" builds one
	json               bool
	mix                bool          // the mixed workload instead of the routes
	guarded            bool          // measure the guarded baseline too
	clients            int           // users of the mixed workload
	reloginEvery       time.Duration // mean time between a mix client's logins
	refreshEvery       time.Duration // mean time between a mix client's refreshes
	self               string        // this program's binary, for the children
	pgURL              *url.URL      // --database-url: PostgreSQL to make a schema in; nil: SQLite
	dbMaxConns         int           // --db-max-conns passed to notesd; 0: notesd's default
	noteCacheMiB       int           // --note-cache passed to notesd as --sqlite-note-cache; -1: notesd's default
	flatNotes          int           // --flat-notes: users and notes of the small twin database; 0: none
}

// maxNoteCacheMiB bounds --note-cache, as notesd bounds --sqlite-note-cache.
const maxNoteCacheMiB = 1024

// maxDBConns bounds --db-max-conns, as notesd does.
const maxDBConns = 10_000

// parseFlags parses args into a config; it returns flag.ErrHelp after
// printing help.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var (
		cfg                  config
		routes               string
		cpuServer, cpuClient string
	)
	fs := flag.NewFlagSet("notesbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHeader)
		fs.PrintDefaults()
	}
	fs.IntVar(&cfg.users, "users", 1000, "users to seed")
	fs.IntVar(&cfg.notes, "notes", 1000, "notes to seed, spread over the users round-robin")
	fs.IntVar(&cfg.keys, "keys", -1, "API keys to seed, spread over the users round-robin (default: --users)")
	fs.IntVar(&cfg.logins, "logins", 64, fmt.Sprintf("users to log in through POST /auth/login for bearer tokens (1 to %d; each login is an argon2id hash)", maxLogins))
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "load `duration` of each route in each round")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds; each measures the baseline, then every route")
	fs.IntVar(&cfg.connections, "connections", 32, "concurrent keep-alive connections of the load generator")
	fs.StringVar(&routes, "routes", strings.Join(knownRoutes, ","), "comma-separated notesd routes to measure: notes (GET /notes/{id}, bearer), me (GET /me, bearer), data (GET /data, API key), create (POST /notes, bearer; on SQLite also on a second notesd with --sqlite-synchronous normal, for the group-commit ratio)")
	fs.StringVar(&cfg.dir, "dir", "", "working `directory` (database, logs, binaries); kept when given, else a temporary one removed at the end")
	fs.StringVar(&cfg.wrk, "wrk", "auto", "load generator: auto (wrk if on PATH, else the Go client), off (the Go client), or the `path` of wrk")
	fs.StringVar(&cpuServer, "cpu-server", "auto", "taskset CPU `list` for notesd and the baseline; auto: 0 when taskset exists and there are 2+ CPUs; none: no pinning")
	fs.StringVar(&cpuClient, "cpu-client", "auto", "taskset CPU `list` for the load generator; auto: 1 when taskset exists and there are 2+ CPUs; none: no pinning")
	fs.IntVar(&cfg.nice, "nice", 0, "run the servers and the load generator with this niceness, each in a session (autogroup) of its own (-20 to 19; negative needs root): on a shared machine, -10 keeps other processes from skewing the figures")
	fs.StringVar(&cfg.notesd, "notesd", "", "`path` of a prebuilt notesd binary (default: go build ./cmd/notesd into --dir)")
	fs.BoolVar(&cfg.json, "json", false, "print the results as JSON instead of the table")
	fs.BoolVar(&cfg.guarded, "guarded", false, "measure a fourth baseline after the fixed one: its answers with what notesd adds to every answer (response headers, a request id, a request line logged through, server timeouts), row 'baseline guarded'")
	fs.BoolVar(&cfg.mix, "mix", false, "run the mixed workload (logins, refreshes, note CRUD, lists, cross-user probes) instead of the routes")
	fs.IntVar(&cfg.clients, "clients", defaultMixClients, fmt.Sprintf("with --mix: concurrent clients, each a seeded user (2 to %d, at most --users)", maxMixClients))
	fs.DurationVar(&cfg.reloginEvery, "relogin-every", mixRelogin, "with --mix: mean `duration` between two logins of a client (each wait drawn from half to 1.5 times it)")
	fs.DurationVar(&cfg.refreshEvery, "refresh-every", mixRefresh, "with --mix: mean `duration` between two token refreshes of a client (each wait drawn from half to 1.5 times it)")
	var databaseURL string
	fs.StringVar(&databaseURL, "database-url", "", "PostgreSQL `URL` (postgres://…) to benchmark notesd on: notesbench makes a private schema in it for the run and drops it at the end (default: a SQLite file in --dir)")
	fs.IntVar(&cfg.noteCacheMiB, "note-cache", -1, "`MiB` of notesd's note cache on SQLite, passed to notesd --sqlite-note-cache; 0 turns it off, so every GET /notes/{id} reads the file (default: notesd's)")
	fs.IntVar(&cfg.flatNotes, "flat-notes", 0, "`number` of users, with one note each, of a second SQLite database served by a second notesd, on which GET /notes/{id} is measured right after the main one in every round, for the flat-from-small-to-large target (fewer than --notes, at least the users logged in; default 0: none)")
	fs.IntVar(&cfg.dbMaxConns, "db-max-conns", 0, "`number` of PostgreSQL connections of notesd's pool, passed to notesd --db-max-conns (default: notesd's)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if cfg.mix && !given["duration"] {
		cfg.duration = defaultMixDuration
	}
	if cfg.keys < 0 {
		cfg.keys = cfg.users
		if cfg.mix {
			cfg.keys = 0 // the mix uses no API keys
		}
	}
	var err error
	if databaseURL != "" {
		if cfg.pgURL, err = parsePostgresURL(databaseURL); err != nil {
			return cfg, err
		}
	}
	if cfg.routes, err = parseRoutes(routes); err != nil {
		return cfg, err
	}
	if err := cfg.check(); err != nil {
		return cfg, err
	}
	if err := cfg.resolvePinning(cpuServer, cpuClient); err != nil {
		return cfg, err
	}
	if cfg.nice != 0 {
		if cfg.niceCmd, err = exec.LookPath("nice"); err != nil {
			return cfg, fmt.Errorf("--nice: %w", err)
		}
	}
	if cfg.self, err = os.Executable(); err != nil {
		return cfg, fmt.Errorf("find own binary: %w", err)
	}
	return cfg, nil
}

// parseRoutes splits --routes, refusing unknown and repeated names.
func parseRoutes(list string) ([]string, error) {
	var routes []string
	for r := range strings.SplitSeq(list, ",") {
		r = strings.TrimSpace(r)
		switch {
		case r == "":
			continue
		case !slices.Contains(knownRoutes, r):
			return nil, fmt.Errorf("--routes: unknown route %q (known: %s)", r, strings.Join(knownRoutes, ","))
		case slices.Contains(routes, r):
			return nil, fmt.Errorf("--routes: %q given twice", r)
		}
		routes = append(routes, r)
	}
	if len(routes) == 0 {
		return nil, errors.New("--routes: no route given")
	}
	return routes, nil
}

// check refuses settings the benchmark cannot run with.
func (c *config) check() error {
	switch {
	case c.users < 1:
		return errors.New("--users must be at least 1")
	case !c.mix && c.notes < 1 && slices.Contains(c.routes, routeNotes):
		return errors.New("--notes must be at least 1 to measure GET /notes/{id}")
	case c.notes < 0:
		return errors.New("--notes must not be negative")
	case !c.mix && c.keys < 1 && slices.Contains(c.routes, routeData):
		return errors.New("--keys must be at least 1 to measure GET /data")
	case c.logins < 1 || c.logins > maxLogins:
		return fmt.Errorf("--logins must be 1 to %d", maxLogins)
	case c.duration < 100*time.Millisecond || c.duration > time.Hour:
		return errors.New("--duration must be 100ms to 1h")
	case c.rounds < 1 || c.rounds > 100:
		return errors.New("--rounds must be 1 to 100")
	case c.connections < 1 || c.connections > 10000:
		return errors.New("--connections must be 1 to 10000")
	case c.noteCacheMiB < -1 || c.noteCacheMiB > maxNoteCacheMiB:
		return fmt.Errorf("--note-cache must be 0 (off) to %d MiB", maxNoteCacheMiB)
	case c.dbMaxConns < 0 || c.dbMaxConns > maxDBConns:
		return fmt.Errorf("--db-max-conns must be 0 (notesd's default) to %d", maxDBConns)
	case c.nice < -20 || c.nice > 19:
		return errors.New("--nice must be -20 to 19")
	case c.mix && (c.clients < 2 || c.clients > maxMixClients):
		return fmt.Errorf("--clients must be 2 to %d", maxMixClients)
	case c.mix && (c.reloginEvery < 10*time.Millisecond || c.refreshEvery < 10*time.Millisecond):
		return errors.New("--relogin-every and --refresh-every must be at least 10ms")
	case c.flatNotes < 0:
		return errors.New("--flat-notes must not be negative")
	case c.flatNotes > 0 && (c.mix || c.pgURL != nil || !slices.Contains(c.routes, routeNotes)):
		return errors.New("--flat-notes needs SQLite and the notes route, without --mix")
	case c.flatNotes > 0 && (c.flatNotes < min(c.logins, c.users, c.notes) || c.flatNotes >= c.notes):
		// As many users log in on the twin as on the main notesd.
		return fmt.Errorf("--flat-notes must be at least the users logged in (%d) and fewer than --notes (%d)", min(c.logins, c.users, c.notes), c.notes)
	case c.mix && c.clients > c.users:
		return fmt.Errorf("--clients (%d) must not exceed --users (%d): each client is a seeded user", c.clients, c.users)
	}
	return nil
}

// cpuList matches a taskset CPU list such as 0, 1,3 or 0-3.
var cpuList = regexp.MustCompile(`^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$`)

// resolvePinning turns --cpu-server and --cpu-client into CPU lists: auto
// pins to 0 and 1 when taskset exists and there are two CPUs or more.
func (c *config) resolvePinning(server, client string) error {
	taskset, _ := exec.LookPath("taskset")
	auto := taskset != "" && runtime.NumCPU() >= 2
	resolve := func(name, v, def string) (string, error) {
		switch v {
		case "auto":
			if auto {
				return def, nil
			}
			return "", nil
		case "none", "":
			return "", nil
		}
		if !cpuList.MatchString(v) {
			return "", fmt.Errorf("--%s: %q is not a CPU list (like 0, 1,3 or 0-3), auto or none", name, v)
		}
		if taskset == "" {
			return "", fmt.Errorf("--%s: taskset is not on PATH (install util-linux, or pass none)", name)
		}
		return v, nil
	}
	var err error
	if c.cpuServer, err = resolve("cpu-server", server, "0"); err != nil {
		return err
	}
	if c.cpuClient, err = resolve("cpu-client", client, "1"); err != nil {
		return err
	}
	if c.cpuServer != "" || c.cpuClient != "" {
		c.taskset = taskset
	}
	return nil
}

// pinned returns argv prefixed with taskset for cpus (unless cpus is
// empty) and with nice for --nice (unless it is 0). Both exec the command,
// so the process keeps the PID notesbench started.
func (c *config) pinned(cpus string, argv ...string) []string {
	if c.nice != 0 && c.niceCmd != "" {
		argv = append([]string{c.niceCmd, "-n", strconv.Itoa(c.nice)}, argv...)
	}
	if cpus == "" || c.taskset == "" {
		return argv
	}
	return append([]string{c.taskset, "-c", cpus}, argv...)
}

// generator returns the wrk binary to use, or "" for the Go client.
func (c *config) generator() (string, error) {
	switch c.wrk {
	case "off":
		return "", nil
	case "auto", "":
		p, err := exec.LookPath("wrk")
		if err != nil {
			return "", nil
		}
		return p, nil
	}
	p, err := exec.LookPath(c.wrk)
	if err != nil {
		return "", fmt.Errorf("--wrk: %w", err)
	}
	return p, nil
}
