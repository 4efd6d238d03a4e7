package gatehouse

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Options configure an API.
type Options struct {
	// Logger receives request logs and the errors behind 500s; default slog.Default().
	Logger *slog.Logger
	// MapError maps application errors (domain sentinels) to problems; it
	// returns nil for errors it does not know, which become a 500.
	MapError func(error) *problem.Details
	// BodyLimit caps every request body, dep.JSON's included (it answers
	// 413 beyond it, and the OpenAPI document states it); default
	// dep.DefaultBodyLimit (1 MiB).
	BodyLimit int64
	// Errors renders error answers in the application's own shape (see
	// FastAPIErrors); default RFC 9457 problems.
	Errors *ErrorFormat
	// CORSOrigins are the origins ("https://app.example.com") whose
	// browser scripts may call the API. None by default: no CORS headers
	// are sent and preflight requests are answered 405. Cookies are never
	// allowed cross-origin.
	CORSOrigins []string
	// ClientIP tells the client's address for the request log line (ip);
	// default the connection's peer. An application behind trusted
	// proxies passes its own (notesd reads X-Forwarded-For from them only).
	ClientIP func(*http.Request) string
	// Observe, when set, is called once per answered request with the
	// request (r.Pattern is the matched route pattern, "" when none
	// matched), the status sent and how long the answer took: for metrics.
	// It runs on the request's goroutine, so it must be quick.
	Observe func(r *http.Request, status int, elapsed time.Duration)
}

// Route is one registered route and what protects it.
type Route struct {
	Method   string        // "GET"; "" for any
	Path     string        // "/notes/{id}"
	Public   string        // the reason given to Public, if any
	Security auth.Security // read from the dependency graph
	Endpoint *dep.Endpoint // nil for a plain http.Handler
	Doc      Doc           // documentation given with options
	// BodyLimit is the most bytes of a request body the route reads
	// (Options.BodyLimit).
	BodyLimit int64

	onError dep.ErrorWriter // set by Errors; nil: the API's WriteError
}

// Doc is a route's documentation.
type Doc struct {
	// Summary is the operation's one line; when empty, documentation
	// derives one from the handler's name (getNote: "Get note").
	Summary     string
	Description string
	Tags        []string
	OperationID string
	// Hidden leaves the route out of the OpenAPI document (see Hidden).
	Hidden bool
	// Responds are answers the handler itself gives (409, 429…), beyond
	// those the dependency graph shows; documentation lists them.
	Responds []Answer
	// RequestExample and ResponseExample are example values of the
	// request body's Go type and of the success answer's body type, for
	// documentation (nil: none).
	RequestExample, ResponseExample any
}

// Answer is one documented error answer of a handler.
type Answer struct {
	Status      int
	Description string
}

// Option configures one route.
type Option func(*Route)

// Public marks a route as deliberately open to anyone, saying why.
func Public(why string) Option { return func(r *Route) { r.Public = why } }

// Summary sets the route's one-line summary; without it, documentation
// derives one from the handler's name.
func Summary(s string) Option { return func(r *Route) { r.Doc.Summary = s } }

// RequestExample documents an example request body: a value of the type
// the route's body dependency reads (dep.JSON's T, auth.PasswordRequest
// for the password form). OpenAPI refuses one of another type.
func RequestExample(v any) Option { return func(r *Route) { r.Doc.RequestExample = v } }

// ResponseExample documents an example body of the route's success
// answer: a value of the handler's result type (T for dep.Created[T] and
// dep.Response[T]). OpenAPI refuses one of another type.
func ResponseExample(v any) Option { return func(r *Route) { r.Doc.ResponseExample = v } }

// Description sets the route's longer description.
func Description(s string) Option { return func(r *Route) { r.Doc.Description = s } }

// Tags sets the route's tags.
func Tags(tags ...string) Option { return func(r *Route) { r.Doc.Tags = tags } }

// Responds documents an error answer the handler gives itself, such as
// 409 on a conflict or 429 from a rate limit: answers that the dependency
// graph cannot show.
func Responds(status int, description string) Option {
	return func(r *Route) { r.Doc.Responds = append(r.Doc.Responds, Answer{status, description}) }
}

