// Command notesbench is the load benchmark of notesd (issue #5). It seeds a
// SQLite database of a given size, starts notesd and a bare net/http
// baseline serving the same JSON note, drives both from loopback with wrk
// (when it is on PATH) or with its own bounded Go client, alternating them
// over several rounds, and prints req/s, p50/p99 latency, server CPU per
// request, resident memory and the ratio to the baseline, then whether each
// target of the issue is met.
//
// Usage:
//
//	go run ./cmd/notesbench [flags]
//
// Run "notesbench -h" for the flags, and see BENCHMARKS.md for how to read
// the results. On a machine with taskset the servers run on one core
// (--cpu-server, default 0) and the load generator on another
// (--cpu-client, default 1).
//
// Two hidden subcommands are the children it starts from its own binary:
// "baseline --addr A" serves the baseline, and "loadgen --spec FILE" runs
// the Go client and prints its statistics as JSON.
//
// Everything listens on and connects to 127.0.0.1 only; the whole run has a
// deadline and stops by itself, killing its children by PID.
package main
