package auth

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestHasherStatsAndObserveWait checks that Stats shows the running and
// queued callers and that ObserveWait sees each caller's wait: none for
// the one that found a free worker, some for the one that queued.
func TestHasherStatsAndObserveWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var (
		mu    sync.Mutex
		waits []time.Duration
	)
	h := NewHasher(HasherConfig{Params: pwTestParams, Workers: 1, Queue: 1, ObserveWait: func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
	}})
	entered, release := make(chan struct{}, 2), make(chan struct{})
	h.inWorker = func() {
		entered <- struct{}{}
		<-release
	}
	if got, want := h.Stats(), (HasherStats{Workers: 1, Queue: 1}); got != want {
		t.Errorf("idle Stats() = %+v, want %+v", got, want)
	}

	errs := make(chan error, 2)
	go func() { _, err := h.Hash(ctx, "one"); errs <- err }()
	<-entered
	go func() { _, err := h.Hash(ctx, "two"); errs <- err }()
	waitPool(t, "the second caller to queue", func() bool { return h.Stats().Queued == 1 })
	if got, want := h.Stats(), (HasherStats{Workers: 1, Running: 1, Queued: 1, Queue: 1}); got != want {
		t.Errorf("busy Stats() = %+v, want %+v", got, want)
	}
	close(release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Hash() = %v, want nil", err)
		}
	}
	if got, want := h.Stats(), (HasherStats{Workers: 1, Queue: 1}); got != want {
		t.Errorf("Stats() after = %+v, want %+v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(waits)
	if len(waits) != 2 || waits[0] != 0 || waits[1] <= 0 {
		t.Errorf("ObserveWait saw %v, want [0 and a positive wait]", waits)
	}
}
