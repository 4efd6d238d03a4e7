package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// errEmailTaken is returned by user create for an e-mail already registered.
var errEmailTaken = errors.New("email already registered")

// maxPasswordLine bounds the password line read from stdin: 1024
// characters of up to 4 bytes, and a CRLF.
const maxPasswordLine = 4*accounts.MaxPasswordChars + 2

const userCreateHeader = `Usage: notesd user create --email E [--name N] [--admin]

Creates an active user. The password is never taken from the command line:
on a terminal it is asked for twice without echo; otherwise exactly one line
is read from stdin (printf '%s\n' "$PW" | notesd user create --email E).
`

// runUserCreate runs "notesd user create".
func runUserCreate(ctx context.Context, args []string, c cli) (err error) {
	cfg := defaultConfig()
	var (
		email, name string
		admin       bool
	)
	fs := newFlagSet("user create", userCreateHeader, c.stderr)
	fs.StringVar(&email, "email", "", "the user's e-mail address (required)")
	fs.StringVar(&name, "name", "", "display name (default: the part of the e-mail before @)")
	fs.BoolVar(&admin, "admin", false, "give the user the admin role")
	cfg.addDatabaseFlags(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}

	// Check what can be checked before asking for the password.
	if email == "" {
		return errors.New("user create: --email is required")
	}
	normalized, ok := accounts.NormalizeEmail(email)
	if !ok {
		return fmt.Errorf("user create: %q is not a valid e-mail address", email)
	}
	if name == "" {
		name, _, _ = strings.Cut(normalized, "@")
	}
	name = strings.TrimSpace(name)
	if err := accounts.ValidateName(name); err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	role := accounts.RoleUser
	if admin {
		role = accounts.RoleAdmin
	}

	db, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	switch _, err := db.UserByEmail(ctx, normalized); {
	case err == nil:
		return fmt.Errorf("user create: %w", errEmailTaken)
	case !errors.Is(err, notes.ErrNotFound):
		return err
	}

	password, err := readPassword(c.stdin, c.stderr)
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	if _, err := accounts.ValidateRegistration(normalized, password, name); err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	hash, err := auth.NewHasher(auth.HasherConfig{Workers: 1}).Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	u, err := db.CreateUser(ctx, accounts.NewUser{Email: normalized, Name: name, Role: role, PasswordHash: hash})
	if errors.Is(err, accounts.ErrConflict) {
		return fmt.Errorf("user create: %w", errEmailTaken)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "created user %d %s (role %s)\n", u.ID, u.Email, u.Role)
	return nil
}

// readPassword reads a new password: from a prompt without echo, twice,
// when stdin is a terminal; otherwise as one line of stdin.
func readPassword(stdin io.Reader, prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return promptPassword(int(f.Fd()), prompt)
	}
	return readPasswordLine(stdin)
}

// promptPassword asks for a password twice on the terminal fd.
func promptPassword(fd int, prompt io.Writer) (string, error) {
	fmt.Fprint(prompt, "Password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(prompt, "Repeat password: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(second) {
		return "", errors.New("the passwords do not match")
	}
	return string(first), nil
}

// readPasswordLine reads exactly one line from r, byte by byte so that
// nothing after it is consumed, and drops its line break (\n or \r\n).
// A last line without a line break counts; no input at all is an error.
func readPasswordLine(r io.Reader) (string, error) {
	var (
		line []byte
		b    [1]byte
	)
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			if len(line) == maxPasswordLine {
				return "", errors.New("password line on stdin is too long")
			}
			line = append(line, b[0])
		}
		if errors.Is(err, io.EOF) {
			if len(line) == 0 {
				return "", errors.New("no password on stdin (pipe one line, or run on a terminal)")
			}
			break
		}
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
	}
	return strings.TrimSuffix(string(line), "\r"), nil
}
