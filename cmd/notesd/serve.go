package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
	shutdownTimeout   = 10 * time.Second
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
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	if err := cfg.checkServer(); err != nil {
		return err
	}
	return serve(ctx, &cfg, c)
}

// serve runs the server of cfg until ctx ends.
func serve(ctx context.Context, cfg *config, c cli) (err error) {
	logs := newBufferedLog(c.stderr, 200*time.Millisecond)
	defer func() { err = errors.Join(err, logs.Close()) }()
	logger := cfg.newLogger(logs)
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
	guarded := dbase.withDeadline(db, cfg.dbTimeout)

	limits := cfg.limits()
	if cfg.redisURL != "" {
		counter, closeRedis, err := openRedis(ctx, cfg.redisURL, cfg.rateWindow, logger)
		if err != nil {
			return err
		}
		defer closeRedis()
		limits.Counter = counter
	}

	api, err := httpapi.New(httpapi.Config{
		Store:            guarded,
		Keyring:          keyring,
		Hasher:           auth.NewHasher(auth.HasherConfig{}),
		AccessTTL:        cfg.accessTTL,
		RefreshTTL:       cfg.refreshTTL,
		AllowQueryAPIKey: cfg.allowQueryAPIKey,
		SecureCookies:    cfg.secureCookies,
		Logger:           logger,
		Limits:           limits,
		TrustedProxies:   cfg.trustedProxies,
		CORSOrigins:      cfg.corsOrigins,
		Quotas:           cfg.quotas,
	})
	if err != nil {
		return err
	}

	// The retention janitor; stopped (and waited for) before the store
	// closes, since deferred calls run last first.
	jctx, stopJanitor := context.WithCancel(ctx)
	janitorDone := make(chan struct{})
	go func() {
		defer close(janitorDone)
		janitor.Run(jctx, janitor.Config{Store: guarded, Retention: cfg.retention, Logger: logger})
	}()
	defer func() {
		stopJanitor()
		<-janitorDone
	}()

	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
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
	logger.Info("notesd listening", "addr", ln.Addr().String(), "database", dbase.String())
	fmt.Fprintf(c.stdout, "notesd listening on http://%s\n", addr)
	fmt.Fprintf(c.stdout, "API docs at http://%s/docs\n", addr)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return errors.Join(fmt.Errorf("shutdown: %w", err), srv.Close())
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
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
