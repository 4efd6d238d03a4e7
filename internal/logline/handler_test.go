package logline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/logline"
)

// fixedTime is the records' time: a fixed instant, with a fraction whose
// trailing zeros RFC3339Nano trims.
var fixedTime = time.Date(2026, 12, 2, 10, 16, 45, 123450000, time.UTC)

// chain turns a fresh handler into the one a case logs through (With…).
type chain func(slog.Handler) slog.Handler

// both returns what slog's handler and logline's write for r through c,
// in the given format.
func both(t testing.TB, json bool, opts *slog.HandlerOptions, c chain, r slog.Record) (want, got string) {
	t.Helper()
	var wb, gb countingWriter
	var std, fast slog.Handler
	if json {
		std, fast = slog.NewJSONHandler(&wb, opts), logline.NewJSON(&gb, opts)
	} else {
		std, fast = slog.NewTextHandler(&wb, opts), logline.NewText(&gb, opts)
	}
	if c != nil {
		std, fast = c(std), c(fast)
	}
	ctx := context.Background()
	if std.Enabled(ctx, r.Level) != fast.Enabled(ctx, r.Level) {
		t.Fatalf("Enabled(%v) = %v, want %v", r.Level, fast.Enabled(ctx, r.Level), std.Enabled(ctx, r.Level))
	}
	werr := std.Handle(ctx, r.Clone())
	gerr := fast.Handle(ctx, r.Clone())
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("Handle() error = %v, want %v", gerr, werr)
	}
	if wb.writes != gb.writes {
		t.Fatalf("Handle() made %d Write calls, want %d", gb.writes, wb.writes)
	}
	return wb.String(), gb.String()
}

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func record(msg string, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(fixedTime, slog.LevelInfo, msg, 0)
	r.AddAttrs(attrs...)
	return r
}

func withAttrs(as ...slog.Attr) chain {
	return func(h slog.Handler) slog.Handler { return h.WithAttrs(as) }
}

func withGroup(name string) chain {
	return func(h slog.Handler) slog.Handler { return h.WithGroup(name) }
}

func then(cs ...chain) chain {
	return func(h slog.Handler) slog.Handler {
		for _, c := range cs {
			h = c(h)
		}
		return h
	}
}

type textMarshaler struct{}

func (textMarshaler) MarshalText() ([]byte, error) { return []byte("marshalled text"), nil }

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

