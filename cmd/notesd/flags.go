package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/pgstore"
	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/janitor"
	"github.com/gatehouse-dev/gatehouse/internal/logline"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
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
	defaultSigningAlg  = algHS256

	// The rate limits of SPEC §7.
	defaultLoginPerAccount = 10
	defaultLoginPerIP      = 100
	defaultRefreshPerIP    = 100
	defaultRegisterPerIP   = 30
	defaultRateWindow      = 15 * time.Minute

	// Refresh retries and shutdown (SPEC §3, §8).
	defaultRefreshReuseInterval = httpapi.DefaultRefreshReuseInterval
	defaultDrainDelay           = 5 * time.Second
	defaultShutdownTimeout      = 30 * time.Second

	// The quotas and retention of SPEC §5.
	defaultRetention = janitor.DefaultRetention
	defaultDBTimeout = 5 * time.Second
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

// timeValue is a point in time: RFC 3339, or a date (its midnight UTC).
type timeValue struct{ p *time.Time }

func (v timeValue) String() string {
	if v.p == nil || v.p.IsZero() {
		return ""
	}
	return v.p.Format(time.RFC3339)
}

func (v timeValue) Set(s string) error {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, s); err != nil {
			return fmt.Errorf("%q is not a time (RFC 3339, e.g. 2027-01-31T00:00:00Z, or a date, 2027-01-31)", s)
		}
	}
	*v.p = t
	return nil
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

// offDurationValue is a time.Duration flag.Value that may be 0 (off) but
// not negative.
type offDurationValue struct{ p *time.Duration }

func (v offDurationValue) String() string { return durationValue(v).String() }

func (v offDurationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration (e.g. 10s, 0 for off)", s)
	}
	if d < 0 {
		return fmt.Errorf("duration %s is negative", d)
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

// synchronousValue is the --sqlite-synchronous flag.Value: full or normal.
type synchronousValue struct{ p *sqlite.Synchronous }

func (v synchronousValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.ToLower(string(*v.p))
}

func (v synchronousValue) Set(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "full":
		*v.p = sqlite.SyncFull
	case "normal":
		*v.p = sqlite.SyncNormal
	default:
		return fmt.Errorf("%q is not a synchronous setting (want full or normal)", s)
	}
	return nil
}

// positiveIntValue is an int flag.Value that must be positive.
type positiveIntValue struct{ p *int }

func (v positiveIntValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.Itoa(*v.p)
}

func (v positiveIntValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not an integer", s)
	}
	if n <= 0 {
		return fmt.Errorf("%d is not positive", n)
	}
	*v.p = n
	return nil
}

// sizeMiBValue is a flag.Value of a size in MiB, 0 (off) to maxSizeMiB.
type sizeMiBValue struct{ p *int }

// maxSizeMiB bounds sizeMiBValue: 1 GiB, whose bytes fit an int on every
// platform (32-bit ones included).
const maxSizeMiB = 1 << 10

func (v sizeMiBValue) String() string { return positiveIntValue(v).String() }

func (v sizeMiBValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not an integer (MiB, 0 for off)", s)
	}
	if n < 0 || n > maxSizeMiB {
		return fmt.Errorf("%d is not between 0 and %d MiB", n, maxSizeMiB)
	}
	*v.p = n
	return nil
}

// signingAlgValue is the --signing-alg flag.Value: HS256 or EdDSA, in any
// letter case, stored in the spelling of JWT headers.
type signingAlgValue struct{ p *string }

func (v signingAlgValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v signingAlgValue) Set(s string) error {
	for _, alg := range []string{algHS256, algEdDSA} {
		if strings.EqualFold(strings.TrimSpace(s), alg) {
			*v.p = alg
			return nil
		}
	}
	return fmt.Errorf("%q is not a signing algorithm (want HS256 or EdDSA)", s)
}

