package dep_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
)

func keys(as []slog.Attr) string {
	s := ""
	for _, a := range as {
		s += a.Key + "=" + a.Value.String() + " "
	}
	return s
}

// TestLogAttrs: attributes are kept in order, a key added again replaces
// its value, more attributes than the inline room are kept, copies do not
// change with later additions, and AppendAttrs keeps what dst held.
func TestLogAttrs(t *testing.T) {
	for _, c := range []struct {
		name string
		add  [][]slog.Attr
		want string
	}{
		{"none", nil, ""},
		{"two calls", [][]slog.Attr{{slog.String("a", "1"), slog.Int("b", 2)}, {slog.String("c", "3")}}, "a=1 b=2 c=3 "},
		{"replace", [][]slog.Attr{{slog.String("a", "1"), slog.String("b", "2")}, {slog.String("a", "9")}}, "a=9 b=2 "},
		{"replace within one call", [][]slog.Attr{{slog.String("a", "1"), slog.String("a", "2")}}, "a=2 "},
		{"beyond the inline room", func() [][]slog.Attr {
			var as [][]slog.Attr
			for i := range 9 {
				as = append(as, []slog.Attr{slog.Int(fmt.Sprintf("k%d", i), i)})
			}
			return as
		}(), "k0=0 k1=1 k2=2 k3=3 k4=4 k5=5 k6=6 k7=7 k8=8 "},
	} {
		t.Run(c.name, func(t *testing.T) {
			la := new(dep.LogAttrs)
			ctx := dep.WithLogAttrs(context.Background(), la)
			for _, as := range c.add {
				dep.AddLogAttrs(ctx, as...)
			}
			if got := keys(la.Attrs()); got != c.want {
				t.Errorf("Attrs() = %q, want %q", got, c.want)
			}
			if got := keys(dep.RequestLogAttrs(ctx)); got != c.want {
				t.Errorf("RequestLogAttrs() = %q, want %q", got, c.want)
			}
			dst := la.AppendAttrs([]slog.Attr{slog.String("first", "x")})
			if got := keys(dst); got != "first=x "+c.want {
				t.Errorf("AppendAttrs(first) = %q, want %q", got, "first=x "+c.want)
			}
			copied := la.Attrs()
			dep.AddLogAttrs(ctx, slog.String("k0", "changed"), slog.String("late", "y"))
			if got := keys(copied); got != c.want {
				t.Errorf("a copy taken before an addition = %q, want %q", got, c.want)
			}
		})
	}
}

func TestLogAttrsWithoutCollector(t *testing.T) {
	ctx := context.Background()
	dep.AddLogAttrs(ctx, slog.String("a", "1")) // nothing to add to: no panic
	if got := dep.RequestLogAttrs(ctx); got != nil {
		t.Errorf("RequestLogAttrs() without a LogAttrs = %v, want nil", got)
	}
}

// TestLogAttrsConcurrent: dependencies of one request may add from
// several goroutines (run with -race).
func TestLogAttrsConcurrent(t *testing.T) {
	la := new(dep.LogAttrs)
	ctx := dep.WithLogAttrs(context.Background(), la)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			dep.AddLogAttrs(ctx, slog.Int(fmt.Sprintf("k%d", i), i))
			_ = la.Attrs()
		})
	}
	wg.Wait()
	if n := len(la.Attrs()); n != 20 {
		t.Errorf("%d attributes after 20 distinct additions, want 20", n)
	}
}

// TestLogAttrsNoAllocation: a request's usual attributes (request id,
// address, user, session) are added and appended to a caller's buffer
// without an allocation.
func TestLogAttrsNoAllocation(t *testing.T) {
	var buf [8]slog.Attr
	allocs := testing.AllocsPerRun(100, func() {
		var la dep.LogAttrs
		ctx := dep.WithLogAttrs(context.Background(), &la)
		dep.AddLogAttrs(ctx, slog.String("request_id", "r"), slog.String("ip", "127.0.0.1"))
		dep.AddLogAttrs(ctx, slog.Int64("user_id", 1), slog.String("session_id", "2"))
		_ = la.AppendAttrs(buf[:0])
	})
	// context.WithValue is the one allocation left (the LogAttrs itself
	// escapes into it).
	if allocs > 2 {
		t.Errorf("%.0f allocations to collect four attributes, want at most 2", allocs)
	}
}