func TestSameAsSlog(t *testing.T) {
	t.Parallel()
	east := time.FixedZone("east", 5*3600+30*60)
	odd := time.FixedZone("odd", -(3*3600 + 25*60 + 7)) // seconds in the offset
	requestLine := []slog.Attr{
		slog.String("request_id", "f3a9c2d1e4b5a6c7"), slog.String("ip", "127.0.0.1"),
		slog.Int64("user_id", 42), slog.String("session_id", "s_8d7f6e5c"),
		slog.String("method", "GET"), slog.String("route", "GET /notes/{id}"),
		slog.Int("status", 200), slog.Int64("bytes", 1234), slog.Float64("duration_ms", 0.123),
	}
	cases := []struct {
		name  string
		opts  *slog.HandlerOptions
		chain chain
		rec   slog.Record
	}{
		{name: "request line", rec: record("request", requestLine...)},
		{name: "no attrs", rec: record("hello")},
		{name: "zero time", rec: slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)},
		{name: "nil options", rec: record("m", slog.Int("a", 1))},
		{name: "levels", opts: &slog.HandlerOptions{Level: slog.LevelDebug}, rec: slog.NewRecord(fixedTime, slog.LevelDebug+2, "m", 0)},
		{name: "warn+1", rec: slog.NewRecord(fixedTime, slog.LevelWarn+1, "m", 0)},
		{name: "error-1", rec: slog.NewRecord(fixedTime, slog.LevelError-1, "m", 0)},
		{name: "below level", opts: &slog.HandlerOptions{Level: slog.LevelWarn}, rec: record("m")},
		{name: "quoting", rec: record("a message", slog.String("empty", ""), slog.String("space", "a b"),
			slog.String("eq", "a=b"), slog.String("quote", `a"b`), slog.String("backslash", `a\b`),
			slog.String("nul", "a\x00b"), slog.String("nl", "a\nb"), slog.String("tab", "\t"),
			slog.String("del", "\x7f"), slog.String("invalid", "a\xffb"), slog.String("fffd", "\ufffd"),
			slog.String("unicode", "héllo wörld"), slog.String("nbsp", "a\u00a0b"), slog.String("ls", "a\u2028b\u2029"),
			slog.String("nonprint", "\u200b"), slog.String("emoji", "🦫"), slog.String("html", "<a&b>"))},
		{name: "odd keys", rec: record("m", slog.String("", "v"), slog.String("a b", "v"), slog.String("k=", "v"),
			slog.String("\xff", "v"), slog.Int("", 0))},
		{name: "numbers", rec: record("m", slog.Int64("min", math.MinInt64), slog.Int64("max", math.MaxInt64),
			slog.Uint64("umax", math.MaxUint64), slog.Int("neg", -7), slog.Bool("t", true), slog.Bool("f", false))},
		{name: "floats", rec: record("m", slog.Float64("zero", 0), slog.Float64("negzero", math.Copysign(0, -1)),
			slog.Float64("big", 1e21), slog.Float64("almostbig", 999999999999999999999.0), slog.Float64("huge", math.MaxFloat64),
			slog.Float64("tiny", 1e-7), slog.Float64("small", 1e-6), slog.Float64("denormal", 5e-324),
			slog.Float64("third", 1.0/3), slog.Float64("neg", -2.5e-9), slog.Float64("int", 100))},
		{name: "NaN", rec: record("m", slog.Float64("nan", math.NaN()), slog.Int("after", 1))},
		{name: "+Inf", rec: record("m", slog.Float64("inf", math.Inf(1)))},
		{name: "-Inf", rec: record("m", slog.Float64("inf", math.Inf(-1)))},
		{name: "durations", rec: record("m", slog.Duration("d", 1500*time.Millisecond), slog.Duration("zero", 0),
			slog.Duration("neg", -time.Nanosecond), slog.Duration("max", math.MaxInt64))},
		{name: "times", rec: record("m", slog.Time("utc", fixedTime), slog.Time("east", fixedTime.In(east)),
			slog.Time("odd", fixedTime.In(odd)), slog.Time("local", fixedTime.Local()),
			slog.Time("whole", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)),
			slog.Time("nano", time.Date(2000, 1, 1, 0, 0, 0, 1, time.UTC)),
			slog.Time("ms", time.Date(2000, 1, 1, 0, 0, 0, 999999999, east)),
			slog.Time("zero", time.Time{}), slog.Time("monotonic", time.Now()))},
		{name: "same second, two zones", rec: record("m", slog.Time("a", fixedTime), slog.Time("b", fixedTime.In(east)), slog.Time("c", fixedTime))},
		{name: "year 1 and 9999", rec: record("m", slog.Time("first", time.Date(1, 1, 1, 0, 0, 0, 5e6, time.UTC)),
			slog.Time("last", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)),
			slog.Time("local 9999", time.Date(10000, 1, 1, 0, 30, 0, 0, time.UTC).In(time.FixedZone("w", -3600))))},
		{name: "local year 0", rec: record("m", slog.Time("t", time.Date(1, 1, 1, 0, 30, 0, 0, time.UTC).In(time.FixedZone("w", -3600))))},
		{name: "year 0", rec: record("m", slog.Time("t", time.Date(0, 3, 1, 0, 0, 0, 0, time.UTC)))},
		{name: "year 10000", rec: record("m", slog.Time("t", time.Date(10000, 3, 1, 0, 0, 0, 0, time.UTC)))},
		{name: "record time in a zone", rec: slog.NewRecord(fixedTime.In(odd), slog.LevelInfo, "m", 0)},
		{name: "record time year 12000", rec: slog.NewRecord(time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "m", 0)},
		{name: "error value", rec: record("m", slog.Any("err", errors.New("boom \"x\"")))},
		{name: "any values", rec: record("m", slog.Any("nil", nil), slog.Any("map", map[string]int{"a": 1}),
			slog.Any("bytes", []byte("a\x00")), slog.Any("tm", textMarshaler{}))},
		{name: "empty attr", rec: record("m", slog.Int("a", 1), slog.Attr{}, slog.Int("b", 2))},
		{name: "log valuer", rec: record("m", slog.Any("v", valuer{}))},
		{name: "groups", rec: record("m", slog.Group("g", slog.Int("a", 1), slog.Group("h", slog.String("b", "x y"))), slog.Int("c", 3))},
		{name: "inline group", rec: record("m", slog.Group("", slog.Int("a", 1), slog.Int("b", 2)), slog.Int("c", 3))},
		{name: "empty group", rec: record("m", slog.Group("g"), slog.Int("c", 3))},
		{name: "only empty group", rec: record("m", slog.Group("g"))},
		{name: "group of empty attr", rec: record("m", slog.Group("g", slog.Attr{}), slog.Int("c", 3))},
		{name: "group key quoted", rec: record("m", slog.Group("a b", slog.Int("c", 1)), slog.Group("g", slog.Int("", 1)))},
		{name: "group with any", rec: record("m", slog.Group("g", slog.Any("e", errors.New("x"))))},
		{name: "WithAttrs", chain: withAttrs(slog.String("service", "notesd"), slog.Int("pid", 7)), rec: record("request", requestLine...)},
		{name: "WithAttrs, no record attrs", chain: withAttrs(slog.String("service", "notesd")), rec: record("m")},
		{name: "WithAttrs twice", chain: then(withAttrs(slog.Int("a", 1)), withAttrs(slog.Int("b", 2))), rec: record("m", slog.Int("c", 3))},
		{name: "WithAttrs empty groups", chain: withAttrs(slog.Attr{Key: "g", Value: slog.GroupValue()}), rec: record("m", slog.Int("c", 3))},
		{name: "WithAttrs none", chain: withAttrs(), rec: record("m", slog.Int("c", 3))},
		{name: "WithAttrs empty attr", chain: withAttrs(slog.Attr{}), rec: record("m", slog.Int("c", 3))},
		{name: "WithAttrs any", chain: then(withAttrs(slog.Any("e", errors.New("x"))), withGroup("g"), withAttrs(slog.Int("a", 1))), rec: record("m", slog.Int("c", 3))},
		{name: "WithGroup", chain: withGroup("g"), rec: record("m", slog.Int("a", 1), slog.String("b", "x"))},
		{name: "WithGroup, no attrs", chain: withGroup("g"), rec: record("m")},
		{name: "WithGroup, empty group attr", chain: withGroup("g"), rec: record("m", slog.Group("h"))},
		{name: "WithGroup empty name", chain: withGroup(""), rec: record("m", slog.Int("a", 1))},
		{name: "WithGroup quoted name", chain: withGroup("a b"), rec: record("m", slog.Int("c", 1))},
		{name: "WithGroup then attrs", chain: then(withGroup("g"), withAttrs(slog.Int("a", 1)), withGroup("h"), withAttrs(slog.Int("b", 2))),
			rec: record("m", slog.Int("c", 3), slog.Group("i", slog.Int("d", 4)))},
		{name: "WithGroup then attrs, no record attrs", chain: then(withGroup("g"), withAttrs(slog.Int("a", 1)), withGroup("h")), rec: record("m")},
		{name: "attrs then WithGroup", chain: then(withAttrs(slog.Int("a", 1)), withGroup("g")), rec: record("m", slog.Int("c", 3))},
		{name: "WithGroup any in record", chain: withGroup("g"), rec: record("m", slog.Any("e", errors.New("x")))},
		{name: "AddSource delegates", opts: &slog.HandlerOptions{AddSource: true}, rec: record("m", slog.Int("a", 1))},
		{name: "ReplaceAttr delegates", opts: &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}, rec: record("m", slog.Int("a", 1))},
	}
	for _, c := range cases {
		for _, json := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/json=%v", c.name, json), func(t *testing.T) {
				t.Parallel()
				opts := c.opts
				if opts == nil && c.name != "nil options" {
					opts = &slog.HandlerOptions{Level: slog.LevelInfo}
				}
				want, got := both(t, json, opts, c.chain, c.rec)
				if got != want {
					t.Errorf("Handle() wrote\n%q\nwant\n%q", got, want)
				}
			})
		}
	}
}