// splitList splits a comma-separated flag value into its trimmed items. An
// empty value is the empty list; an empty item ("a,,b", "a,") is an error.
func splitList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	items := strings.Split(s, ",")
	for i, item := range items {
		items[i] = strings.TrimSpace(item)
		if items[i] == "" {
			return nil, fmt.Errorf("item %d of %q is empty", i+1, s)
		}
	}
	return items, nil
}

// prefixListValue is the --trusted-proxies flag.Value: comma-separated
// CIDRs or bare IPs (a bare IP is a /32 or /128). Setting it replaces the
// list.
type prefixListValue struct{ p *[]netip.Prefix }

func (v prefixListValue) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, p := range *v.p {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (v prefixListValue) Set(s string) error {
	items, err := splitList(s)
	if err != nil {
		return err
	}
	var prefixes []netip.Prefix
	for _, item := range items {
		p, err := parseProxy(item)
		if err != nil {
			return err
		}
		prefixes = append(prefixes, p)
	}
	*v.p = prefixes
	return nil
}

// parseProxy parses one trusted proxy: a CIDR ("10.0.0.0/8"; host bits are
// cleared) or an IP ("10.0.0.1", "::1"). IPv4-mapped IPv6 forms are taken
// as the IPv4 they map, since client addresses are compared unmapped.
func parseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR (e.g. 10.0.0.0/8, fd00::/8)", s)
		}
		if a := p.Addr(); a.Is4In6() {
			if p.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("%q mixes IPv4-mapped and other IPv6 addresses; write the IPv4 CIDR", s)
			}
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR (e.g. 10.0.0.1, 10.0.0.0/8)", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// originListValue is the --cors-origins flag.Value: comma-separated
// origins, stored as browsers send them in the Origin header. Setting it
// replaces the list.
type originListValue struct{ p *[]string }

func (v originListValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}

