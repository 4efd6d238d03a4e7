package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/janitor"
)

// Server limits (DESIGN Habits 9).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// serveHeader starts the help of serve.
const serveHeader = overview + `
notesd serve [flags]

Serves the HTTP API until interrupted, then shuts down gracefully.
`

// runServe runs "notesd serve".
func runServe(ctx context.Context, args []string, c cli) error {
	cfg := defaultConfig()
	fs := newFlagSet("serve", serveHeader, c.stderr)
	cfg.addServerFlags(fs)
	cfg.addDatabaseFlags(fs)
	cfg.addLogFlags(fs)
	cfg.addStorageFlags(fs)
	cfg.addMailFlags(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	if err := cfg.checkServer(); err != nil {
		return err
	}
	if err := cfg.checkMail(); err != nil {
		return err
	}
	return serve(ctx, &cfg, c)
}

// serve runs the server of cfg until ctx ends.
func serve(ctx context.Context, cfg *config, c cli) (err error) {
	// Write-through: a line is written as it is logged (lines logged at
	// the same time share one write(2), internal/logline), so a request's
	// line is out before its answer is (gatehouse logs it before the
	// handler returns), and a kill loses or tears none.
	logger := cfg.newLogger(c.stderr)
	if c.libraryLog != nil {
		c.libraryLog.use(logger) // go-redis's lines, in the same format
	}
	dbase, err := cfg.database()
	if err != nil {
		return err
	}
	keyring, err := cfg.serverKeyring(dbase.dataDir(), logger)
	if err != nil {
		return err
	}
	for _, p := range cfg.trustedProxies {
		if p.Bits() == 0 {
			logger.Warn("--trusted-proxies trusts every address: any client can choose the address its rate limits count against",
				"prefix", p.String())
		}
	}

	// The SQLite store caches sessions and keys; it must be this file's
	// only server, so it is opened locked. The PostgreSQL store has no
	// cache (every lookup asks the database), so any number of replicas
	// may serve one database.
	db, err := dbase.openServerStore(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	m := cfg.newMetrics() // nil without --metrics-addr
	guarded := dbase.withDeadline(db, cfg.dbTimeout, m.dbObserver())

	limits := cfg.limits()
	var redisDegraded func() bool
	if cfg.redisURL != "" {
		counter, closeRedis, err := openRedis(ctx, cfg.redisURL, cfg.rateWindow, logger)
		if err != nil {
			return err
		}
		defer closeRedis()
		limits.Counter = counter
		redisDegraded = counter.Degraded
	}
	var draining atomic.Bool
	var upgraded upgrades
	readiness := []httpapi.Readiness{httpapi.Draining(draining.Load)}
	if redisDegraded != nil {
		readiness = append(readiness, httpapi.RedisState(redisDegraded))
	}
	reuse := cfg.refreshReuse
	if reuse == 0 {
		reuse = -1 // off
	}

	hub, publish, stopStreams, err := openStreams(ctx, db, cfg.maxStreamsPerUser, logger)
	if err != nil {
		return err
	}
	defer stopStreams()

	hasher := auth.NewHasher(auth.HasherConfig{Workers: cfg.hashWorkers, ObserveWait: m.hashObserver()})
	mailq, err := cfg.newMail(dbase.dataDir(), logger)
	if err != nil {
		return err
	}
	api, err := httpapi.New(httpapi.Config{
		Streams:          hub,
		Events:           publish,
		Accounts:         guarded.accounts,
		Notes:            guarded.notes,
		Ping:             guarded.ping,
		Keyring:          keyring,
		Hasher:           hasher,
		AccessTTL:        cfg.accessTTL,
		RefreshTTL:       cfg.refreshTTL,
		AllowQueryAPIKey: cfg.allowQueryAPIKey,
		SecureCookies:    cfg.secureCookies,
		Logger:           logger,
		Limits:           limits,
		TrustedProxies:   cfg.trustedProxies,
		CORSOrigins:      cfg.corsOrigins,
		Quotas:           cfg.quotas,
		Readiness:        readiness,
		Mail:             mailq,

		RequireVerifiedEmail: cfg.requireVerifiedEmail,

		RefreshReuseInterval: reuse,
		Metrics:              m.api(),
		Legacy:               cfg.legacy(guarded.legacy),
	})
	if err != nil {
		return err
	}
	if cfg.legacySecret != "" {
		logger.Warn("accepting the FastAPI app's access tokens (--legacy-token-secret): they cannot be revoked",
			"until", cfg.legacyUntil.Format(time.RFC3339))
	}

	// The retention janitor; stopped (and waited for) before the store
	// closes, since deferred calls run last first.
	jctx, stopJanitor := context.WithCancel(ctx)
	janitorDone := make(chan struct{})
	go func() {
		defer close(janitorDone)
		janitor.Run(jctx, janitor.Config{Store: guarded.accounts.Purger, Retention: cfg.retention, Logger: logger})
	}()
	defer func() {
		stopJanitor()
		<-janitorDone
	}()
	// The account mails' queue, stopped (and waited for) the same way.
	mctx, stopMail := context.WithCancel(ctx)
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		mailq.Run(mctx)
	}()
	defer func() {
		stopMail()
		<-mailDone
	}()

	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           drainable(api, &draining, &upgraded),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	srv.RegisterOnShutdown(hub.Close) // open event streams end as the server drains
	stopMetrics, err := m.serve(ctx, cfg.metricsAddr, hasher, db, hub, c, logger)
	if err != nil {
		return errors.Join(err, ln.Close())
	}
	defer stopMetrics()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if cfg.debugAddr != "" {
		stop, err := serveDebug(ctx, cfg.debugAddr, logger)
		if err != nil {
			return errors.Join(err, srv.Close())
		}
		defer stop()
	}

	addr := displayAddr(ln.Addr())
	logger.Info("notesd listening", "addr", ln.Addr().String(), "database", dbase.String(),
		"docs", "http://"+addr+"/docs")
	if cfg.logFormat == "text" {
		// For a person at a terminal; with --log-format json the line
		// above says the same, and stdout stays free of plain lines.
		fmt.Fprintf(c.stdout, "notesd listening on http://%s\n", addr)
		fmt.Fprintf(c.stdout, "API docs at http://%s/docs\n", addr)
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return drain(ctx, srv, served, &upgraded, &draining, cfg.drainDelay, cfg.shutdownTimeout, logger)
}

// drain shuts srv down (SPEC §8): /readyz answers 503 and every answer
// closes its connection for drainDelay while requests are still served,
// so load balancers and keep-alive clients move away without a reset;
// then the listener closes and in-flight requests get up to timeout,
// WebSockets included (Shutdown does not wait for hijacked connections:
// drain waits for up, the handlers that send the close frame and wait for
// the client's). Requests still running then are cut off and logged; that
// is not an error of serve, which returns nil (exit 0).
func drain(ctx context.Context, srv *http.Server, served <-chan error, up *upgrades, draining *atomic.Bool,
	drainDelay, timeout time.Duration, logger *slog.Logger) error {
	draining.Store(true)
	logger.Info("shutting down: draining", "drain_delay", drainDelay.String(), "shutdown_timeout", timeout.String())
	select {
	case <-time.After(drainDelay):
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("shutting down: listener closed, waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("shutdown timeout: cutting off requests still running", "shutdown_timeout", timeout.String(), "error", err)
		if err := srv.Close(); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if err := up.wait(sctx); err != nil {
		logger.Warn("shutdown timeout: cutting off WebSockets still closing", "shutdown_timeout", timeout.String(), "error", err)
	}
	logger.Info("stopped")
	return nil
}

// drainable is h that, while draining, asks each client to close its
// connection after the answer (Connection: close), so no keep-alive
// connection is still idle, and reused, when the listener closes; and
// that counts in up the requests asking for an upgrade while they run.
func drainable(h http.Handler, draining *atomic.Bool, up *upgrades) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		if _, ok := r.Header["Upgrade"]; ok {
			up.running.Add(1)
			defer up.running.Add(-1)
		}
		h.ServeHTTP(w, r)
	})
}

// upgrades counts the handlers of upgrade requests (GET /notes/ws) still
// running. Their connections are hijacked, and http.Server.Shutdown
// neither closes nor waits for those: drain waits here instead, so that a
// WebSocket's handler can send its close frame (1001), hear the client's
// and log its request before the process exits. Only upgrade requests
// are counted: the others Shutdown waits for, and they pay nothing here.
type upgrades struct {
	running atomic.Int64
}

// wait returns once no upgrade handler runs, or ctx's error first.
func (u *upgrades) wait(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for u.running.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// displayAddr is the host:port to print for a listener: "localhost" for an
// unspecified IP (0.0.0.0, ::), which is not a useful address to browse to.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("localhost", fmt.Sprint(tcp.Port))
}