// TestConcurrent logs from many goroutines through derived handlers, fast
// and delegated records mixed, into a writer that is not safe for
// concurrent use: under -race this finds an unserialized Write, and every
// line must come out whole.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	for _, json := range []bool{false, true} {
		var buf bytes.Buffer
		h := logline.NewText(&buf, nil)
		if json {
			h = logline.NewJSON(&buf, nil)
		}
		handlers := []slog.Handler{h, h.WithAttrs([]slog.Attr{slog.Int("a", 1)}), h.WithGroup("g"), h.WithAttrs([]slog.Attr{slog.Any("e", errors.New("x"))})}
		const goroutines, lines = 8, 200
		var wg sync.WaitGroup
		for i := range goroutines {
			wg.Go(func() {
				hh := handlers[i%len(handlers)]
				for j := range lines {
					r := record("m", slog.Int("i", i), slog.Int("j", j), slog.String("s", strings.Repeat("x", j)))
					if j%3 == 0 {
						r.AddAttrs(slog.Any("err", errors.New("boom")))
					}
					if err := hh.Handle(context.Background(), r); err != nil {
						t.Errorf("Handle() = %v", err)
					}
				}
			})
		}
		wg.Wait()
		out := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if len(out) != goroutines*lines {
			t.Fatalf("json=%v: %d lines, want %d", json, len(out), goroutines*lines)
		}
		for _, l := range out {
			if !strings.Contains(l, "msg") || (json && !strings.HasSuffix(l, "}")) {
				t.Fatalf("json=%v: broken line %q", json, l)
			}
		}
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	t.Parallel()
	for _, h := range []slog.Handler{logline.NewText(errWriter{}, nil), logline.NewJSON(errWriter{}, nil)} {
		if err := h.Handle(context.Background(), record("m", slog.Int("a", 1))); err == nil || err.Error() != "disk full" {
			t.Errorf("Handle() = %v, want disk full", err)
		}
	}
}