// Hidden leaves the route out of the OpenAPI document, though not out of
// the route table: for HTML pages, which no API client calls.
func Hidden() Option { return func(r *Route) { r.Doc.Hidden = true } }

// Errors makes ew write the errors of the route's endpoint instead of the
// API's problem writer: for HTML pages, which answer a missing session
// with a redirect and a missing note with a page, not with JSON.
func Errors(ew dep.ErrorWriter) Option { return func(r *Route) { r.onError = ew } }

// OperationID sets the route's operationId.
func OperationID(id string) Option { return func(r *Route) { r.Doc.OperationID = id } }

// API routes requests to registered handlers. Build it with New, register
// every route with Handle, then serve it.
type API struct {
	mux    *http.ServeMux
	routes []Route
	opts   Options
	ids    *requestIDs
	logPC  uintptr // the source request lines carry (requestLineSite)
}

// New returns an empty API.
func New(opts Options) *API {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.BodyLimit == 0 {
		opts.BodyLimit = dep.DefaultBodyLimit
	}
	if opts.ClientIP == nil {
		opts.ClientIP = peerIP
	}
	return &API{mux: http.NewServeMux(), opts: opts, ids: newRequestIDs(), logPC: requestLineSite()}
}

// requestLineSite is the program counter request lines carry, so that a
// logger with AddSource names this function's file and line: found once,
// where Logger.LogAttrs would look it up for every line.
func requestLineSite() uintptr {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:]) // this function
	return pcs[0]
}

// Handle registers h for pattern ("GET /notes/{id}"). h is normally a
// *dep.Endpoint, whose graph says how the route is protected; a route
// whose graph requires no credential must say Public("why"), or Handle
// panics; so does a Public route whose graph asks for an owner (OwnerOf)
// or a role (RequireRole, RequireAdmin), which only an authenticated
// principal can have. Errors of an endpoint are written by the API's error
// writer. Every answer of a route whose graph reads a credential (Optional ones
// too) has Cache-Control: no-store, errors included: a handler may send a
// policy of its own only if it says no-store as well.
func (a *API) Handle(pattern string, h http.Handler, opts ...Option) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	rt := Route{Method: method, Path: path, BodyLimit: a.opts.BodyLimit}
	for _, o := range opts {
		o(&rt)
	}
	if e, ok := h.(*dep.Endpoint); ok {
		rt.Endpoint = e
		rt.Security = auth.Describe(e.Inputs())
		if rt.onError != nil {
			h = e.WithErrors(rt.onError)
		} else {
			h = e.WithErrors(a.WriteError)
		}
	}
	if len(rt.Security.Requirements) == 0 && rt.Public == "" {
		panic(fmt.Sprintf("gatehouse: route %q declares no protection: add an auth dependency or gatehouse.Public(\"why\")", pattern))
	}
	if rt.Public != "" && (rt.Security.OwnerScoped || len(rt.Security.Roles) > 0) {
		panic(fmt.Sprintf("gatehouse: route %q is Public yet asks for an owner or a role: only an authenticated principal has one", pattern))
	}
	if len(rt.Security.Requirements) > 0 {
		h = personal(h)
	}
	a.routes = append(a.routes, rt)
	a.mux.Handle(pattern, routed(h))
}

// ErrorFormat returns the format of the API's error answers (nil: problems).
func (a *API) ErrorFormat() *ErrorFormat { return a.opts.Errors }

// Logger returns the API's logger.
func (a *API) Logger() *slog.Logger { return a.opts.Logger }

// Routes returns the registered routes sorted by path, then method.
func (a *API) Routes() []Route {
	rs := slices.Clone(a.routes)
	slices.SortStableFunc(rs, func(x, y Route) int {
		return cmp.Or(strings.Compare(x.Path, y.Path), strings.Compare(x.Method, y.Method))
	})
	return rs
}

