package main

import (
	"strings"
	"testing"
	"time"
)

func TestBufferedLogFlushes(t *testing.T) {
	var out syncBuffer
	b := newBufferedLog(&out, 10*time.Millisecond)
	if _, err := b.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "one") {
		if time.Now().After(deadline) {
			t.Fatal("a buffered line was never flushed by the ticker")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := b.Write([]byte("two\n")); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "one\ntwo\n" {
		t.Fatalf("log after Close = %q, want both lines", got)
	}
}
