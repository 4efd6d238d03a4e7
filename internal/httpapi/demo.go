package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

func public(context.Context, struct{}) (message, error) {
	return message{"Anyone can see this"}, nil
}

func private(_ context.Context, p principal) (message, error) {
	return message{"Hello " + p.User().Name}, nil
}

type dataView struct {
	Data string `json:"data"`
}

// AppendJSON appends v as json.Marshal would (dep.JSONAppender).
func (v dataView) AppendJSON(b []byte) ([]byte, error) {
	return append(dep.AppendJSONString(append(b, `{"data":`...), v.Data), '}'), nil
}

func data(context.Context, principal) (dataView, error) { return dataView{"secret"}, nil }

type status struct {
	Status string `json:"status"`
}

func healthz(context.Context, struct{}) (status, error) { return status{"ok"}, nil }

// Dependency states of /readyz.
const (
	stateOK          = "ok"
	stateUnavailable = "unavailable"
)

// readiness is the answer of /readyz: 200 {"status":"ready","checks":{…}}
// when every dependency can serve, else 503 "Service unavailable" as a
// problem with the same checks member (SPEC §4).
type readiness struct {
	ready  bool
	checks map[string]string
}

// readyBody is the body of a 200 from /readyz.
type readyBody struct {
	Status string            `json:"status"` // "ready"
	Checks map[string]string `json:"checks"` // each dependency's state: "database": "ok"
}

// Status returns 200, for documentation.
func (readiness) Status() int { return http.StatusOK }

// BodyType returns the body type of a 200, for documentation.
func (readiness) BodyType() reflect.Type { return reflect.TypeFor[readyBody]() }

// Render implements dep.Renderer.
func (rd readiness) Render(w http.ResponseWriter, _ *http.Request) error {
	var body any = readyBody{"ready", rd.checks}
	status := http.StatusOK
	if !rd.ready {
		p := problem.Unavailable(retryUnavailable)
		status = p.Status
		for k, vs := range p.Header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", problem.ContentType)
		body = struct {
			*problem.Details
			Checks map[string]string `json:"checks"`
		}{p, rd.checks}
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Cache-Control", "no-store")
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// readyz proves that the database can commit a write (Config.Ping, under
// the store's deadline) and asks every configured dependency (Draining,
// RedisState, …).
func (s *server) readyz(ctx context.Context, _ struct{}) (readiness, error) {
	rd := readiness{ready: true, checks: map[string]string{"database": stateOK}}
	if err := s.cfg.Ping(ctx); err != nil {
		rd.ready = false
		rd.checks["database"] = stateUnavailable
		s.cfg.Logger.WarnContext(ctx, "readiness check failed", "dependency", "database", "error", err)
	}
	for _, d := range s.cfg.Readiness {
		state, ok := d.Check(ctx)
		rd.checks[d.Name] = state
		if !ok {
			rd.ready = false
		}
	}
	return rd, nil
}
