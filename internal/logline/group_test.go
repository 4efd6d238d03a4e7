package logline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/logline"
)

// gateWriter records every Write, each as it returns; the first Write
// waits for release, so that the lines logged meanwhile queue up. It is
// not safe for concurrent use: under -race a second Write at the same time
// is found.
type gateWriter struct {
	release chan struct{}
	stalled bool // the first Write is under way or done

	mu      sync.Mutex // guards what the tests read while Writes go on
	out     bytes.Buffer
	writes  []string // what each Write held
	active  bool
	overlap bool
}

func (w *gateWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.active {
		w.overlap = true
	}
	w.active = true
	first := !w.stalled
	w.stalled = true
	w.mu.Unlock()
	if first {
		<-w.release
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.active = false
	w.out.Write(p)
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// written returns what was written so far.
func (w *gateWriter) written() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// lines returns the lines written so far.
func (w *gateWriter) lines() []string {
	return strings.Split(strings.TrimSuffix(w.written(), "\n"), "\n")
}

// releaseQueued waits until every goroutine counted by started has
// started, gives them settle to queue up behind the stalled first Write,
// releases it and waits for wg.
func (w *gateWriter) releaseQueued(started, wg *sync.WaitGroup, settle time.Duration) {
	started.Wait()
	time.Sleep(settle)
	close(w.release)
	wg.Wait()
}

// TestGroupedWrites: lines logged while a Write is under way go out
// together in later Writes, not one Write each; each Handle returns only
// once its own line has been written; every line comes out whole and once;
// the underlying writer never sees two Writes at a time; no Write is
// larger than PIPE_BUF.
func TestGroupedWrites(t *testing.T) {
	t.Parallel()
	for _, json := range []bool{false, true} {
		w := &gateWriter{release: make(chan struct{})}
		h := logline.NewText(w, nil)
		if json {
			h = logline.NewJSON(w, nil)
		}
		const lines = 64
		var started, wg sync.WaitGroup
		started.Add(lines)
		for i := range lines {
			wg.Go(func() {
				started.Done()
				id := fmt.Sprintf("line-%03d", i)
				r := record("request", slog.String("request_id", id), slog.String("pad", strings.Repeat("p", 100)))
				if i%16 == 0 {
					// Through slog's own handler, which holds its own lock
					// across the Write: such lines are written one group
					// each.
					r.AddAttrs(slog.Any("err", errors.New("delegated")))
				}
				if err := h.Handle(context.Background(), r); err != nil {
					t.Errorf("Handle() = %v", err)
				}
				if !strings.Contains(w.written(), id) {
					t.Errorf("Handle() of %s returned before its line was written", id)
				}
			})
		}
		w.releaseQueued(&started, &wg, 50*time.Millisecond)

		out := w.lines()
		if len(out) != lines {
			t.Fatalf("json=%v: %d lines, want %d", json, len(out), lines)
		}
		seen := map[string]bool{}
		for _, l := range out {
			i := strings.Index(l, "line-")
			if i < 0 || !strings.Contains(l, strings.Repeat("p", 100)) || seen[l[i:i+8]] {
				t.Fatalf("json=%v: a torn, foreign or repeated line %q", json, l)
			}
			seen[l[i:i+8]] = true
		}
		w.mu.Lock()
		writes, overlap := w.writes, w.overlap
		w.mu.Unlock()
		if overlap {
			t.Errorf("json=%v: two Writes at a time", json)
		}
		t.Logf("json=%v: %d Writes", json, len(writes))
		if len(writes) > lines/4 {
			t.Errorf("json=%v: %d Writes for %d lines logged at the same time, want them grouped (at most %d)", json, len(writes), lines, lines/4)
		}
		for _, wr := range writes {
			if len(wr) > 4096 {
				t.Errorf("json=%v: a Write of %d bytes, more than PIPE_BUF", json, len(wr))
			}
		}
	}
}

// TestGroupedLongLine: a line longer than a group is written alone and
// whole, between groups of the short lines logged at the same time.
func TestGroupedLongLine(t *testing.T) {
	t.Parallel()
	w := &gateWriter{release: make(chan struct{})}
	h := logline.NewText(w, nil)
	long := strings.Repeat("L", 10000)
	var started, wg sync.WaitGroup
	started.Add(16)
	for i := range 16 {
		wg.Go(func() {
			started.Done()
			v := "short"
			if i%5 == 0 {
				v = long
			}
			if err := h.Handle(context.Background(), record("m", slog.Int("i", i), slog.String("v", v))); err != nil {
				t.Errorf("Handle() = %v", err)
			}
		})
	}
	w.releaseQueued(&started, &wg, 20*time.Millisecond)
	out := w.lines()
	if len(out) != 16 {
		t.Fatalf("%d lines, want 16", len(out))
	}
	longs := 0
	for _, l := range out {
		switch {
		case strings.HasSuffix(l, " v="+long):
			longs++
		case strings.HasSuffix(l, " v=short"):
		default:
			t.Fatalf("a torn line of %d bytes", len(l))
		}
	}
	if longs != 4 {
		t.Errorf("%d long lines, want 4", longs)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wr := range w.writes {
		if len(wr) > 4096 && strings.Count(wr, "\n") != 1 {
			t.Errorf("a Write of %d bytes holds %d lines, want a long line alone", len(wr), strings.Count(wr, "\n"))
		}
	}
}

// failingGate fails every Write, the first after release.
type failingGate struct{ gateWriter }

func (w *failingGate) Write(p []byte) (int, error) {
	_, _ = w.gateWriter.Write(p)
	return 0, errors.New("disk full")
}

// TestGroupedWriteError: every line of a group whose Write fails gets the
// error.
func TestGroupedWriteError(t *testing.T) {
	t.Parallel()
	w := &failingGate{gateWriter{release: make(chan struct{})}}
	h := logline.NewJSON(w, nil)
	const lines = 16
	var started, wg sync.WaitGroup
	started.Add(lines)
	errs := make([]error, lines)
	for i := range lines {
		wg.Go(func() {
			started.Done()
			errs[i] = h.Handle(context.Background(), record("m", slog.Int("i", i)))
		})
	}
	w.releaseQueued(&started, &wg, 20*time.Millisecond)
	for i, err := range errs {
		if err == nil || err.Error() != "disk full" {
			t.Errorf("line %d: Handle() = %v, want disk full", i, err)
		}
	}
}

// countedFile counts the Writes that reach a file.
type countedFile struct {
	f      *os.File
	writes atomic.Int64
}

func (c *countedFile) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.f.Write(p)
}

// BenchmarkParallelFile logs notesd's request line from 16 goroutines per
// CPU into a file, through slog's handler (one write(2) per line) and
// logline's (lines logged at the same time in one); writes/line is the
// share of lines that cost a system call of their own.
func BenchmarkParallelFile(b *testing.B) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	for _, c := range []struct {
		name string
		new  func(io.Writer) slog.Handler
	}{
		{"slog/text", func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, opts) }},
		{"logline/text", func(w io.Writer) slog.Handler { return logline.NewText(w, opts) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			w := &countedFile{f: f}
			h := c.new(w)
			r := requestRecord()
			b.SetParallelism(16)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := h.Handle(context.Background(), r); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(w.writes.Load())/float64(b.N), "writes/line")
		})
	}
}
