package main

import (
	"context"
	"errors"
	"flag"
	"io"
)

// run runs the notesbench command line args (without the program name):
// the benchmark, or one of the hidden children "baseline", "loadgen" and
// "mixgen".
// It returns nil after printing help.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "baseline":
			return runBaseline(ctx, args[1:], stdout, stderr)
		case "loadgen":
			return runLoadgen(ctx, args[1:], stdout, stderr)
		case "mixgen":
			return runMixgen(ctx, args[1:], stdout, stderr)
		}
	}
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return bench(ctx, &cfg, stdout, stderr)
}