// TestLevelVar: the minimum level is read per call, as slog's.
func TestLevelVar(t *testing.T) {
	t.Parallel()
	var lv slog.LevelVar
	h := logline.NewText(&bytes.Buffer{}, &slog.HandlerOptions{Level: &lv})
	if h.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatalf("Enabled(DEBUG) at INFO = true, want false")
	}
	lv.Set(slog.LevelDebug)
	if !h.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatalf("Enabled(DEBUG) at DEBUG = false, want true")
	}
}

func FuzzSameAsSlog(f *testing.F) {
	strs := []string{"", "plain", "a b", "a=b", `a"b`, `a\b`, "a\x00b", "a\nb\r\t", "\xff", "a\xc3", "\ufffd",
		"héllo", "\u2028\u2029", "\u00a0", "\u200b", "🦫", "<&>", "\x7f", "\x1b[31m"}
	ints := []int64{0, 1, -1, 42, math.MinInt64, math.MaxInt64}
	floats := []float64{0, math.Copysign(0, -1), 0.123, 1e21, 1e20, 1e-6, 1e-7, 5e-324, math.MaxFloat64, -1.5e300,
		math.NaN(), math.Inf(1), math.Inf(-1), 1.0 / 3, 123456789.125}
	for i, s := range strs {
		f.Add(s, strs[(i+1)%len(strs)], ints[i%len(ints)], uint64(i)*1e17, floats[i%len(floats)], i%2 == 0,
			int64(i)*int64(time.Second)/3, int64(i)*1e17, int64(i)*111111111, uint8(i))
	}
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("east", 5*3600+30*60), time.FixedZone("odd", -(3*3600 + 25*60 + 7))}
	f.Fuzz(func(t *testing.T, s1, s2 string, i int64, u uint64, fl float64, b bool, d, sec, nsec int64, shape uint8) {
		tm := time.Unix(sec%(400*365*86400), nsec%1e9).In(zones[int(shape)%len(zones)])
		attrs := []slog.Attr{
			slog.String(s1, s2), slog.String("s", s1), slog.Int64("i", i), slog.Uint64("u", u),
			slog.Float64("f", fl), slog.Bool("b", b), slog.Duration("d", time.Duration(d)), slog.Time("t", tm),
			slog.Group(s2, slog.String("k", s1), slog.Float64(s1, fl)),
		}
		var c chain
		switch shape / 4 % 4 {
		case 1:
			c = withAttrs(slog.String(s2, s1), slog.Int64("i", i))
		case 2:
			c = then(withGroup(s1), withAttrs(slog.Float64("f", fl)))
		case 3:
			c = then(withAttrs(slog.Time("t", tm)), withGroup(s2), withGroup("g"))
		}
		r := slog.NewRecord(fixedTime.In(zones[int(shape/16)%len(zones)]), slog.Level(int(shape)%20-8), s1, 0)
		r.AddAttrs(attrs...)
		for _, json := range []bool{false, true} {
			want, got := both(t, json, &slog.HandlerOptions{Level: slog.LevelDebug - 8}, c, r)
			if got != want {
				t.Fatalf("json=%v: Handle() wrote\n%q\nwant\n%q", json, got, want)
			}
		}
	})
}

// requestRecord is notesd's request line.
func requestRecord() slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("request_id", "f3a9c2d1e4b5a6c7"), slog.String("ip", "127.0.0.1"),
		slog.Int64("user_id", 42), slog.String("session_id", "s_8d7f6e5c"),
		slog.String("method", "GET"), slog.String("route", "GET /me"), slog.Int("status", 200),
		slog.Int64("bytes", 123), slog.Float64("duration_ms", 0.123))
	return r
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkHandler compares slog's handlers with logline's on notesd's
// request line. cpu-ns/op is the process's CPU time per line (steadier
// than ns/op when other work shares the machine; it includes the little
// the runtime does beside the loop).
func BenchmarkHandler(b *testing.B) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	handlers := []struct {
		name string
		h    slog.Handler
	}{
		{"slog/text", slog.NewTextHandler(discard{}, opts)},
		{"logline/text", logline.NewText(discard{}, opts)},
		{"slog/json", slog.NewJSONHandler(discard{}, opts)},
		{"logline/json", logline.NewJSON(discard{}, opts)},
	}
	for _, h := range handlers {
		b.Run(h.name, func(b *testing.B) {
			r := requestRecord()
			ctx := context.Background()
			b.ReportAllocs()
			cpu0, ok := cpuTime()
			for b.Loop() {
				if err := h.h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			if cpu1, ok1 := cpuTime(); ok && ok1 {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
