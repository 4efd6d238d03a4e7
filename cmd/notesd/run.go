package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
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
  notesd user list
        list every user
  notesd user show --email E
        show one user
  notesd user activate|deactivate --email E
        let a user log in again, or stop them and revoke their sessions
  notesd user set-password --email E
        set a user's password (from a prompt or stdin) and revoke their sessions
  notesd user set-role --email E --role user|admin
        change a user's role (the last active admin stays one)
  notesd session revoke-all --email E
        revoke every session of a user
  notesd apikey create --email E --scopes notes:read,notes:write [--name N] [--expires-in-days D]
        create an API key for a user and print it once
  notesd apikey list --email E
        list a user's API keys (never the keys themselves)
  notesd apikey revoke --email E --id N
        revoke one of a user's API keys
  notesd backup --to FILE
        write a consistent copy of a live SQLite database
  notesd routes
        print every route and what protects it
  notesd migrate
        apply the database migrations and print the schema version
  notesd import fastapi --from sqlite:PATH
        import the users (with their bcrypt hashes) and notes of a FastAPI app
  notesd version
        print the version (also notesd --version)
  notesd help
        print this help

Every configuration flag falls back to the environment variable NOTESD_<FLAG>
(--access-ttl: NOTESD_ACCESS_TTL); a flag on the command line wins.
Run "notesd <command> -h" for a command's flags. Help goes to stdout.
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

// command runs one subcommand with its arguments.
type command func(context.Context, []string, cli) error

// groups returns the commands with subcommands: "user create", "apikey
// list"….
func groups() map[string]map[string]command {
	return map[string]map[string]command{
		"user": {
			"create":       runUserCreate,
			"list":         runUserList,
			"show":         runUserShow,
			"activate":     runUserActivate(true),
			"deactivate":   runUserActivate(false),
			"set-password": runUserSetPassword,
			"set-role":     runUserSetRole,
		},
		"session": {"revoke-all": runSessionRevokeAll},
		"apikey": {
			"create": runAPIKeyCreate,
			"list":   runAPIKeyList,
			"revoke": runAPIKeyRevoke,
		},
	}
}

// run runs the notesd command line args (without the program name). It
// returns nil after printing help. Help asked for (-h, --help, help) goes
// to stdout; a command's flag errors go to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runCLI(ctx, args, cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr})
}

// runCLI is run with c.
func runCLI(ctx context.Context, args []string, c cli) error {
	if wantsHelp(args) {
		c.stderr = c.stdout // the flag package prints usage to its output
	}
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		fmt.Fprintln(c.stdout, version())
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runServe(ctx, args, c)
	}
	cmd, rest := args[0], args[1:]
	if subs, ok := groups()[cmd]; ok {
		return runGroup(ctx, cmd, subs, rest, c)
	}
	switch cmd {
	case "serve":
		return runServe(ctx, rest, c)
	case "backup":
		return runBackup(ctx, rest, c)
	case "routes":
		return runRoutes(ctx, rest, c)
	case "migrate":
		return runMigrate(ctx, rest, c)
	case "import":
		return runImport(ctx, rest, c)
	case "version":
		if len(rest) > 0 && !wantsHelp(rest) {
			return errors.New("version: takes no arguments")
		}
		if wantsHelp(rest) {
			fmt.Fprint(c.stdout, "Usage: notesd version\n\nPrints the version of notesd (also notesd --version).\n")
			return nil
		}
		fmt.Fprintln(c.stdout, version())
		return nil
	case "help":
		fmt.Fprint(c.stdout, overview)
		return nil
	}
	fmt.Fprint(c.stderr, overview)
	return fmt.Errorf("unknown command %q", cmd)
}

// runGroup runs "<group> <sub> …", e.g. "user list".
func runGroup(ctx context.Context, group string, subs map[string]command, args []string, c cli) error {
	names := slices.Sorted(maps.Keys(subs))
	want := group + " " + strings.Join(names, "|")
	switch {
	case len(args) == 0:
		fmt.Fprint(c.stderr, overview)
		return fmt.Errorf("%s: missing command (want %s)", group, want)
	case isHelp(args[0]):
		fmt.Fprint(c.stdout, overview)
		return nil
	}
	if sub, ok := subs[args[0]]; ok {
		return sub(ctx, args[1:], c)
	}
	fmt.Fprint(c.stderr, overview)
	return fmt.Errorf("%s: unknown command %q (want %s)", group, args[0], want)
}

// wantsHelp reports whether args ask for help: -h, -help or --help before
// any "--", or "help" as the first argument.
func wantsHelp(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "-h" || a == "-help" || a == "--help" || (i == 0 && a == "help"):
			return true
		}
	}
	return false
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