// WriteRoutes prints the route table: method, path, accepted credentials,
// checks and whether data access is owner-scoped.
func (a *API) WriteRoutes(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATH\tCREDENTIALS\tCHECKS\tOWNER-SCOPED")
	for _, r := range a.Routes() {
		creds := r.Security.String()
		if r.Public != "" && len(r.Security.Requirements) == 0 {
			creds = "public (" + r.Public + ")"
		}
		owner := "no"
		if r.Security.OwnerScoped {
			owner = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cmp.Or(r.Method, "*"), r.Path, creds, checks(r.Security), owner)
	}
	return tw.Flush()
}

func checks(s auth.Security) string {
	var parts []string
	if s.Active {
		parts = append(parts, "active")
	}
	for _, r := range s.Roles {
		parts = append(parts, "role="+r)
	}
	if len(s.Scopes) > 0 {
		parts = append(parts, "scopes="+strings.Join(s.Scopes, ","))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// WriteError writes err as a problem: a *problem.Details as is, an error
// the MapError option knows as it maps it (a 5xx with its cause logged as
// a warning), anything else as a generic 500 whose cause is logged (never
// sent).
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Details
	if errors.As(err, &p) {
		a.opts.Errors.write(w, r, p)
		return
	}
	if a.opts.MapError != nil {
		if p := a.opts.MapError(err); p != nil {
			if p.Status >= http.StatusInternalServerError {
				// A mapped server-side failure (503: a service is
				// unavailable): its cause is logged, never sent.
				a.opts.Logger.LogAttrs(r.Context(), slog.LevelWarn, "request failed: "+strings.ToLower(http.StatusText(p.Status)),
					slog.String("request_id", RequestID(r)), slog.String("method", r.Method),
					slog.String("pattern", r.Pattern), slog.Int("status", p.Status), slog.String("error", err.Error()))
			}
			a.opts.Errors.write(w, r, p)
			return
		}
	}
	a.opts.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed", append(dep.RequestLogAttrs(r.Context()),
		slog.String("method", r.Method), slog.String("route", r.Pattern), slog.String("error", err.Error()))...)
	a.opts.Errors.write(w, r, problem.Internal())
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	x := &exchange{rw: responseWriter{ResponseWriter: w, status: http.StatusOK}}
	rw, la, vals := &x.rw, &x.la, &x.vals
	h := rw.Header()
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = a.ids.next()
	}
	ctx := dep.WithLogAttrs(withRequestID(r.Context(), id), la)
	dep.AddLogAttrs(ctx, slog.String("request_id", id), slog.String("ip", a.opts.ClientIP(r)))
	// One array per response for the fixed values and the request id: a
	// handler that writes into a header value changes its own response only.
	for i, f := range securityHeaders {
		vals[i] = f.value
		h[f.key] = vals[i : i+1 : i+1]
	}
	vals[len(securityHeaders)] = id
	h["X-Request-Id"] = vals[len(securityHeaders):]
	if a.cors(rw, r) {
		a.log(r.WithContext(ctx), la, rw, start)
		return
	}
	if r.Body != nil && r.Body != http.NoBody && a.opts.BodyLimit != dep.DefaultBodyLimit {
		ctx = dep.WithBodyLimit(ctx, a.opts.BodyLimit) // dep.JSON reads up to it
	}
	r = r.WithContext(ctx)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(rw, r.Body, a.opts.BodyLimit)
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a.opts.Logger.LogAttrs(r.Context(), slog.LevelError, "panic", append(la.Attrs(),
				slog.String("method", r.Method), slog.String("route", r.Pattern), slog.Any("panic", v))...)
			if !rw.wrote {
				a.opts.Errors.write(rw, r, problem.Internal())
			}
		}
		a.log(r, la, rw, start)
	}()
	a.mux.ServeHTTP(rw, r)
	if !rw.routed && rw.held != 0 {
		rw.release(a.opts.Errors, r)
	}
}

// exchange is what ServeHTTP keeps for one request, in one allocation:
// the response writer, the log line's attributes and the values of the
// headers every response gets.
type exchange struct {
	rw   responseWriter
	la   dep.LogAttrs
	vals [len(securityHeaders) + 1]string
}

// securityHeaders go on every response (keys canonical). JSON needs no
// resources: pages that do set their own Content-Security-Policy.
var securityHeaders = [...]struct{ key, value string }{
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
}

