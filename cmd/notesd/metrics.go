package main

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/gatehouse-dev/gatehouse/internal/events"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// metrics are notesd's Prometheus metrics (SPEC §8), in a registry of
// their own: nothing is registered globally.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	limited  *prometheus.CounterVec
	hashWait prometheus.Histogram
	dbCalls  *prometheus.HistogramVec
}

var _ httpapi.Metrics = (*metrics)(nil)

// newMetrics returns the metrics with the Go runtime's and the process's
// collectors registered.
func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "notesd_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern (\"unmatched\" when no route matched), method and status; its _count counts requests.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "notesd_logins_total",
			Help: "Password checks of logins (API and web UI), by outcome: success, bad_credentials, inactive, limited, invalid, busy, error.",
		}, []string{"outcome"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "notesd_rate_limited_total",
			Help: "Attempts refused by a rate limit (429), by rule: login-account, login-ip, refresh-ip, register-ip.",
		}, []string{"rule"}),
		hashWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "notesd_hash_wait_seconds",
			Help:    "Time a password hash or verification waited for a worker of the hash pool.",
			Buckets: []float64{0, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		dbCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "notesd_db_call_duration_seconds",
			Help:    "Time of a storage call made while answering requests, by operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}, []string{"op"}),
	}
	m.reg.MustRegister(m.requests, m.logins, m.limited, m.hashWait, m.dbCalls,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Request implements httpapi.Metrics.
func (m *metrics) Request(r *http.Request, status int, elapsed time.Duration) {
	route := "unmatched"
	if r.Pattern != "" {
		_, path, ok := strings.Cut(r.Pattern, " ")
		if !ok {
			path = r.Pattern
		}
		route = path
	}
	m.requests.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(status)).Observe(elapsed.Seconds())
}

// Login implements httpapi.Metrics.
func (m *metrics) Login(outcome string) { m.logins.WithLabelValues(outcome).Inc() }

// Limited implements httpapi.Metrics.
func (m *metrics) Limited(rule string) { m.limited.WithLabelValues(rule).Inc() }

// hashWaited observes one wait of the hash pool (auth.HasherConfig.ObserveWait).
func (m *metrics) hashWaited(d time.Duration) { m.hashWait.Observe(d.Seconds()) }

// dbCall observes one storage call (notes.WithDeadline).
func (m *metrics) dbCall(op string, d time.Duration) {
	m.dbCalls.WithLabelValues(op).Observe(d.Seconds())
}

// methodLabel bounds the method label: a client chooses the method, so
// anything but the standard ones is "other".
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// watchHasher registers the hash pool's gauges.
func (m *metrics) watchHasher(h *auth.Hasher) {
	gauge := func(name, help string, v func(auth.HasherStats) int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return float64(v(h.Stats())) })
	}
	m.reg.MustRegister(
		gauge("notesd_hash_workers", "Workers of the password hash pool.", func(s auth.HasherStats) int { return s.Workers }),
		gauge("notesd_hash_running", "Password hashes running now.", func(s auth.HasherStats) int { return s.Running }),
		gauge("notesd_hash_queued", "Password hashes waiting for a worker now.", func(s auth.HasherStats) int { return s.Queued }),
		gauge("notesd_hash_queue_capacity", "Password hashes that may wait; past it a login is refused at once.", func(s auth.HasherStats) int { return s.Queue }),
	)
}

// watchStore registers the database pool's metrics and, for SQLite, the
// auth cache's and the note cache's.
func (m *metrics) watchStore(db store) {
	switch db := db.(type) {
	case *sqlite.DB:
		m.reg.MustRegister(newPoolCollector(func() []poolStat {
			w, r := db.PoolStats()
			return []poolStat{sqlPoolStat("sqlite-writer", w), sqlPoolStat("sqlite-reader", r)}
		}))
		counter := func(name, help string, n func() uint64) prometheus.Collector {
			return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
				func() float64 { return float64(n()) })
		}
		m.reg.MustRegister(
			counter("notesd_auth_cache_hits_total", "Session and API-key lookups answered from the SQLite store's auth cache.",
				func() uint64 { return db.CacheStats().Hits }),
			counter("notesd_auth_cache_misses_total", "Session and API-key lookups the SQLite store's auth cache passed to the database.",
				func() uint64 { return db.CacheStats().Misses }),
			counter("notesd_note_cache_hits_total", "Note reads (GET /notes/{id}) answered from the SQLite store's note cache.",
				func() uint64 { return db.NoteCacheStats().Hits }),
			counter("notesd_note_cache_misses_total", "Note reads (GET /notes/{id}) the SQLite store's note cache passed to the database.",
				func() uint64 { return db.NoteCacheStats().Misses }),
		)
	case *postgres.DB:
		m.reg.MustRegister(newPoolCollector(func() []poolStat {
			s := db.PoolStats()
			return []poolStat{{
				pool: "postgres", inUse: int(s.AcquiredConns()), idle: int(s.IdleConns()),
				max: int(s.MaxConns()), waits: s.EmptyAcquireCount(), waited: s.EmptyAcquireWaitTime(),
			}}
		}))
	}
}

