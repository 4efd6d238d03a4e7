package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/postgres"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// operatorStore is a store with the operator's methods: the CLI acts for
// the user it names, without a request or a proof of one.
type operatorStore interface {
	store
	OperatorListUsers(ctx context.Context, p notes.Page) ([]accounts.User, int64, error)
	OperatorUpdateUser(ctx context.Context, id int64, p accounts.UserPatch) (accounts.User, error)
	SetPasswordHashFor(ctx context.Context, userID int64, hash string) error
	RevokeAllSessionsFor(ctx context.Context, userID int64) error
	APIKeysFor(ctx context.Context, userID int64) ([]accounts.APIKey, error)
	OperatorRevokeAPIKey(ctx context.Context, userID, id int64) error
}

var (
	_ operatorStore = (*sqlite.DB)(nil)
	_ operatorStore = (*postgres.DB)(nil)
)

// errServed explains why the CLI cannot change a SQLite database a server
// is running on.
var errServed = errors.New("a notesd serve is running on this SQLite database and caches sessions, keys and users: " +
	"stop it first, or make the change through the admin API (PATCH /admin/users/{id})")

// openOperator opens the database of --database-url for the operator's
// commands. A command that changes users, sessions or keys (write) opens a
// SQLite file claimed, like serve: the server caches what such a change
// revokes, so while it runs the change is refused (errServed). PostgreSQL
// caches nothing, so it is changed beside its servers.
func (c *config) openOperator(ctx context.Context, write bool) (operatorStore, error) {
	d, err := c.database()
	if err != nil {
		return nil, err
	}
	var db store
	if write {
		db, err = d.openServerStore(ctx)
	} else {
		db, err = d.openStore(ctx)
	}
	if errors.Is(err, sqlite.ErrInUse) {
		return nil, errServed
	}
	if err != nil {
		return nil, err
	}
	op, ok := db.(operatorStore)
	if !ok { // every engine is one (checked above); never reached
		return nil, errors.Join(errors.New("the storage engine has no operator methods"), db.Close())
	}
	return op, nil
}

// userByEmail finds the user of an --email flag for command cmd.
func userByEmail(ctx context.Context, db store, cmd, email string) (accounts.User, error) {
	if email == "" {
		return accounts.User{}, fmt.Errorf("%s: --email is required", cmd)
	}
	normalized, ok := accounts.NormalizeEmail(email)
	if !ok {
		return accounts.User{}, fmt.Errorf("%s: %q is not a valid e-mail address", cmd, email)
	}
	u, err := db.UserByEmail(ctx, normalized)
	if errors.Is(err, notes.ErrNotFound) {
		return accounts.User{}, fmt.Errorf("%s: no user with e-mail %s", cmd, normalized)
	}
	if err != nil {
		return accounts.User{}, fmt.Errorf("%s: %w", cmd, err)
	}
	return u, nil
}

