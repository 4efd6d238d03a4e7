package auth

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// timingRuns is how many times each class of login is timed.
const timingRuns = 15

// timingParams are the current argon2id parameters of the timing tests:
// low, but not so low that a verification is lost in the noise of the
// clock (about 3 ms).
var timingParams = Argon2Params{Memory: 1024, Time: 1}

// medians times each of fs timingRuns times, interleaved so that a change
// of load on the machine falls on every class alike, and returns the
// median of each.
func medians(fs []func()) []time.Duration {
	times := make([][]time.Duration, len(fs))
	for range timingRuns {
		for i, f := range fs {
			start := time.Now()
			f()
			times[i] = append(times[i], time.Since(start))
		}
	}
	out := make([]time.Duration, len(fs))
	for i, ts := range times {
		slices.Sort(ts)
		out[i] = ts[len(ts)/2]
	}
	return out
}

// Bounds of a timing ratio, and how many measurements a test may take: a
// loaded machine (the race detector, parallel packages on two cores) can
// spoil one measurement, but not every one, while without the padding every
// measurement is far outside (ratios of 0.04 to 0.49).
const (
	ratioLow, ratioHigh = 0.67, 1.5
	timingAttempts      = 3
)

// outOfRatio returns what is wrong with meds: every pair of medians must be
// within ratioLow–ratioHigh of each other. It logs them all.
func outOfRatio(t *testing.T, names []string, meds []time.Duration) []string {
	t.Helper()
	var bad []string
	for i := range meds {
		t.Logf("median %-28s %v", names[i], meds[i])
	}
	for i := range meds {
		for j := i + 1; j < len(meds); j++ {
			r := float64(meds[i]) / float64(meds[j])
			t.Logf("ratio %s / %s = %.2f", names[i], names[j], r)
			if r < ratioLow || r > ratioHigh {
				bad = append(bad, fmt.Sprintf("a failed login for %s takes %.2f× the time of one for %s (medians %v, %v); want %.2f–%.2f",
					names[i], r, names[j], meds[i], meds[j], ratioLow, ratioHigh))
			}
		}
	}
	return bad
}

// checkRatios fails t unless one of timingAttempts measurements of fs has
// every pair of medians within bounds.
func checkRatios(t *testing.T, names []string, fs []func()) {
	t.Helper()
	var bad []string
	for attempt := 1; attempt <= timingAttempts; attempt++ {
		if bad = outOfRatio(t, names, medians(fs)); len(bad) == 0 {
			return
		}
		t.Logf("measurement %d of %d out of bounds", attempt, timingAttempts)
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// TestVerifyTimingClasses times failed logins of the kinds an attacker
// could tell apart: an unknown e-mail (VerifyDummy), a user with a hash of
// the current parameters, one with older (slower) argon2id parameters and
// one with a passlib bcrypt hash. Once the Hasher has seen each kind, all
// take the time of the slowest. The costs here are low to keep the test
// fast, yet far apart (about 3 ms, 10 ms and 25 ms).
func TestVerifyTimingClasses(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(HasherConfig{Params: timingParams, Workers: 1})
	current, err := h.Hash(ctx, "the right password")
	if err != nil {
		t.Fatal(err)
	}
	older, err := NewHasher(HasherConfig{Params: Argon2Params{Memory: 4096, Time: 3}, Workers: 1}).Hash(ctx, "the right password")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := bcrypt.GenerateFromPassword([]byte("the right password"), 8)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(encoded string) func() {
		return func() {
			if ok, _, err := h.Verify(ctx, "a wrong password", encoded); ok || err != nil {
				t.Fatalf("Verify(wrong password) = %t, %v", ok, err)
			}
		}
	}
	names := []string{"an unknown e-mail", "a current argon2id hash", "an older argon2id hash", "a bcrypt hash"}
	fs := []func(){func() { h.VerifyDummy(ctx, "a wrong password") }, verify(current), verify(older), verify(string(legacy))}
	for _, f := range fs { // the Hasher learns each kind as it sees it
		f()
	}
	checkRatios(t, names, fs)
}
