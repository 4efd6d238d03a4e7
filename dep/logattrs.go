package dep

import (
	"context"
	"log/slog"
	"sync"
)

// LogAttrs collects the attributes of one request's log line that are
// learnt while it is served: the user an auth dependency authenticated,
// anything a handler adds. The server that writes the line (gatehouse.API)
// puts one in the request's context with WithLogAttrs; dependencies and
// handlers add to it with AddLogAttrs. Never add a secret, token, key or
// password: the attributes are logged as given.
type LogAttrs struct {
	mu    sync.Mutex
	attrs []slog.Attr
	// inline backs attrs up to its size: a request's usual attributes
	// (request id, address, user, session or key) take no allocation.
	inline [6]slog.Attr
}

type logAttrsKey struct{}

// WithLogAttrs returns ctx carrying l, which AddLogAttrs then fills.
func WithLogAttrs(ctx context.Context, l *LogAttrs) context.Context {
	return context.WithValue(ctx, logAttrsKey{}, l)
}

// AddLogAttrs adds attrs to the log line of the request of ctx, replacing
// earlier attributes of the same key; without a LogAttrs in ctx it does
// nothing.
func AddLogAttrs(ctx context.Context, attrs ...slog.Attr) {
	l, _ := ctx.Value(logAttrsKey{}).(*LogAttrs)
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.attrs == nil {
		l.attrs = l.inline[:0]
	}
next:
	for _, a := range attrs {
		for i := range l.attrs {
			if l.attrs[i].Key == a.Key {
				l.attrs[i] = a
				continue next
			}
		}
		l.attrs = append(l.attrs, a)
	}
}

// RequestLogAttrs returns the attributes added so far to the log line of
// the request of ctx (nil without a LogAttrs): for other log lines about
// the same request, such as security events.
func RequestLogAttrs(ctx context.Context) []slog.Attr {
	l, _ := ctx.Value(logAttrsKey{}).(*LogAttrs)
	if l == nil {
		return nil
	}
	return l.Attrs()
}

// Attrs returns a copy of the attributes added so far.
func (l *LogAttrs) Attrs() []slog.Attr {
	return l.AppendAttrs(nil)
}

// AppendAttrs appends the attributes added so far to dst and returns the
// extended slice: the server writing the line passes a buffer of its own,
// so the line costs no copy on the heap.
func (l *LogAttrs) AppendAttrs(dst []slog.Attr) []slog.Attr {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(dst, l.attrs...)
}
