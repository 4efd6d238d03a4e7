package webui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// navUser is implemented by the data of the pages of a logged-in user:
// the layout links to the account page (and, for an admin, to the admin
// page) when there is one.
type navUser interface{ navUser() accounts.User }

func (d notesData) navUser() accounts.User   { return d.User }
func (d accountData) navUser() accounts.User { return d.User }
func (d adminData) navUser() accounts.User   { return d.Me }

// loggedIn is the layout's: the logged-in user of a page's data, or nil.
func loggedIn(d any) *accounts.User {
	if n, ok := d.(navUser); ok {
		u := n.navUser()
		return &u
	}
	return nil
}

// sessionRow is one of the sessions the account page lists.
type sessionRow struct {
	accounts.Session
	Current bool
}

// accountData is the account page's.
type accountData struct {
	Title          string
	User           accounts.User
	Notice         string
	PasswordErrors []string
	Sessions       []sessionRow
	Keys           []accounts.APIKey
	Scopes         []string // what a new key may hold
	KeyErrors      []string
	KeyName        string // what the key form shows again after an error
	NewKey         string // a key just made: shown this once
	NewKeyName     string
}

// accountList is how many sessions the account page lists, newest first.
const accountList = 100

func (ui *ui) accountPage(ctx context.Context, me viewer, r *http.Request) (result, error) {
	d := accountData{}
	if r.URL.Query().Get("changed") == "password" {
		d.Notice = "Your password is changed. Your other sessions have ended."
	}
	return ui.account(ctx, http.StatusOK, d, me)
}

// account renders the account page of status with d and the viewer's
// sessions and keys.
func (ui *ui) account(ctx context.Context, status int, d accountData, me viewer) (result, error) {
	sessions, _, err := ui.cfg.Accounts.Sessions(ctx, me.o, accounts.Page{Limit: accountList})
	if err != nil {
		return result{}, err
	}
	keys, err := ui.cfg.Accounts.APIKeys(ctx, me.o)
	if err != nil {
		return result{}, err
	}
	d.Title, d.User, d.Keys = "Your account", me.p.User(), keys
	for _, s := range sessions {
		d.Sessions = append(d.Sessions, sessionRow{Session: s, Current: me.p.SessionID() == strconv.FormatInt(s.ID, 10)})
	}
	d.Scopes = ui.cfg.Accounts.KeyScopes(me.p)
	return ui.page(status, "account", d), nil
}

// changePassword is PATCH /me's password change from the account form:
// a wrong current password or a bad new one shows the page again with
// the message; every other session of the user ends.
func (ui *ui) changePassword(ctx context.Context, _ struct{}, me viewer, f formValues) (result, error) {
	current, password := f.get("current_password"), f.get("password")
	var err error
	if current == "" {
		err = problem.Invalid("body.current_password", "field required")
	} else {
		err = ui.cfg.Accounts.ChangePassword(ctx, me.p, me.o, current, password)
	}
	if p := ui.formProblem(err, http.StatusBadRequest, http.StatusUnprocessableEntity); p != nil {
		return ui.account(ctx, p.Status, accountData{PasswordErrors: messages(p)}, me)
	}
	if err != nil {
		return result{}, err
	}
	return seeOther("/ui/account?changed=password"), nil
}

// revokeSession ends one of the viewer's sessions; anyone else's is the
// 404 page, as a missing one is.
func (ui *ui) revokeSession(ctx context.Context, _ struct{}, me viewer, id int64) (result, error) {
	if err := ui.cfg.Accounts.RevokeSession(ctx, me.o, id); err != nil {
		return result{}, err
	}
	return seeOther("/ui/account"), nil
}

// createAPIKey makes a key and shows the account page with it, the one
// time it is shown (201, and no cache keeps the page).
func (ui *ui) createAPIKey(ctx context.Context, _ struct{}, me viewer, f formValues) (result, error) {
	k := accounts.APIKeyRequest{Name: f.get("name"), Scopes: f["scopes"]}
	var err error
	if days := f.get("expires_in_days"); days != "" {
		n, perr := strconv.Atoi(days)
		if perr != nil {
			err = problem.Invalid("body.expires_in_days", "must be a whole number of days")
		}
		k.ExpiresInDays = &n
	}
	var made accounts.APIKey
	var secret string
	if err == nil {
		made, secret, err = ui.cfg.Accounts.CreateAPIKey(ctx, me.p, me.o, k)
	}
	if p := ui.formProblem(err, http.StatusUnprocessableEntity, http.StatusConflict); p != nil {
		return ui.account(ctx, p.Status, accountData{KeyErrors: messages(p), KeyName: k.Name}, me)
	}
	if err != nil {
		return result{}, err
	}
	return ui.account(ctx, http.StatusCreated, accountData{NewKey: secret, NewKeyName: made.Name}, me)
}

// revokeAPIKey revokes one of the viewer's keys; anyone else's is the 404
// page, as a missing one is.
func (ui *ui) revokeAPIKey(ctx context.Context, _ struct{}, me viewer, id int64) (result, error) {
	if err := ui.cfg.Accounts.RevokeAPIKey(ctx, me.o, id); err != nil {
		return result{}, err
	}
	return seeOther("/ui/account"), nil
}

// formProblem is the problem of err when its status is one of statuses:
// an answer the form's page shows with the form, not an error page.
func (ui *ui) formProblem(err error, statuses ...int) *problem.Details {
	if err == nil {
		return nil
	}
	var p *problem.Details
	if !errors.As(err, &p) && ui.cfg.MapError != nil {
		p = ui.cfg.MapError(err)
	}
	if p != nil && slices.Contains(statuses, p.Status) {
		return p
	}
	return nil
}
