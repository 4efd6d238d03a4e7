package logline

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
)

// Handler is a [slog.Handler] whose output is byte-identical to the
// standard text or JSON handler's. Records it does not format itself (an
// attribute of kind Any or LogValuer, an empty attribute, a NaN or
// infinite float in JSON, a time outside the years 1–9999) go to the
// standard handler, which writes through the same writer. It is safe for
// concurrent use: lines logged at the same time go out together in one
// Write of the underlying writer, and each Handle returns once its line's
// Write has returned.
type Handler struct {
	json  bool
	level slog.Leveler
	w     *groupWriter // shared by all handlers derived from one New
	pool  *sync.Pool   // of *state, shared like w
	std   slog.Handler

	// delegate is set once WithAttrs got an attribute this handler cannot
	// preformat: from then on every record goes to std.
	delegate bool

	// As slog's commonHandler.
	preformatted []byte
	groupPrefix  string
	groups       []string
	nOpenGroups  int
}

// NewText returns a handler that writes what slog.NewTextHandler(w, opts)
// would. With AddSource or ReplaceAttr set it returns slog's handler.
func NewText(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	return newHandler(w, opts, false)
}

// NewJSON returns a handler that writes what slog.NewJSONHandler(w, opts)
// would. With AddSource or ReplaceAttr set it returns slog's handler.
func NewJSON(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	return newHandler(w, opts, true)
}

func newHandler(w io.Writer, opts *slog.HandlerOptions, json bool) slog.Handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	if opts.AddSource || opts.ReplaceAttr != nil {
		if json {
			return slog.NewJSONHandler(w, opts)
		}
		return slog.NewTextHandler(w, opts)
	}
	gw := newGroupWriter(w)
	var std slog.Handler = slog.NewTextHandler(gw, opts)
	if json {
		std = slog.NewJSONHandler(gw, opts)
	}
	return &Handler{
		json:  json,
		level: opts.Level,
		w:     gw,
		pool:  &sync.Pool{New: func() any { return &state{buf: make([]byte, 0, 1024)} }},
		std:   std,
	}
}

// Enabled reports whether level is at least the handler's minimum level
// (info when the options left it nil).
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	minLevel := slog.LevelInfo
	if h.level != nil {
		minLevel = h.level.Level()
	}
	return level >= minLevel
}

// Handle writes r as one line with a single Write call.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if h.delegate {
		return h.std.Handle(ctx, r)
	}
	s := h.pool.Get().(*state)
	s.reset(h)
	if !s.handle(r) {
		h.put(s)
		return h.std.Handle(ctx, r)
	}
	err := h.write(s.buf)
	h.put(s)
	return err
}

func (h *Handler) write(b []byte) error {
	_, err := h.w.Write(b)
	return err
}

// put returns s to the pool unless its buffers grew large (as slog's
// buffer pool, to bound what an odd huge line keeps alive).
func (h *Handler) put(s *state) {
	const maxBufferSize = 16 << 10
	if cap(s.buf) > maxBufferSize || cap(s.prefix) > maxBufferSize {
		return
	}
	s.h = nil
	h.pool.Put(s)
}

func (h *Handler) clone() *Handler {
	h2 := *h
	h2.preformatted = slices.Clip(h.preformatted)
	h2.groups = slices.Clip(h.groups)
	return &h2
}

// WithAttrs returns a handler whose records carry attrs after h's own.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if h.delegate {
		h2 := h.clone()
		h2.std = h.std.WithAttrs(attrs)
		return h2
	}
	// As slog: a slice of empty groups changes nothing.
	if countEmptyGroups(attrs) == len(attrs) {
		return h
	}
	h2 := h.clone()
	h2.std = h.std.WithAttrs(attrs)

	s := h.pool.Get().(*state)
	own := s.buf
	s.reset(h2)
	s.buf = h2.preformatted
	s.prefix = append(s.prefix, h.groupPrefix...)
	if pfa := h2.preformatted; len(pfa) > 0 {
		s.sep = h.attrSep()
		if h2.json && pfa[len(pfa)-1] == '{' {
			s.sep = ""
		}
	}
	pos := len(s.buf)
	s.openGroups()
	nonEmpty, ok := s.appendAttrs(attrs)
	switch {
	case !ok:
		h2.delegate = true
	case !nonEmpty:
		h2.preformatted = s.buf[:pos]
	default:
		h2.preformatted = s.buf
		h2.groupPrefix = string(s.prefix)
		h2.nOpenGroups = len(h2.groups)
	}
	s.buf = own
	h.put(s)
	return h2
}

// WithGroup returns a handler that qualifies the keys of later attributes
// with name. As slog's handlers (not its Logger), an empty name is a group
// too.
func (h *Handler) WithGroup(name string) slog.Handler {
	h2 := h.clone()
	h2.std = h.std.WithGroup(name)
	h2.groups = append(h2.groups, name)
	return h2
}

func (h *Handler) attrSep() string {
	if h.json {
		return ","
	}
	return " "
}

func countEmptyGroups(as []slog.Attr) int {
	n := 0
	for _, a := range as {
		if a.Value.Kind() == slog.KindGroup && len(a.Value.Group()) == 0 {
			n++
		}
	}
	return n
}
