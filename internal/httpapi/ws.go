package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// socketWriteTimeout bounds each message sent on a socket: a client that
// stops reading is cut off after it.
const socketWriteTimeout = dep.DefaultWriteTimeout

// socketMessage is one message of GET /notes/ws: an event as SSE sends it
// ("created", "updated", "deleted", with the note id and, but for
// deleted, the note), with the event id to resume from; or "reset" when
// the events since last_event_id cannot be replayed.
type socketMessage struct {
	Type    string    `json:"type"`
	ID      int64     `json:"id,omitempty"`
	EventID string    `json:"event_id,omitempty"`
	Note    *noteView `json:"note,omitempty"`
}

// sameHost is the dependency that refuses, with 403, an upgrade whose
// Origin is not the request's own host: a page of another site must not
// open a socket with the visitor's session cookie (cross-site WebSocket
// hijacking). It is the check websocket.Accept makes by default, made
// first, as a problem. A request without Origin (not a browser) passes.
func sameHost() dep.Dep[struct{}] {
	return dep.New("origin.ws", func(r *http.Request) (struct{}, error) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return struct{}{}, nil
		}
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return struct{}{}, problem.New(http.StatusForbidden, "Cross-origin request refused")
		}
		return struct{}{}, nil
	})
}

// socketInput is what GET /notes/ws needs: the origin checked first, then
// whose notes, and where a reconnecting client left off (the
// last_event_id query parameter: a browser's WebSocket sends no headers
// of its own).
func socketInput(o dep.Dep[owner]) dep.Dep[streamInput] {
	return dep.Derive3(sameHost(), o, dep.Query("last_event_id", ""), func(_ context.Context, _ struct{}, o owner, last string) (streamInput, error) {
		return streamInput{o: o, lastID: resumeID(last)}, nil
	})
}

// handshake refuses, as problems, what websocket.Accept would refuse with
// plain text: a request that is no WebSocket upgrade (426), of another
// protocol version (426) or without one well-formed key (400).
func handshake(r *http.Request) error {
	upgrade := problem.New(http.StatusUpgradeRequired, "This endpoint speaks WebSocket: send an upgrade request").With("Upgrade", "websocket")
	if !r.ProtoAtLeast(1, 1) || !hasToken(r.Header, "Connection", "upgrade") || !hasToken(r.Header, "Upgrade", "websocket") {
		return upgrade
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		return upgrade.With("Sec-WebSocket-Version", "13")
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return problem.New(http.StatusBadRequest, "Sec-WebSocket-Key must be sent once")
	}
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(k) != 16 {
		return problem.New(http.StatusBadRequest, "Sec-WebSocket-Key must be 16 bytes in base64")
	}
	return nil
}

// hasToken reports whether header key lists token (case-insensitive).
func hasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// noteSocket is GET /notes/ws: the caller's own note changes as JSON text
// messages on a WebSocket, until the client leaves (or sends a message:
// the socket is one way, 1008), the credential stops being valid
// (dep.Upgrade re-checks it; 1008), the socket falls behind (1013, it may
// resume) or the server drains (1001). It shares the per-user cap with
// GET /notes/events.
func (s *server) noteSocket(ctx context.Context, w http.ResponseWriter, r *http.Request, in streamInput) error {
	if err := handshake(r); err != nil {
		return err
	}
	sub, replay, resync, err := s.cfg.Streams.Subscribe(in.o.ID(), in.lastID)
	switch {
	case errors.Is(err, events.ErrTooManyStreams):
		return problem.TooManyStreams()
	case errors.Is(err, events.ErrClosed):
		return problem.Unavailable(time.Second) // draining: the retry reaches a server that is not
	case err != nil:
		return err
	}
	defer sub.Close()
	// The origin was checked (sameHost); Accept checks it again, the same way.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "accept websocket", "error", err)
		return nil
	}
	defer c.CloseNow()
	// Reads until the client closes; a data message closes the socket with
	// 1008. Not ctx: a revoked credential must still get its close frame.
	gone := c.CloseRead(context.WithoutCancel(ctx))

	send := func(m socketMessage) error {
		wctx, cancel := context.WithTimeout(gone, socketWriteTimeout)
		defer cancel()
		return wsjson.Write(wctx, c, m)
	}
	event := func(d events.Delivery) error {
		data, ok, err := s.eventData(ctx, in.o, d)
		if err != nil || !ok {
			return err
		}
		return send(socketMessage{Type: string(d.Kind), ID: data.ID, EventID: d.ID, Note: data.Note})
	}
	if resync {
		if err := send(socketMessage{Type: "reset"}); err != nil {
			return nil
		}
	}
	for _, d := range replay {
		if err := event(d); err != nil {
			return nil
		}
	}
	beat := time.NewTicker(heartbeatEvery)
	defer beat.Stop()
	for {
		select {
		case <-gone.Done():
			return nil
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), dep.ErrStreamRevoked) {
				_ = c.Close(websocket.StatusPolicyViolation, "credentials no longer valid")
			}
			return nil
		case <-sub.Done():
			if errors.Is(sub.Err(), events.ErrSlow) {
				_ = c.Close(websocket.StatusTryAgainLater, "fell behind: reconnect with last_event_id")
			} else {
				_ = c.Close(websocket.StatusGoingAway, "server shutting down")
			}
			return nil
		case <-beat.C:
			pctx, cancel := context.WithTimeout(gone, socketWriteTimeout)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return nil
			}
		case d := <-sub.Events():
			if err := event(d); err != nil {
				return nil
			}
		}
	}
}
