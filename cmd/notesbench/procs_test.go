package main

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	t.Parallel()
	// A command name with spaces and parentheses; utime 250, stime 50.
	stat := "4242 (note (s) d) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 9 0 100 1000000 2000 18446744073709551615\n"
	got, err := parseStatCPU(stat)
	if want := 3 * time.Second; err != nil || got != want {
		t.Errorf("parseStatCPU() = %v, %v, want %v", got, err, want)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 x 3"} {
		if _, err := parseStatCPU(bad); err == nil {
			t.Errorf("parseStatCPU(%q) = nil error, want one", bad)
		}
	}
}

func TestParseStatusMemory(t *testing.T) {
	t.Parallel()
	status := "Name:\tnotesd\nVmPeak:\t 1300000 kB\nVmHWM:\t  118000 kB\nVmRSS:\t   26000 kB\nThreads:\t9\n"
	rss, peak, err := parseStatusMemory(status)
	if err != nil || rss != 26000<<10 || peak != 118000<<10 {
		t.Errorf("parseStatusMemory() = %d, %d, %v, want %d, %d", rss, peak, err, 26000<<10, 118000<<10)
	}
	if _, _, err := parseStatusMemory("Name:\tx\n"); err == nil {
		t.Error("parseStatusMemory(no VmRSS) = nil error, want one")
	}
}

func TestParseSystemBusy(t *testing.T) {
	t.Parallel()
	stat := "cpu  100 5 20 900 7 3 2 11 0 0\ncpu0 50 2 10 450 3 1 1 5 0 0\n"
	got, err := parseSystemBusy(stat)
	if want := 1250 * time.Millisecond; err != nil || got != want { // 100+5+20 ticks
		t.Errorf("parseSystemBusy() = %v, %v, want %v", got, err, want)
	}
	if _, err := parseSystemBusy("intr 1 2 3\n"); err == nil {
		t.Error("parseSystemBusy(no cpu line) = nil error, want one")
	}
}

func TestProcOfSelf(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Errorf("procCPU(self) = %v", err)
	}
	if rss, peak, err := procMemory(os.Getpid()); err != nil || rss <= 0 || peak < rss {
		t.Errorf("procMemory(self) = %d, %d, %v, want 0 < rss ≤ peak", rss, peak, err)
	}
	if _, err := systemBusy(); err != nil {
		t.Errorf("systemBusy() = %v", err)
	}
}
