package httpapi

import (
	"slices"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/webui"
)

// New returns notesd's API with every route registered; a Config without
// a Keyring is an error.
func New(cfg Config) (*gatehouse.API, error) {
	cfg.defaults()
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	api := gatehouse.New(gatehouse.Options{Logger: cfg.Logger, MapError: mapError, CORSOrigins: cfg.CORSOrigins, ClientIP: s.clientIP,
		Observe: s.observe()})
	addRoutes(api, s)
	return api, nil
}

// addRoutes is the one list of notesd's routes and what protects each;
// the account routes are accounts.Routes'.
func addRoutes(api *gatehouse.API, s *server) {
	// The account routes (/auth/…, /me, /profile, /me/sessions,
	// /api-keys, /admin/users, /.well-known/jwks.json), and the ways in
	// they accept: a bearer token, or an API key (in the query too, if
	// allowed).
	d := accounts.Routes(api, s.svc, accounts.RouteOptions{AllowQueryAPIKey: s.cfg.AllowQueryAPIKey, ClientIP: s.clientIP, AdminScope: notes.ScopeAdmin})
	authn := s.svc.Authenticator()
	current, active := d.Current, d.Active
	reader := auth.RequireScopes(active, notes.ScopeRead)
	writer := auth.RequireScopes(active, notes.ScopeWrite)
	readerOwner := auth.OwnerOf[int64](reader)
	writerOwner := auth.OwnerOf[int64](writer)
	adminRole := auth.RequireScopes(auth.RequireRole(active, "admin"), notes.ScopeAdmin)
	noteID := dep.Path[int64]("id")
	page := accounts.PageQuery()

	// /public, /healthz and /readyz list no 4xx answer: they read nothing
	// from the request (no credential, parameter or body), so no input of
	// a caller can be refused; /readyz fails only with its 503.
	api.Handle("GET /public", dep.Handler(dep.None, public), gatehouse.Public("landing page"), gatehouse.Tags("demo"), gatehouse.Summary("Read the public message"))
	api.Handle("GET /private", dep.Handler(current, private), gatehouse.Tags("demo"), gatehouse.Summary("Greet the caller"))
	api.Handle("GET /data", dep.Handler(authn.APIKey(), data), gatehouse.Tags("demo"), gatehouse.Summary("Read data with an API key"))
	api.Handle("GET /healthz", dep.Handler(dep.None, healthz), gatehouse.Public("liveness probe"), gatehouse.Tags("ops"), gatehouse.Summary("Check liveness"))
	api.Handle("GET /readyz", dep.Handler(dep.None, s.readyz), gatehouse.Public("readiness probe"), gatehouse.Tags("ops"), gatehouse.Summary("Check readiness"),
		gatehouse.Responds(503, "The database does not answer."))

	api.Handle("GET /notes", dep.Handler2(readerOwner, page, s.listNotes), gatehouse.Tags("notes"), gatehouse.Summary("List my notes"))
	api.Handle("POST /notes", dep.Handler2(writerOwner, dep.JSON[noteInput](), s.createNote), gatehouse.Tags("notes"), gatehouse.Summary("Create a note"),
		gatehouse.RequestExample(noteInputExample()), gatehouse.ResponseExample(noteExample()),
		gatehouse.Responds(409, "Note limit reached."))
	api.Handle("GET /notes/{id}", dep.Handler2(readerOwner, noteID, s.getNote), gatehouse.Tags("notes"), gatehouse.Summary("Read a note"),
		gatehouse.ResponseExample(noteExample()))
	api.Handle("PATCH /notes/{id}", dep.Handler3(writerOwner, noteID, dep.JSON[notePatch](), s.patchNote), gatehouse.Tags("notes"), gatehouse.Summary("Change a note"),
		gatehouse.ResponseExample(noteExample()))
	api.Handle("DELETE /notes/{id}", dep.Handler2(writerOwner, noteID, s.deleteNote), gatehouse.Tags("notes"), gatehouse.Summary("Delete a note"))
	// Streams also take the web UI's session cookie: the /ui page's script
	// opens one, and a browser's WebSocket can send nothing else. Both are
	// GETs that change nothing; the socket's upgrade checks the Origin.
	streamer := auth.OwnerOf[int64](auth.RequireScopes(auth.ActiveUser(auth.AnyOf(slices.Concat(d.Ways, []dep.Dep[principal]{authn.Session()})...)), notes.ScopeRead))
	api.Handle("GET /notes/events", dep.Stream(eventsInput(streamer), dep.StreamOptions{}, s.noteEvents), gatehouse.Tags("notes"), gatehouse.Summary("Stream your note changes"),
		gatehouse.Responds(429, "Too many open event streams for this user."))
	// A WebSocket upgrade succeeds with 101, so /notes/ws lists no 2xx.
	api.Handle("GET /notes/ws", dep.Upgrade(socketInput(streamer), dep.StreamOptions{}, s.noteSocket), gatehouse.Tags("notes"), gatehouse.Summary("Stream your note changes over a WebSocket"),
		gatehouse.Description("The events of GET /notes/events as JSON text messages ({\"type\":\"created\",\"id\":1,\"event_id\":\"…\",\"note\":{…}}); resume with ?last_event_id=. The socket is one way: a client message closes it (1008), as does the credential ending (1008)."),
		gatehouse.Responds(400, "Inactive user, or no well-formed Sec-WebSocket-Key."),
		gatehouse.Responds(403, "Forbidden: the API key is not valid; the credential lacks scope notes:read; the upgrade comes from another origin."),
		gatehouse.Responds(426, "Not a WebSocket upgrade (version 13)."),
		gatehouse.Responds(429, "Too many open event streams for this user."))

	api.Handle("DELETE /admin/notes/{id}", dep.Handler2(adminRole, noteID, s.deleteAnyNote), gatehouse.Tags("admin"), gatehouse.Summary("Delete any note"))

	// The web UI (/ui): cookie sessions, the account flows of the same
	// Service (same checks, limits and security events).
	webui.Register(api, webui.Config{
		Store:    s.store,
		Accounts: s.svc,
		ClientIP: s.clientIP,
		Secure:   s.cfg.SecureCookies,
		MapError: mapError,
		Logger:   s.cfg.Logger,
		MaxNotes: s.cfg.Quotas.NotesPerUser,
		Events:   s.cfg.Events,
	})

	addDocs(api) // last: the document is read from the routes above
}
