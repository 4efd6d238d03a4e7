package accounts

import (
	"testing"
	"time"
)

// TestTouchSpread: 64 sessions made in the same second (a burst of
// logins) and then used ten times a second for five minutes write their
// last use spread out, a few in any one second instead of all 64 together
// every minute; each writes about once a minute and none goes a minute
// without a write while in use.
func TestTouchSpread(t *testing.T) {
	t.Parallel()
	const sessions, step = 64, 100 * time.Millisecond
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	last := make([]time.Time, sessions)
	for i := range last {
		last[i] = t0
	}
	perSecond := map[int64]int{}
	writes := make([]int, sessions)
	end := t0.Add(5 * time.Minute)
	for now := t0; now.Before(end); now = now.Add(step) {
		for i := range last {
			id := int64(1001 + i) // consecutive ids, as a burst of logins gets
			if age := now.Sub(last[i]); age > touchEvery {
				t.Fatalf("session %d unrecorded for %v, want at most %v", id, age, touchEvery)
			}
			if touchDue(id, last[i], now) {
				last[i] = now
				writes[i]++
				perSecond[now.Unix()]++
			}
		}
	}
	worst := 0
	for _, n := range perSecond {
		worst = max(worst, n)
	}
	if worst > 8 {
		t.Errorf("%d of the %d sessions wrote in the same second, want at most 8", worst, sessions)
	}
	for i, n := range writes {
		if n < 4 || n > 10 { // five minutes: every 30 to 60 s, from 30 to 60 s in
			t.Errorf("session %d wrote %d times in five minutes, want 4 to 10", 1001+i, n)
		}
	}
	for _, id := range []int64{1, 1 << 40, -1, 1<<63 - 1} {
		if d := touchSpread(id); d < 0 || d >= touchEvery/2 {
			t.Errorf("touchSpread(%d) = %v, want within [0, %v)", id, d, touchEvery/2)
		}
	}
}