// cors adds the CORS headers for an allowed origin and answers its
// preflight requests (reporting true when it did).
func (a *API) cors(w *responseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(a.opts.CORSOrigins, origin) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, Retry-After, X-Request-Id")
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// log writes the request line: the request's log attributes (request
// id, client IP, the user once known), method, route pattern, status,
// bytes and duration in ms. Never the path's query (it may hold
// credentials), and not the path either, which may hold what a route
// takes as a parameter: the pattern says which route it was.
func (a *API) log(r *http.Request, la *dep.LogAttrs, rw *responseWriter, start time.Time) {
	now := time.Now()
	elapsed := now.Sub(start)
	if a.opts.Observe != nil {
		a.opts.Observe(r, rw.status, elapsed)
	}
	// The record goes to the handler directly: Logger.LogAttrs would also
	// look up its caller for the source attribute, always this function;
	// a.logPC was found once instead.
	h := a.opts.Logger.Handler()
	if !h.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	var buf [12]slog.Attr // the usual line's attributes, on the stack
	attrs := append(la.AppendAttrs(buf[:0]),
		slog.String("method", r.Method),
		slog.String("route", r.Pattern),
		slog.Int("status", rw.status),
		slog.Int64("bytes", rw.bytes),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
	rec := slog.NewRecord(now, slog.LevelInfo, "request", a.logPC)
	rec.AddAttrs(attrs...)
	_ = h.Handle(r.Context(), rec) // as Logger.LogAttrs: a failed write is not the request's
}

// peerIP is the connection's peer address without its port.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// validRequestID reports whether an incoming X-Request-Id is kept: 1–64
// characters of [A-Za-z0-9._-] (anything else could forge or break log
// lines).
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// routed marks a request as reaching a registered handler, so the API
// knows that a 404 or 405 written afterwards is the handler's own.
func routed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rw, ok := w.(*responseWriter); ok {
			rw.routed = true
		}
		h.ServeHTTP(w, r)
	})
}

// personal marks the answers of h as personal: Cache-Control: no-store is
// set before h runs, and put back when the answer goes out if h set a
// policy without no-store, so no cache keeps what one credential was shown.
func personal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rw, ok := w.(*responseWriter); ok {
			rw.personal = true
			rw.noStore[0] = "no-store"
			w.Header()["Cache-Control"] = rw.noStore[:1:1]
		} else {
			w.Header()["Cache-Control"] = []string{"no-store"}
		}
		h.ServeHTTP(w, r)
	})
}

// noStore reports whether a Cache-Control header says no-store.
func noStore(values []string) bool {
	for _, v := range values {
		for d := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), "no-store") {
				return true
			}
		}
	}
	return false
}

// responseWriter records the status for the log and holds back the mux's
// own plain-text 404 and 405, which the API answers as problems.
type responseWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
	routed bool
	held   int // status of a held-back mux answer
	// personal marks an answer to a route that reads a credential: it goes
	// out with Cache-Control: no-store (see personal), the value held in
	// noStore (capacity 1: a handler that appends copies it).
	personal bool
	noStore  [1]string
}

func (w *responseWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	if !w.routed && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		w.held = code
		return
	}
	w.wrote = true
	w.status = code
	if w.personal {
		if h := w.Header(); !noStore(h["Cache-Control"]) {
			h["Cache-Control"] = []string{"no-store"}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.held != 0 && !w.wrote {
		return len(b), nil // the mux's text body, replaced by a problem
	}
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// release writes the problem for a held-back mux answer.
func (w *responseWriter) release(f *ErrorFormat, r *http.Request) {
	code := w.held
	w.held = 0
	h := w.Header()
	allow := h.Get("Allow")
	h.Del("Content-Type")
	w.routed = true // the problem below is ours
	if code == http.StatusMethodNotAllowed {
		h.Del("Allow")
		f.write(w, r, problem.MethodNotAllowed(allow))
		return
	}
	f.write(w, r, problem.RouteNotFound())
}

// requestIDs makes request ids: a random prefix per API and a counter, so
// ids are unique across restarts and replicas without a syscall each.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &requestIDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (g *requestIDs) next() string {
	return g.prefix + strconv.FormatUint(g.n.Add(1), 36)
}
