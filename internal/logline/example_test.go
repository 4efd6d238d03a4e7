package logline_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/logline"
)

func ExampleNewText() {
	h := logline.NewText(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo})
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "request", 0) // no time: a stable output
	r.AddAttrs(slog.String("route", "GET /me"), slog.Int("status", 200), slog.Float64("duration_ms", 0.25))
	_ = h.Handle(context.Background(), r)
	// Output: level=INFO msg=request route="GET /me" status=200 duration_ms=0.25
}

func ExampleNewJSON() {
	h := logline.NewJSON(os.Stdout, nil).WithGroup("req")
	r := slog.NewRecord(time.Time{}, slog.LevelWarn, "slow", 0)
	r.AddAttrs(slog.String("route", "GET /me"), slog.Duration("took", 1500*time.Millisecond))
	_ = h.Handle(context.Background(), r)
	// Output: {"level":"WARN","msg":"slow","req":{"route":"GET /me","took":1500000000}}
}
