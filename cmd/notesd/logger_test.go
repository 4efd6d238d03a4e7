package main

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"
)

// TestNewLoggerSameAsSlog: the request line through newLogger is what
// slog's own handler of --log-format writes.
func TestNewLoggerSameAsSlog(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 10, 16, 45, 123456789, time.UTC)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var got, want bytes.Buffer
			c := &config{logFormat: format}
			std := slog.Handler(slog.NewTextHandler(&want, &slog.HandlerOptions{Level: slog.LevelInfo}))
			if format == "json" {
				std = slog.NewJSONHandler(&want, &slog.HandlerOptions{Level: slog.LevelInfo})
			}
			r := slog.NewRecord(at, slog.LevelInfo, "request", 0)
			r.AddAttrs(slog.String("request_id", "f3a9c2d1"), slog.String("ip", "127.0.0.1"), slog.Int64("user_id", 7),
				slog.String("method", "GET"), slog.String("route", "GET /me"), slog.Int("status", 200),
				slog.Int64("bytes", 42), slog.Float64("duration_ms", 0.25))
			h := c.newLogger(&got).Handler()
			if !h.Enabled(context.Background(), slog.LevelInfo) || h.Enabled(context.Background(), slog.LevelDebug) {
				t.Fatalf("newLogger(%s) is not at level info", format)
			}
			if err := h.Handle(context.Background(), r); err != nil {
				t.Fatalf("Handle() = %v", err)
			}
			if err := std.Handle(context.Background(), r); err != nil {
				t.Fatalf("slog Handle() = %v", err)
			}
			if got.String() != want.String() {
				t.Errorf("newLogger(%s) wrote %q, want %q", format, got.String(), want.String())
			}
		})
	}
}
