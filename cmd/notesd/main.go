package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// go-redis logs through one process-wide logger: set it once, here,
	// to one that serve points at its slog logger.
	lib := &libraryLog{}
	redis.SetLogger(lib)
	c := cli{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, libraryLog: lib}
	if err := runCLI(ctx, os.Args[1:], c); err != nil {
		fmt.Fprintln(os.Stderr, "notesd:", err)
		os.Exit(1)
	}
}
