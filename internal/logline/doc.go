// Package logline is notesd's fast [log/slog.Handler]: it writes the same
// bytes as [slog.NewTextHandler] and [slog.NewJSONHandler] with the same
// options, without allocating for records of the common kinds (string,
// integers, floats, bool, duration, time, groups), and hands every other
// record to the standard handler. Each record is one line, written before
// Handle returns; lines logged at the same time go out together in one
// Write of the underlying writer (at most 4096 bytes, PIPE_BUF, unless a
// single line is longer), which saves a system call per line under load.
//
// It exists because slog's own handlers cost a few microseconds per
// request line under load (reflection-free but general: a recover per
// value, the time formatted from scratch, float JSON through
// encoding/json). A fuzz test holds its output to the standard handlers'.
package logline
