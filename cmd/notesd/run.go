package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// overview is the top-level help text.
const overview = `notesd is gatehouse's reference server: users, tokens, API keys and
notes that only their owner can see.

Usage:
  notesd [serve] [flags]
        serve the HTTP API (the default command)
  notesd user create --email E [--name N] [--admin]
        create a user; the password is read from a prompt or one line of stdin
  notesd apikey create --email E --scopes notes:read,notes:write [--name N] [--expires-in-days D]
        create an API key for a user and print it once
  notesd routes
        print every route and what protects it
  notesd migrate
        apply the database migrations and print the schema version
  notesd import fastapi --from sqlite:PATH
        import the users (with their bcrypt hashes) and notes of a FastAPI app

Every configuration flag falls back to the environment variable NOTESD_<FLAG>
(--access-ttl: NOTESD_ACCESS_TTL); a flag on the command line wins.
Run "notesd <command> -h" for a command's flags.
`

// cli is what a command reads and writes besides its arguments.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// libraryLog receives the lines of libraries with a global logger
	// (go-redis); serve points it at its logger. Nil in tests.
	libraryLog *libraryLog
}

// run runs the notesd command line args (without the program name). It
// returns nil after printing help.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runCLI(ctx, args, cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr})
}

// runCLI is run with c.
func runCLI(ctx context.Context, args []string, c cli) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runServe(ctx, args, c)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, c)
	case "user":
		return runGroup(ctx, "user", rest, c, runUserCreate)
	case "apikey":
		return runGroup(ctx, "apikey", rest, c, runAPIKeyCreate)
	case "routes":
		return runRoutes(ctx, rest, c)
	case "migrate":
		return runMigrate(ctx, rest, c)
	case "import":
		return runImport(ctx, rest, c)
	case "help":
		fmt.Fprint(c.stdout, overview)
		return nil
	}
	fmt.Fprint(c.stderr, overview)
	return fmt.Errorf("unknown command %q", cmd)
}

// runGroup runs "<group> create …", the one subcommand of user and apikey.
func runGroup(ctx context.Context, group string, args []string, c cli, create func(context.Context, []string, cli) error) error {
	switch {
	case len(args) == 0:
		fmt.Fprint(c.stderr, overview)
		return fmt.Errorf("%s: missing command (want %q)", group, group+" create")
	case isHelp(args[0]):
		fmt.Fprint(c.stderr, overview)
		return nil
	case args[0] == "create":
		return create(ctx, args[1:], c)
	}
	fmt.Fprint(c.stderr, overview)
	return fmt.Errorf("%s: unknown command %q (want %q)", group, args[0], group+" create")
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// parseArgs parses a command's flags; it returns done=true (and a nil
// error) when the user asked for help, which the flag set has printed.
func parseArgs(fs *flagSet, args []string, getenv func(string) string) (done bool, err error) {
	err = fs.parse(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return true, nil
	}
	return err != nil, err
}