// poolStat is one connection pool's state.
type poolStat struct {
	pool             string
	inUse, idle, max int
	waits            int64         // acquisitions that had to wait
	waited           time.Duration // their total wait
}

// sqlPoolStat is the poolStat of a database/sql pool.
func sqlPoolStat(pool string, s sql.DBStats) poolStat {
	return poolStat{
		pool: pool, inUse: s.InUse, idle: s.Idle,
		max: s.MaxOpenConnections, waits: s.WaitCount, waited: s.WaitDuration,
	}
}

// poolCollector reports the connection pools of stats at each scrape.
type poolCollector struct {
	stats                     func() []poolStat
	conns, max, waits, waited *prometheus.Desc
}

// newPoolCollector returns the collector of the pools stats returns.
func newPoolCollector(stats func() []poolStat) poolCollector {
	return poolCollector{
		stats:  stats,
		conns:  prometheus.NewDesc("notesd_db_pool_connections", "Open connections of a database pool, by state (in_use, idle).", []string{"pool", "state"}, nil),
		max:    prometheus.NewDesc("notesd_db_pool_max_connections", "Most connections a database pool may open (0: no limit).", []string{"pool"}, nil),
		waits:  prometheus.NewDesc("notesd_db_pool_waits_total", "Connection acquisitions that waited for a free connection.", []string{"pool"}, nil),
		waited: prometheus.NewDesc("notesd_db_pool_wait_seconds_total", "Total time spent waiting for a free connection.", []string{"pool"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.conns
	ch <- c.max
	ch <- c.waits
	ch <- c.waited
}

// Collect implements prometheus.Collector.
func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.inUse), s.pool, "in_use")
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.idle), s.pool, "idle")
		ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.max), s.pool)
		ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.waits), s.pool)
		ch <- prometheus.MustNewConstMetric(c.waited, prometheus.CounterValue, s.waited.Seconds(), s.pool)
	}
}

// serveMetrics serves /metrics on addr, on a listener of its own (never
// the API's), until the returned func stops it. It prints the address.
func serveMetrics(ctx context.Context, addr string, m *metrics, c cli, logger *slog.Logger) (func(), error) {
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(logger.Handler(), slog.LevelError),
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("metrics listening", "addr", ln.Addr().String())
	fmt.Fprintf(c.stdout, "metrics at http://%s/metrics\n", displayAddr(ln.Addr()))
	return func() { _ = srv.Close() }, nil
}

// The methods below are what serve wires in; on a nil *metrics (no
// --metrics-addr) each returns what measures nothing.

// newMetrics returns the metrics of --metrics-addr, or nil when it is empty.
func (c *config) newMetrics() *metrics {
	if c.metricsAddr == "" {
		return nil
	}
	return newMetrics()
}

// hashObserver is the auth.HasherConfig.ObserveWait of m.
func (m *metrics) hashObserver() func(time.Duration) {
	if m == nil {
		return nil
	}
	return m.hashWaited
}

// api is the httpapi.Config.Metrics of m.
func (m *metrics) api() httpapi.Metrics {
	if m == nil {
		return nil
	}
	return m
}

// dbObserver is the storage call observer of notes.WithDeadline: nil
// without metrics.
func (m *metrics) dbObserver() func(op string, d time.Duration) {
	if m == nil {
		return nil
	}
	return m.dbCall
}

// serve registers the gauges of h, db and the event streams of hub and
// serves /metrics on addr; it returns the func that stops it.
func (m *metrics) serve(ctx context.Context, addr string, h *auth.Hasher, db store, hub *events.Hub, c cli, logger *slog.Logger) (func(), error) {
	if m == nil {
		return func() {}, nil
	}
	m.watchHasher(h)
	m.watchStore(db)
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "notesd_event_streams_open", Help: "Event streams (GET /notes/events) open now on this replica.",
	}, func() float64 { return float64(hub.Open()) }))
	return serveMetrics(ctx, addr, m, c, logger)
}