// emailCommand is an operator command that takes --email and the database
// flags: its flag set parsed, it runs do on the named user.
func emailCommand(ctx context.Context, args []string, c cli, cmd, header string, write bool,
	more func(fs *flagSet), do func(ctx context.Context, db operatorStore, u accounts.User) error) (err error) {
	cfg := defaultConfig()
	var email string
	fs := newFlagSet(cmd, header, c.stderr)
	fs.StringVar(&email, "email", "", "the user's e-mail address (required)")
	if more != nil {
		more(fs)
	}
	cfg.addDatabaseFlags(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	if email == "" {
		return fmt.Errorf("%s: --email is required", cmd)
	}
	db, err := cfg.openOperator(ctx, write)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	u, err := userByEmail(ctx, db, cmd, email)
	if err != nil {
		return err
	}
	return do(ctx, db, u)
}

const userListHeader = `Usage: notesd user list

Lists every user, newest first: id, e-mail, name, role, whether active,
and when the account was created.
`

// runUserList runs "notesd user list".
func runUserList(ctx context.Context, args []string, c cli) (err error) {
	cfg := defaultConfig()
	fs := newFlagSet("user list", userListHeader, c.stderr)
	cfg.addDatabaseFlags(fs)
	if done, err := parseArgs(fs, args, c.getenv); done {
		return err
	}
	db, err := cfg.openOperator(ctx, false)
	if err != nil {
		return fmt.Errorf("user list: %w", err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tACTIVE\tCREATED")
	for p := (notes.Page{Limit: 100}); ; {
		users, next, err := db.OperatorListUsers(ctx, p)
		if err != nil {
			return fmt.Errorf("user list: %w", err)
		}
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, yesNo(u.Active), u.CreatedAt.UTC().Format(time.RFC3339))
		}
		if next == 0 {
			break
		}
		p.After = next
	}
	return tw.Flush()
}

const userShowHeader = `Usage: notesd user show --email E

Shows one user: id, e-mail, name, role, whether active, when created, and
how many API keys (not revoked) the user has.
`

// runUserShow runs "notesd user show".
func runUserShow(ctx context.Context, args []string, c cli) error {
	return emailCommand(ctx, args, c, "user show", userShowHeader, false, nil,
		func(ctx context.Context, db operatorStore, u accounts.User) error {
			keys, err := db.APIKeysFor(ctx, u.ID)
			if err != nil {
				return fmt.Errorf("user show: %w", err)
			}
			fmt.Fprintf(c.stdout, "id:       %d\n", u.ID)
			fmt.Fprintf(c.stdout, "email:    %s\n", u.Email)
			fmt.Fprintf(c.stdout, "name:     %s\n", u.Name)
			fmt.Fprintf(c.stdout, "role:     %s\n", u.Role)
			fmt.Fprintf(c.stdout, "active:   %s\n", yesNo(u.Active))
			fmt.Fprintf(c.stdout, "created:  %s\n", u.CreatedAt.UTC().Format(time.RFC3339))
			fmt.Fprintf(c.stdout, "api keys: %d\n", len(keys))
			return nil
		})
}

const userActivateHeader = `Usage: notesd user activate --email E

Lets an inactive user log in again.
`

const userDeactivateHeader = `Usage: notesd user deactivate --email E

Stops a user from logging in and revokes all of the user's sessions; the
user's API keys stop working while the user is inactive. The last active
admin cannot be deactivated. With SQLite, stop the server first (it caches
sessions), or use the admin API.
`

// runUserActivate runs "notesd user activate" (active) or "notesd user
// deactivate".
func runUserActivate(active bool) func(context.Context, []string, cli) error {
	cmd, header := "user activate", userActivateHeader
	if !active {
		cmd, header = "user deactivate", userDeactivateHeader
	}
	return func(ctx context.Context, args []string, c cli) error {
		return emailCommand(ctx, args, c, cmd, header, true, nil,
			func(ctx context.Context, db operatorStore, u accounts.User) error {
				u, err := db.OperatorUpdateUser(ctx, u.ID, accounts.UserPatch{Active: &active})
				if err != nil {
					return fmt.Errorf("%s: %w", cmd, operatorError(err))
				}
				fmt.Fprintf(c.stdout, "user %d %s is %s\n", u.ID, u.Email, activity(u.Active))
				return nil
			})
	}
}

const userSetRoleHeader = `Usage: notesd user set-role --email E --role user|admin

Changes a user's role. The last active admin cannot be made a user. Access
tokens already issued keep their scopes until they expire, cut to the new
role's. With SQLite, stop the server first (it caches users), or use the
admin API.
`

// runUserSetRole runs "notesd user set-role".
func runUserSetRole(ctx context.Context, args []string, c cli) error {
	var role string
	return emailCommand(ctx, args, c, "user set-role", userSetRoleHeader, true,
		func(fs *flagSet) { fs.StringVar(&role, "role", "", "the new role: user or admin (required)") },
		func(ctx context.Context, db operatorStore, u accounts.User) error {
			r := accounts.Role(role)
			if !r.Valid() {
				return fmt.Errorf("user set-role: --role must be user or admin, not %q", role)
			}
			u, err := db.OperatorUpdateUser(ctx, u.ID, accounts.UserPatch{Role: &r})
			if err != nil {
				return fmt.Errorf("user set-role: %w", operatorError(err))
			}
			fmt.Fprintf(c.stdout, "user %d %s has role %s\n", u.ID, u.Email, u.Role)
			return nil
		})
}

const userSetPasswordHeader = `Usage: notesd user set-password --email E

Sets a user's password and revokes all of the user's sessions. The password
is never taken from the command line: on a terminal it is asked for twice
without echo; otherwise exactly one line is read from stdin
(printf '%s\n' "$PW" | notesd user set-password --email E). With SQLite,
stop the server first (it caches sessions).
`

// runUserSetPassword runs "notesd user set-password".
func runUserSetPassword(ctx context.Context, args []string, c cli) error {
	return emailCommand(ctx, args, c, "user set-password", userSetPasswordHeader, true, nil,
		func(ctx context.Context, db operatorStore, u accounts.User) error {
			password, err := readPassword(c.stdin, c.stderr)
			if err != nil {
				return fmt.Errorf("user set-password: %w", err)
			}
			if err := accounts.ValidatePassword("password", password); err != nil {
				return fmt.Errorf("user set-password: %w", err)
			}
			hash, err := auth.NewHasher(auth.HasherConfig{Workers: 1}).Hash(ctx, password)
			if err != nil {
				return fmt.Errorf("user set-password: %w", err)
			}
			if err := db.SetPasswordHashFor(ctx, u.ID, hash); err != nil {
				return fmt.Errorf("user set-password: %w", err)
			}
			fmt.Fprintf(c.stdout, "password of user %d %s set; its sessions are revoked\n", u.ID, u.Email)
			return nil
		})
}

const sessionRevokeAllHeader = `Usage: notesd session revoke-all --email E

Revokes every session (API logins and web UI) of a user: refresh tokens stop
working at once, access tokens at their next use. API keys are not touched
(see notesd apikey revoke). With SQLite, stop the server first (it caches
sessions), or use the admin API.
`

// runSessionRevokeAll runs "notesd session revoke-all".
func runSessionRevokeAll(ctx context.Context, args []string, c cli) error {
	return emailCommand(ctx, args, c, "session revoke-all", sessionRevokeAllHeader, true, nil,
		func(ctx context.Context, db operatorStore, u accounts.User) error {
			if err := db.RevokeAllSessionsFor(ctx, u.ID); err != nil {
				return fmt.Errorf("session revoke-all: %w", err)
			}
			fmt.Fprintf(c.stdout, "revoked every session of user %d %s\n", u.ID, u.Email)
			return nil
		})
}

const apikeyListHeader = `Usage: notesd apikey list --email E

Lists a user's API keys that are not revoked (expired ones included): id,
name, prefix, scopes, when created, when it expires, when last used. The
keys themselves are never stored, so never shown.
`

// runAPIKeyList runs "notesd apikey list".
func runAPIKeyList(ctx context.Context, args []string, c cli) error {
	return emailCommand(ctx, args, c, "apikey list", apikeyListHeader, false, nil,
		func(ctx context.Context, db operatorStore, u accounts.User) error {
			keys, err := db.APIKeysFor(ctx, u.ID)
			if err != nil {
				return fmt.Errorf("apikey list: %w", err)
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tSCOPES\tCREATED\tEXPIRES\tLAST USED")
			for _, k := range keys {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, cmp.Or(strings.Join(k.Scopes, ","), "-"),
					k.CreatedAt.UTC().Format(time.RFC3339), timeOr(k.ExpiresAt, "never"), timeOr(k.LastUsedAt, "-"))
			}
			return tw.Flush()
		})
}

const apikeyRevokeHeader = `Usage: notesd apikey revoke --email E --id N

Revokes the user's API key N (its id from notesd apikey list). With SQLite,
stop the server first (it caches keys), or revoke it through the API.
`

// runAPIKeyRevoke runs "notesd apikey revoke".
func runAPIKeyRevoke(ctx context.Context, args []string, c cli) error {
	var id string
	return emailCommand(ctx, args, c, "apikey revoke", apikeyRevokeHeader, true,
		func(fs *flagSet) { fs.StringVar(&id, "id", "", "id of the key to revoke (required)") },
		func(ctx context.Context, db operatorStore, u accounts.User) error {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("apikey revoke: --id must be a key's id (a positive integer), not %q", id)
			}
			if err := db.OperatorRevokeAPIKey(ctx, u.ID, n); errors.Is(err, notes.ErrNotFound) {
				return fmt.Errorf("apikey revoke: user %s has no live API key %d", u.Email, n)
			} else if err != nil {
				return fmt.Errorf("apikey revoke: %w", err)
			}
			fmt.Fprintf(c.stdout, "revoked API key %d of user %s\n", n, u.Email)
			return nil
		})
}

// operatorError explains the domain errors of an operator's change.
func operatorError(err error) error {
	if errors.Is(err, accounts.ErrLastAdmin) {
		return errors.New("refused: it would leave no active admin (make another user admin first)")
	}
	return err
}

// activity says whether a user is active.
func activity(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}

// yesNo is a boolean for a table.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// timeOr formats t, or returns none when t is nil.
func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}
