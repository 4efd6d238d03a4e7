package httpapi

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/problem"
)

func public(context.Context, struct{}) (message, error) {
	return message{"Anyone can see this"}, nil
}

func private(_ context.Context, p principal) (message, error) {
	return message{"Hello " + p.User.Name}, nil
}

type dataView struct {
	Data string `json:"data"`
}

func data(context.Context, principal) (dataView, error) { return dataView{"secret"}, nil }

type status struct {
	Status string `json:"status"`
}

func healthz(context.Context, struct{}) (status, error) { return status{"ok"}, nil }

func (s *server) readyz(ctx context.Context, _ struct{}) (status, error) {
	if err := s.store.Ping(ctx); err != nil {
		s.cfg.Logger.WarnContext(ctx, "readiness check failed", "error", err)
		return status{}, problem.New(503, "Database unavailable")
	}
	return status{"ready"}, nil
}
