package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// envPrefix starts the environment variable behind every configuration flag.
const envPrefix = "NOTESD_"

// Defaults of the configuration flags.
const (
	defaultAddr        = "127.0.0.1:8000"
	defaultDatabaseURL = "sqlite:./notesd-data/notesd.db"
	defaultAccessTTL   = 30 * time.Minute
	defaultRefreshTTL  = 30 * 24 * time.Hour
	defaultIssuer      = "notesd"
	defaultAudience    = "notesd"
)

// envName returns the environment variable behind the flag name:
// "access-ttl" → "NOTESD_ACCESS_TTL".
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagSet is one command's flags: a flag.FlagSet that also knows which
// flags fall back to an environment variable.
type flagSet struct {
	*flag.FlagSet
	envBacked []string
}

// newFlagSet returns the flag set of command name; its help starts with
// header and lists the flags.
func newFlagSet(name, header string, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, header)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// envVar defines a flag that falls back to its NOTESD_ variable.
func (fs *flagSet) envVar(v flag.Value, name, usage string) {
	fs.Var(v, name, usage+" (env "+envName(name)+")")
	fs.envBacked = append(fs.envBacked, name)
}

// parse parses args, refuses positional arguments, then sets every
// env-backed flag that args did not set from its non-empty environment
// variable. So a flag wins over the variable and the variable over the
// default; a variable that does not parse is an error.
func (fs *flagSet) parse(args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// The arguments are not echoed: one might be a mistyped secret.
		return fmt.Errorf("%s: takes no positional arguments, got %d", fs.Name(), fs.NArg())
	}
	given := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, name := range fs.envBacked {
		if given[name] {
			continue
		}
		v := getenv(envName(name))
		if v == "" {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("invalid %s: %w", envName(name), err)
		}
	}
	return nil
}

// stringValue is a string flag.Value.
type stringValue struct{ p *string }

func (v stringValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v stringValue) Set(s string) error { *v.p = s; return nil }

// boolValue is a bool flag.Value that, like the flag package's own, may be
// given without a value (--secure-cookies).
type boolValue struct{ p *bool }

func (v boolValue) String() string {
	if v.p == nil || !*v.p {
		return "false"
	}
	return "true"
}

func (v boolValue) Set(s string) error {
	b, err := parseBool(s)
	if err != nil {
		return err
	}
	*v.p = b
	return nil
}

func (v boolValue) IsBoolFlag() bool { return true }

// parseBool accepts what strconv.ParseBool does, plus yes/no and on/off,
// which people write in environment files.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (want true or false)", s)
}

// durationValue is a time.Duration flag.Value that must be positive.
type durationValue struct{ p *time.Duration }

func (v durationValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration (e.g. 30m, 720h)", s)
	}
	if d <= 0 {
		return fmt.Errorf("duration %s is not positive", d)
	}
	*v.p = d
	return nil
}

// logFormatValue is the --log-format flag.Value: text or json.
type logFormatValue struct{ p *string }

func (v logFormatValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v logFormatValue) Set(s string) error {
	switch s {
	case "text", "json":
		*v.p = s
		return nil
	}
	return fmt.Errorf("%q is not a log format (want text or json)", s)
}

// config is notesd's configuration, from flags and NOTESD_ variables.
type config struct {
	addr             string
	databaseURL      string
	secretKey        string
	accessTTL        time.Duration
	refreshTTL       time.Duration
	issuer           string
	audience         string
	secureCookies    bool
	logFormat        string
	allowQueryAPIKey bool
}

// defaultConfig returns the configuration with every default set.
func defaultConfig() config {
	return config{
		addr:        defaultAddr,
		databaseURL: defaultDatabaseURL,
		accessTTL:   defaultAccessTTL,
		refreshTTL:  defaultRefreshTTL,
		issuer:      defaultIssuer,
		audience:    defaultAudience,
		logFormat:   "text",
	}
}

// addDatabaseFlags defines --database-url.
func (c *config) addDatabaseFlags(fs *flagSet) {
	fs.envVar(stringValue{&c.databaseURL}, "database-url",
		"database `URL`: sqlite:PATH (the data directory is PATH's directory); postgres:// is not built yet")
}

// addLogFlags defines --log-format.
func (c *config) addLogFlags(fs *flagSet) {
	fs.envVar(logFormatValue{&c.logFormat}, "log-format", "log `format` on stderr: text or json")
}

// addQueryAPIKeyFlag defines --allow-query-api-key.
func (c *config) addQueryAPIKeyFlag(fs *flagSet) {
	fs.envVar(boolValue{&c.allowQueryAPIKey}, "allow-query-api-key",
		"also accept API keys in the api_key query parameter (they end up in logs and browser history)")
}

// addServerFlags defines the flags of serve beyond the database and logs.
func (c *config) addServerFlags(fs *flagSet) {
	fs.envVar(stringValue{&c.addr}, "addr", "`host:port` to listen on (port 0 picks a free one)")
	fs.envVar(stringValue{&c.secretKey}, "secret-key",
		"HS256 signing `secret`, used as raw UTF-8 bytes (at least 32 bytes, not a well-known value; "+
			"prefer the env variable, since flags show in ps). Without it a 256-bit secret is generated once into "+
			"secret.key in the data directory and its 64 hex characters are used as raw bytes the same way, "+
			`so --secret-key "$(cat notesd-data/secret.key)" is equivalent`)
	fs.envVar(durationValue{&c.accessTTL}, "access-ttl", "lifetime of access tokens, a `duration`")
	fs.envVar(durationValue{&c.refreshTTL}, "refresh-ttl", "lifetime of refresh tokens and login sessions, a `duration`")
	fs.envVar(stringValue{&c.issuer}, "issuer", "`issuer` (\"iss\" claim) written to and required in access tokens")
	fs.envVar(stringValue{&c.audience}, "audience", "`audience` (\"aud\" claim) written to and required in access tokens")
	fs.envVar(boolValue{&c.secureCookies}, "secure-cookies", "mark web session cookies Secure (serve over HTTPS)")
	c.addQueryAPIKeyFlag(fs)
}

// checkServer checks the settings that serve needs beyond their syntax.
func (c *config) checkServer() error {
	switch {
	case c.addr == "":
		return errors.New("--addr is empty")
	case c.issuer == "":
		return errors.New("--issuer is empty")
	case c.audience == "":
		return errors.New("--audience is empty")
	}
	return nil
}

// sqlitePath returns the database file named by --database-url.
func (c *config) sqlitePath() (string, error) {
	u := c.databaseURL
	switch {
	case hasPrefixFold(u, "sqlite:"):
		p := u[len("sqlite:"):]
		if p == "" {
			return "", errors.New("--database-url: sqlite: names no file (want sqlite:PATH)")
		}
		return p, nil
	case hasPrefixFold(u, "postgres://"), hasPrefixFold(u, "postgresql://"):
		return "", errors.New("--database-url: postgres support is not built yet (use sqlite:PATH)")
	}
	// The URL is not echoed: it may hold a password.
	return "", errors.New("--database-url: unsupported database URL (want sqlite:PATH)")
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// openStore opens the database of --database-url and migrates it.
func (c *config) openStore(ctx context.Context) (*sqlite.DB, error) {
	path, err := c.sqlitePath()
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

// newLogger returns the logger of --log-format, writing to w at level info.
func (c *config) newLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
