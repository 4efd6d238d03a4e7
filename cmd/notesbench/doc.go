// Command notesbench is the load benchmark of notesd (issues #5 and #13).
// It seeds a SQLite database of a given size, starts notesd and three bare
// net/http baselines serving the same JSON note (one writing a precomputed
// body, one encoding it with encoding/json, one encoding it after an HS256
// check of the bearer token, the "bare + verify"), drives them from loopback
// with wrk (when it is on PATH) or with its own bounded Go client,
// alternating them over several rounds, and prints req/s, p50/p99 latency,
// server CPU per request, resident memory and the ratios to the fixed
// and encoding baselines, then whether each target of the issues is met.
//
// With --mix it runs a mixed workload instead: --clients seeded users log
// in, refresh their tokens, create, read, patch, delete and list their
// own notes and probe other users' notes, against one notesd, for
// --duration; it prints req/s and p50/p99 per operation, server CPU per
// request and memory, and fails on any unexpected answer or any answer
// that serves a user another user's note.
//
// With --database-url postgres://… notesd runs on PostgreSQL instead: the
// run gets a private schema nb_<random> in that database, seeded with
// COPY, and drops it at the end, also after a failure.
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
// Three hidden subcommands are the children it starts from its own binary:
// "baseline --addr A [--fixed | --verify]" serves a baseline, "loadgen --spec FILE"
// runs the Go client and "mixgen --spec FILE" the mixed workload; both
// print their statistics as JSON.
//
// Everything listens on and connects to 127.0.0.1 only; the whole run has a
// deadline and stops by itself, killing its children by PID.
package main
