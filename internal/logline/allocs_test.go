//go:build !race

package logline_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/logline"
)

// TestNoAllocations: the request line allocates nothing once the pool is
// warm (counts, not time; race builds are left out, their sync.Pool drops
// items at random).
func TestNoAllocations(t *testing.T) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	for name, h := range map[string]slog.Handler{
		"text":                     logline.NewText(discard{}, opts),
		"json":                     logline.NewJSON(discard{}, opts),
		"text WithAttrs WithGroup": logline.NewText(discard{}, opts).WithAttrs([]slog.Attr{slog.Int("pid", 1)}).WithGroup("g"),
	} {
		r := requestRecord()
		if n := testing.AllocsPerRun(100, func() { _ = h.Handle(context.Background(), r) }); n != 0 {
			t.Errorf("%s: Handle() allocates %v times per line, want 0", name, n)
		}
	}
}
