package httpapi

import (
	"context"
	"net/http"

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

func data(context.Context, principal) (dataView, error) { return dataView{"secret"}, nil }

type status struct {
	Status string `json:"status"`
}

func healthz(context.Context, struct{}) (status, error) { return status{"ok"}, nil }

// readiness is /readyz's body: the status and each optional dependency's.
type readiness struct {
	Status string `json:"status"`
	// Redis is "ok", or "degraded" while it does not answer and the limits
	// count in memory (still ready: they hold, per replica); absent
	// without Redis.
	Redis string `json:"redis,omitempty"`
}

func (s *server) readyz(ctx context.Context, _ struct{}) (readiness, error) {
	if s.cfg.Draining != nil && s.cfg.Draining() {
		return readiness{}, problem.New(503, "Shutting down")
	}
	var r readiness
	if s.cfg.RedisDegraded != nil {
		r.Redis = "ok"
		if s.cfg.RedisDegraded() {
			r.Redis = "degraded"
		}
	}
	if err := s.store.Ping(ctx); err != nil {
		s.cfg.Logger.WarnContext(ctx, "readiness check failed", "error", err)
		return readiness{}, problem.New(503, "Database unavailable")
	}
	r.Status = "ready"
	return r, nil
}

// jwks is the JSON Web Key Set of the keyring's public keys.
type jwks struct{ body []byte }

// Render implements dep.Renderer.
func (j jwks) Render(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(j.body)
	return err
}

func (s *server) jwks(context.Context, struct{}) (jwks, error) {
	return jwks{s.cfg.Keyring.JWKS()}, nil
}
