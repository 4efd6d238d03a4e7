package webui

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

type (
	principal = auth.Principal[accounts.User]
	owner     = auth.Owner[int64]
)

// viewer is a logged-in user and the proof of whose notes they may touch.
type viewer struct {
	p principal
	o owner
}

// loginData is the login form's.
type loginData struct {
	Title  string
	Email  string
	Error  string
	Notice string
}

func (ui *ui) loginPage(_ context.Context, r *http.Request) (result, error) {
	d := loginData{Title: "Log in"}
	if r.URL.Query().Get("registered") != "" {
		d.Notice = "Your account is ready: log in."
	}
	if r.URL.Query().Get("reset") != "" {
		d.Notice = "Your password is changed: log in with the new one."
	}
	return ui.page(http.StatusOK, "login", d), nil
}

// login checks the form like POST /auth/login does (same hasher, same
// limits, same answer for an unknown e-mail and a wrong password), then
// starts a fresh web session, ending the one of the cookie sent if any.
func (ui *ui) login(ctx context.Context, _ struct{}, c accounts.Client, r *http.Request) (result, error) {
	v, err := auth.ParseForm(r)
	if err != nil {
		return result{}, err
	}
	f := formValues(v)
	email := f.get("email")
	value, err := ui.cfg.Accounts.WebLogin(ctx, c, email, f.get("password"), ui.oldCookie(r))
	if p := (*problem.Details)(nil); errors.As(err, &p) && (p.Status == http.StatusUnauthorized || p.Status == http.StatusBadRequest) {
		return ui.page(p.Status, "login", loginData{Title: "Log in", Email: email, Error: p.Detail}), nil
	}
	if err != nil {
		return result{}, err
	}
	res := seeOther("/ui/")
	res.cookie = ui.cookie(value)
	return res, nil
}

// registerData is the registration form's.
type registerData struct {
	Title  string
	Email  string
	Name   string
	Errors []string
}

func (ui *ui) registerPage(context.Context, struct{}) (result, error) {
	return ui.page(http.StatusOK, "register", registerData{Title: "Create an account"}), nil
}

// register creates the account and sends the browser to the login form.
func (ui *ui) register(ctx context.Context, _ struct{}, c accounts.Client, f formValues) (result, error) {
	d := registerData{Title: "Create an account", Email: f.get("email"), Name: f.get("name")}
	_, err := ui.cfg.Accounts.Register(ctx, c, accounts.Registration{Email: d.Email, Password: f.get("password"), Name: d.Name})
	if p := ui.userError(err); p != nil {
		d.Errors = messages(p)
		return ui.page(p.Status, "register", d), nil
	}
	if err != nil {
		return result{}, err
	}
	return seeOther("/ui/login?registered=1"), nil
}

// userError is the problem of err when the user can fix it by editing the
// form (a validation error, a conflict), else nil.
func (ui *ui) userError(err error) *problem.Details {
	if err == nil {
		return nil
	}
	var p *problem.Details
	if !errors.As(err, &p) && ui.cfg.MapError != nil {
		p = ui.cfg.MapError(err)
	}
	if p == nil || (p.Status != http.StatusUnprocessableEntity && p.Status != http.StatusConflict) {
		return nil
	}
	return p
}

// notesData is the notes page's.
type notesData struct {
	Title  string
	User   accounts.User
	Notes  []notes.Note
	Errors []string
	Draft  notes.NoteInput // what the create form shows again after an error
}

// listSize is how many of the newest notes the page shows.
const listSize = 100

func (ui *ui) home(ctx context.Context, p principal, o owner) (result, error) {
	return ui.notesPage(ctx, http.StatusOK, notesData{User: p.User()}, o)
}

func (ui *ui) notesPage(ctx context.Context, status int, d notesData, o owner) (result, error) {
	list, _, err := ui.cfg.Store.Notes(o).List(ctx, notes.Page{Limit: listSize})
	if err != nil {
		return result{}, err
	}
	d.Title, d.Notes = "Your notes", list
	return ui.page(status, "notes", d), nil
}

// createNote adds a note; a bad one shows the page again with the errors.
func (ui *ui) createNote(ctx context.Context, _ struct{}, me viewer, f formValues) (result, error) {
	p, o := me.p, me.o
	in := notes.NoteInput{Title: f.get("title"), Body: f.get("body")}
	err := in.Validate()
	if err == nil {
		in.MaxPerUser = ui.cfg.MaxNotes
		var n notes.Note
		if n, err = ui.cfg.Store.Notes(o).Create(ctx, in); err == nil {
			ui.publish(ctx, notes.Event{Kind: notes.EventCreated, OwnerID: o.ID(), NoteID: n.ID, Note: &n})
		}
	}
	if pr := ui.userError(err); pr != nil {
		return ui.notesPage(ctx, pr.Status, notesData{User: p.User(), Errors: messages(pr), Draft: in}, o)
	}
	if err != nil {
		return result{}, err
	}
	return seeOther("/ui/"), nil
}

// deleteNote deletes one of the owner's notes; anyone else's is the 404
// page, as a missing one is.
func (ui *ui) deleteNote(ctx context.Context, _ struct{}, o owner, id int64) (result, error) {
	if err := ui.cfg.Store.Notes(o).Delete(ctx, id); err != nil {
		return result{}, err
	}
	ui.publish(ctx, notes.Event{Kind: notes.EventDeleted, OwnerID: o.ID(), NoteID: id})
	return seeOther("/ui/"), nil
}

// publish tells the event streams of a stored change, if there are any.
func (ui *ui) publish(ctx context.Context, e notes.Event) {
	if ui.cfg.Events == nil {
		return
	}
	if err := ui.cfg.Events.Publish(ctx, e); err != nil {
		ui.cfg.Logger.WarnContext(ctx, "publish note event", "kind", e.Kind, "note_id", e.NoteID, "error", err)
	}
}

// logout ends the cookie's session and clears the cookie.
func (ui *ui) logout(ctx context.Context, _ struct{}, p principal, o owner) (result, error) {
	if err := ui.cfg.Accounts.WebLogout(ctx, p, o); err != nil {
		return result{}, err
	}
	res := seeOther("/ui/login")
	res.cookie = ui.cookie("")
	return res, nil
}