func (v originListValue) Set(s string) error {
	items, err := splitList(s)
	if err != nil {
		return err
	}
	var origins []string
	for _, item := range items {
		o, err := parseOrigin(item)
		if err != nil {
			return err
		}
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	*v.p = origins
	return nil
}

// parseOrigin checks that s is a web origin, http(s)://host[:port] with
// nothing after it, and returns it the way browsers serialise it in the
// Origin header (RFC 6454): scheme and host in lower case, no default port.
// The gatehouse API compares origins exactly, so "https://app.example.com/"
// or "https://APP.example.com:443" would otherwise never match.
func parseOrigin(s string) (string, error) {
	if s == "*" || s == "null" {
		return "", fmt.Errorf("%q is not allowed: list each origin (e.g. https://app.example.com)", s)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not an origin (want scheme://host[:port], e.g. https://app.example.com)", s)
	case u.Scheme != "http" && u.Scheme != "https" || u.Opaque != "":
		return "", fmt.Errorf("origin %q: want an http:// or https:// origin, e.g. https://app.example.com", s)
	case u.User != nil:
		return "", fmt.Errorf("origin %q has user information", s)
	case u.Path != "" || u.RawPath != "":
		return "", fmt.Errorf("origin %q has a path (want scheme://host[:port] only, no trailing slash)", s)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return "", fmt.Errorf("origin %q has a query or fragment (want scheme://host[:port] only)", s)
	case u.Hostname() == "":
		return "", fmt.Errorf("origin %q has no host", s)
	}
	for _, c := range []byte(u.Hostname()) {
		if c >= 0x80 {
			return "", fmt.Errorf("origin %q: write an internationalised host name in its xn-- form", s)
		}
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	origin := strings.ToLower(u.Scheme) + "://" + host
	if port := u.Port(); port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return "", fmt.Errorf("origin %q has a bad port", s)
		}
		if !(u.Scheme == "http" && n == 80) && !(u.Scheme == "https" && n == 443) {
			origin += ":" + strconv.FormatUint(n, 10)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("origin %q has an empty port", s)
	}
	return origin, nil
}

// config is notesd's configuration, from flags and NOTESD_ variables.
type config struct {
	addr               string
	databaseURL        string
	redisURL           string
	secretKey          string
	previousSecretKeys string // comma-separated; checked by serverKeyring, never echoed
	signingAlg         string
	accessTTL          time.Duration
	refreshTTL         time.Duration
	issuer             string
	audience           string
	secureCookies      bool
	logFormat          string
	allowQueryAPIKey   bool
	debugAddr          string
	loginPerAccount    int
	loginPerIP         int
	refreshPerIP       int
	registerPerIP      int
	rateWindow         time.Duration
	trustedProxies     []netip.Prefix
	corsOrigins        []string
	quotas             httpapi.Quotas
	retention          time.Duration
	refreshReuse       time.Duration // 0: off
	drainDelay         time.Duration // 0: none
	shutdownTimeout    time.Duration
	maxStreamsPerUser  int
	metricsAddr        string
	legacySecret       string    // --legacy-token-secret; never echoed
	legacyUntil        time.Time // --legacy-token-until
	sqliteSynchronous  sqlite.Synchronous
	sqliteNoteCacheMiB int // 0: off
	dbMaxConns         int
	dbTimeout          time.Duration
	hashWorkers        int // 0: GOMAXPROCS
	// The account mails (mail.go).
	smtpURL              string // may hold a password: never echoed
	mailFrom             string
	publicURL            string
	requireVerifiedEmail bool
}

// defaultConfig returns the configuration with every default set.
func defaultConfig() config {
	return config{
		addr:              defaultAddr,
		databaseURL:       defaultDatabaseURL,
		signingAlg:        defaultSigningAlg,
		accessTTL:         defaultAccessTTL,
		refreshTTL:        defaultRefreshTTL,
		issuer:            defaultIssuer,
		audience:          defaultAudience,
		logFormat:         "text",
		loginPerAccount:   defaultLoginPerAccount,
		maxStreamsPerUser: events.DefaultMaxPerUser,
		loginPerIP:        defaultLoginPerIP,
		refreshPerIP:      defaultRefreshPerIP,
		registerPerIP:     defaultRegisterPerIP,
		rateWindow:        defaultRateWindow,
		quotas: httpapi.Quotas{
			NotesPerUser:    httpapi.DefaultNotesPerUser,
			APIKeysPerUser:  httpapi.DefaultAPIKeysPerUser,
			SessionsPerUser: httpapi.DefaultSessionsPerUser,
		},
		retention:          defaultRetention,
		refreshReuse:       defaultRefreshReuseInterval,
		drainDelay:         defaultDrainDelay,
		shutdownTimeout:    defaultShutdownTimeout,
		sqliteSynchronous:  sqlite.SyncFull,
		sqliteNoteCacheMiB: sqlite.DefaultNoteCache >> 20,
		dbTimeout:          defaultDBTimeout,
	}
}

// addStorageFlags defines the per-user quotas and the retention of SPEC §5.
func (c *config) addStorageFlags(fs *flagSet) {
	fs.envVar(positiveIntValue{&c.quotas.NotesPerUser}, "max-notes-per-user",
		"`number` of notes a user may have; past it POST /notes is 409 \"Note limit reached\"")
	fs.envVar(positiveIntValue{&c.quotas.APIKeysPerUser}, "max-api-keys-per-user",
		"`number` of API keys (not revoked) a user may have; past it POST /api-keys is 409 \"API key limit reached\"")
	fs.envVar(positiveIntValue{&c.quotas.SessionsPerUser}, "max-sessions-per-user",
		"`number` of live sessions (API and web) a user may have; a login past it revokes the oldest")
	fs.envVar(positiveIntValue{&c.maxStreamsPerUser}, "max-streams-per-user",
		"`number` of event streams (GET /notes/events) a user may have open at once; past it a new one is 429")
	fs.envVar(durationValue{&c.retention}, "retention",
		"how long revoked or expired sessions and used refresh tokens are kept after they stopped working, a `duration`; "+
			"a janitor deletes them at start and hourly")
	fs.envVar(synchronousValue{&c.sqliteSynchronous}, "sqlite-synchronous",
		"when a SQLite commit reaches the disk: full (every acknowledged write survives a power cut) or "+
			"normal (faster; the last writes before a power cut or an OS crash may be lost, never corrupted)")
	fs.envVar(sizeMiBValue{&c.sqliteNoteCacheMiB}, "sqlite-note-cache",
		"`MiB` of notes a SQLite server keeps in memory, so that a note read again is not read from the file; 0 for none")
	fs.envVar(positiveIntValue{&c.dbMaxConns}, "db-max-conns",
		"`number` of PostgreSQL connections in the pool; default 8 per GOMAXPROCS, at least 16 (SQLite: ignored)")
	fs.envVar(durationValue{&c.dbTimeout}, "db-timeout",
		"deadline of each database call, a `duration`; past it, or while the database is down, full or read-only, "+
			"the request is 503 with Retry-After")
}

// addDatabaseFlags defines --database-url.
func (c *config) addDatabaseFlags(fs *flagSet) {
	fs.envVar(stringValue{&c.databaseURL}, "database-url",
		"database `URL`: sqlite:PATH (the data directory is PATH's directory; one serve per file) or "+
			"postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=… (also postgresql://; several serve processes may share it; "+
			"the data directory is then "+postgresDataDir+"); prefer the env variable when it holds a password")
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

// addSigningAlgFlag defines --signing-alg.
func (c *config) addSigningAlgFlag(fs *flagSet) {
	fs.envVar(signingAlgValue{&c.signingAlg}, "signing-alg",
		"`algorithm` that signs access tokens: HS256 (with the secret key) or EdDSA (with an Ed25519 key generated once into "+
			ed25519FileName+" in the data directory, published at /.well-known/jwks.json); HS256 keys still verify after switching")
}

// addServerFlags defines the flags of serve beyond the database and logs.
func (c *config) addServerFlags(fs *flagSet) {
	fs.envVar(stringValue{&c.addr}, "addr", "`host:port` to listen on (port 0 picks a free one)")
	fs.envVar(stringValue{&c.secretKey}, "secret-key",
		"HS256 signing `secret`, used as raw UTF-8 bytes (at least 32 bytes, not a well-known value; "+
			"prefer the env variable, since flags show in ps). Without it a 256-bit secret is generated once into "+
			"secret.key in the data directory and its 64 hex characters are used as raw bytes the same way, "+
			`so --secret-key "$(cat notesd-data/secret.key)" is equivalent`)
	fs.envVar(stringValue{&c.previousSecretKeys}, "previous-secret-keys",
		"comma-separated older HS256 `secrets` that still verify access tokens but never sign, for key rotation; "+
			"each is raw UTF-8 bytes checked like --secret-key (so none may hold a comma or start or end with a space); "+
			"drop one once --access-ttl has passed since it stopped signing; prefer the env variable")
	c.addSigningAlgFlag(fs)
	fs.envVar(stringValue{&c.redisURL}, "redis-url", "Redis `URL` (redis:// or rediss://) holding the rate limits, shared by every replica; in memory when empty")
	fs.envVar(durationValue{&c.accessTTL}, "access-ttl", "lifetime of access tokens, a `duration`")
	fs.envVar(durationValue{&c.refreshTTL}, "refresh-ttl", "lifetime of refresh tokens and login sessions, a `duration`")
	fs.envVar(offDurationValue{&c.refreshReuse}, "refresh-reuse-interval",
		"how long after a refresh the previous refresh token may be retried (its answer was lost) and get a fresh pair "+
			"instead of revoking the session, a `duration`; 0: never")
	fs.envVar(offDurationValue{&c.drainDelay}, "drain-delay",
		"on SIGTERM, how long /readyz answers 503 while requests are still served, before the listener closes, a `duration`")
	fs.envVar(durationValue{&c.shutdownTimeout}, "shutdown-timeout",
		"after the drain delay, how long in-flight requests may take before they are cut off, a `duration`")
	fs.envVar(stringValue{&c.issuer}, "issuer", "`issuer` (\"iss\" claim) written to and required in access tokens")
	fs.envVar(stringValue{&c.audience}, "audience", "`audience` (\"aud\" claim) written to and required in access tokens")
	fs.envVar(boolValue{&c.secureCookies}, "secure-cookies", "mark web session cookies Secure (serve over HTTPS)")
	fs.envVar(stringValue{&c.debugAddr}, "debug-addr",
		"loopback `host:port` for Go's pprof profiles (/debug/pprof/); off when empty; never expose it")
	c.addQueryAPIKeyFlag(fs)
	fs.envVar(positiveIntValue{&c.loginPerAccount}, "login-limit-per-account",
		"`number` of failed logins per account (e-mail) per rate window; past it even the right password gets 429")
	fs.envVar(positiveIntValue{&c.loginPerIP}, "login-limit-per-ip", "`number` of login attempts per client address per rate window")
	fs.envVar(positiveIntValue{&c.refreshPerIP}, "refresh-limit-per-ip", "`number` of refresh attempts (POST /auth/refresh) per client address per rate window")
	fs.envVar(positiveIntValue{&c.registerPerIP}, "register-limit-per-ip", "`number` of registrations per client address per rate window")
	fs.envVar(durationValue{&c.rateWindow}, "rate-window", "fixed window of the rate limits, a `duration`")
	fs.envVar(positiveIntValue{&c.hashWorkers}, "hash-workers",
		"`number` of password hashes (argon2id, 46 MiB each) computed at once, for logins, registrations and password changes; "+
			"four times as many callers may wait, any further one gets 503; default GOMAXPROCS")
	fs.envVar(prefixListValue{&c.trustedProxies}, "trusted-proxies",
		"comma-separated `CIDRs` or IPs of reverse proxies whose X-Forwarded-For names the client address; none by default")
	fs.envVar(originListValue{&c.corsOrigins}, "cors-origins",
		"comma-separated `origins` (https://app.example.com) allowed to call the API from a browser (CORS); none by default")
	fs.envVar(stringValue{&c.metricsAddr}, "metrics-addr",
		"`host:port` serving Prometheus metrics at /metrics, on a listener of its own; off when empty; keep it private")
	fs.envVar(stringValue{&c.legacySecret}, "legacy-token-secret",
		"the SECRET_KEY of the FastAPI app the users were imported from (notesd import fastapi), a `secret` used as raw UTF-8 bytes: "+
			"its HS256 access tokens (\"sub\" = its user id, \"exp\") are accepted until --legacy-token-until; they cannot be revoked; "+
			"prefer the env variable")
	fs.envVar(timeValue{&c.legacyUntil}, "legacy-token-until",
		"the `time` (RFC 3339, or a date: 2027-01-31 is its midnight UTC) from which the FastAPI app's tokens are refused again; "+
			"required with --legacy-token-secret")
}

// limits returns the rate limits of the flags.
func (c *config) limits() httpapi.Limits {
	return httpapi.Limits{
		Window:          c.rateWindow,
		LoginPerAccount: c.loginPerAccount,
		LoginPerIP:      c.loginPerIP,
		RefreshPerIP:    c.refreshPerIP,
		RegisterPerIP:   c.registerPerIP,
	}
}

// maxHashWorkers bounds --hash-workers: 256 hashes at once already take
// 11.5 GiB.
const maxHashWorkers = 256

// checkServer checks the settings that serve needs beyond their syntax.
func (c *config) checkServer() error {
	switch {
	case c.addr == "":
		return errors.New("--addr is empty")
	case c.issuer == "":
		return errors.New("--issuer is empty")
	case c.audience == "":
		return errors.New("--audience is empty")
	case c.hashWorkers > maxHashWorkers:
		return fmt.Errorf("--hash-workers: %d is more than %d", c.hashWorkers, maxHashWorkers)
	case c.legacySecret == "" && !c.legacyUntil.IsZero():
		return errors.New("--legacy-token-until needs --legacy-token-secret")
	case c.legacySecret != "" && c.legacyUntil.IsZero():
		return errors.New("--legacy-token-secret needs --legacy-token-until: legacy tokens cannot be revoked, so they are accepted only until a date")
	case c.legacySecret != "" && !time.Now().Before(c.legacyUntil):
		return fmt.Errorf("--legacy-token-until %s has passed", c.legacyUntil.Format(time.RFC3339))
	case c.legacySecret != "" && (c.legacySecret == c.secretKey || slices.Contains(strings.Split(c.previousSecretKeys, ","), c.legacySecret)):
		return errors.New("--legacy-token-secret is one of notesd's own signing secrets: give the FastAPI app's")
	}
	return nil
}

// legacy returns the FastAPI app's tokens to accept, on users (nil
// without --legacy-token-secret).
func (c *config) legacy(users accounts.LegacyUsers) *accounts.Legacy {
	if c.legacySecret == "" {
		return nil
	}
	return &accounts.Legacy{Secret: []byte(c.legacySecret), Until: c.legacyUntil, Users: users}
}

// postgresDataDir is the data directory (secret.key, ed25519.key) when the
// database is PostgreSQL, which names no directory of its own.
const postgresDataDir = "./notesd-data"

// database is the parsed --database-url: exactly one of sqlitePath and
// postgresURL is set.
type database struct {
	sqlitePath  string             // SQLite: the database file
	synchronous sqlite.Synchronous // SQLite: --sqlite-synchronous
	noteCache   int                // SQLite: --sqlite-note-cache, in bytes (0: none)
	postgresURL string             // PostgreSQL: the connection URL, scheme in lower case
	maxConns    int                // PostgreSQL: --db-max-conns (0: pgstore.DefaultMaxConns)
}

// maxDBConns bounds --db-max-conns: far more connections than PostgreSQL
// serves well, and within pgx's int32.
const maxDBConns = 10_000

// database parses --database-url. The URL is never echoed in an error: it
// may hold a password.
func (c *config) database() (database, error) {
	if c.dbMaxConns > maxDBConns {
		return database{}, fmt.Errorf("--db-max-conns: %d is more than %d", c.dbMaxConns, maxDBConns)
	}
	u := c.databaseURL
	switch {
	case hasPrefixFold(u, "sqlite:"):
		p := u[len("sqlite:"):]
		if p == "" {
			return database{}, errors.New("--database-url: sqlite: names no file (want sqlite:PATH)")
		}
		return database{sqlitePath: p, synchronous: c.sqliteSynchronous, noteCache: c.sqliteNoteCacheMiB << 20}, nil
	case hasPrefixFold(u, "postgres://"):
		return database{postgresURL: "postgres://" + u[len("postgres://"):], maxConns: c.dbMaxConns}, nil
	case hasPrefixFold(u, "postgresql://"):
		return database{postgresURL: "postgresql://" + u[len("postgresql://"):], maxConns: c.dbMaxConns}, nil
	}
	return database{}, errors.New("--database-url: unsupported database URL (want sqlite:PATH or postgres://…)")
}

// dataDir is the directory of the generated keys: the SQLite file's
// directory, or postgresDataDir.
func (d database) dataDir() string {
	if d.sqlitePath != "" {
		return filepath.Dir(d.sqlitePath)
	}
	return postgresDataDir
}

// String describes the database for logs and output without its password:
// the SQLite path, or postgres://HOST/DB.
func (d database) String() string {
	if d.sqlitePath != "" {
		return d.sqlitePath
	}
	pu, err := url.Parse(d.postgresURL)
	if err != nil {
		return "postgres"
	}
	return (&url.URL{Scheme: pu.Scheme, Host: pu.Host, Path: pu.Path}).String()
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// store is what the commands need of a storage engine: the notes store,
// the accounts store beside it, and the schema migrations. *sqlite.DB and
// *postgres.DB are one.
type store interface {
	notes.Store
	accounts.LegacyUsers
	accounts.Users
	accounts.Sessions
	accounts.WebSessions
	accounts.APIKeys
	accounts.Tokens
	accounts.Purger
	// Stores are the accounts stores, one per capability.
	Stores() accounts.Stores
	// Ping checks that the database can commit a write.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
	// CreateAPIKeyFor creates a key of the user the operator named.
	CreateAPIKeyFor(ctx context.Context, userID int64, k accounts.NewAPIKey) (accounts.APIKey, error)
	Migrate(ctx context.Context) error
	Version(ctx context.Context) (int, error)
}

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// openStore opens the database of d and migrates it.
func (d database) openStore(ctx context.Context) (store, error) { return d.open(ctx, false) }

// openServerStore is openStore for serve: a SQLite file is claimed first
// (sqlite.OpenLocked), so a second server of the same file, whatever path
// names it, is refused before it migrates or reads anything.
func (d database) openServerStore(ctx context.Context) (store, error) {
	return d.open(ctx, true)
}

// open opens the database of d, a SQLite file claimed when lock is set
// (sqlite.OpenLocked), and migrates it.
func (d database) open(ctx context.Context, lock bool) (store, error) {
	var (
		db  store
		err error
	)
	if d.sqlitePath != "" {
		o := sqlite.Options{Synchronous: d.synchronous, Lock: lock, NoteCache: d.noteCache}
		if d.noteCache == 0 {
			o.NoteCache = -1 // none
		}
		db, err = sqlite.OpenWith(ctx, d.sqlitePath, o)
	} else {
		n := int32(d.maxConns)
		if n == 0 {
			n = pgstore.DefaultMaxConns(runtime.GOMAXPROCS(0))
		}
		db, err = postgres.OpenWith(ctx, d.postgresURL, pgstore.Options{MaxConns: n})
	}
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

// guarded is the database under the deadline of --db-timeout.
type guarded struct {
	accounts accounts.Stores
	notes    notes.Store
	legacy   accounts.LegacyUsers
	ping     func(ctx context.Context) error
}

// legacyUsers is a store's LegacyUser under a deadline.
type legacyUsers struct {
	db accounts.LegacyUsers
	dl accounts.Deadline
}

func (l legacyUsers) LegacyUser(ctx context.Context, oldID int64) (accounts.User, error) {
	return accounts.Call(ctx, l.dl, "LegacyUser", func(ctx context.Context) (accounts.User, error) {
		return l.db.LegacyUser(ctx, oldID)
	})
}

// withDeadline returns db with the deadline of --db-timeout on every call
// and the engine's errors that mean "unavailable" marked
// accounts.ErrUnavailable (SPEC §5 Deadlines).
func (d database) withDeadline(db store, timeout time.Duration, observe func(op string, d time.Duration)) guarded {
	dl := accounts.Deadline{Timeout: timeout, Classify: postgres.MapUnavailable, Observe: observe}
	if d.sqlitePath != "" {
		dl.Classify = sqlite.MapUnavailable
	}
	ping := func(ctx context.Context) error { return accounts.Do(ctx, dl, "Ping", db.Ping) }
	return guarded{accounts: accounts.WithDeadline(db.Stores(), dl), notes: notes.WithDeadline(db, dl),
		legacy: legacyUsers{db: db, dl: dl}, ping: ping}
}

// openStore opens the database of --database-url and migrates it.
func (c *config) openStore(ctx context.Context) (store, error) {
	d, err := c.database()
	if err != nil {
		return nil, err
	}
	return d.openStore(ctx)
}

// newLogger returns the logger of --log-format, writing to w at level info.
// Its handler writes the bytes of slog's text or JSON handler, at about
// half their CPU cost per request line (internal/logline); each line is
// written before the response goes out, in one Write with the lines
// logged at the same time.
func (c *config) newLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if c.logFormat == "json" {
		return slog.New(logline.NewJSON(w, opts))
	}
	return slog.New(logline.NewText(w, opts))
}
