package webui

import (
	"context"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/problem"
)

type admin = auth.Privileged[accounts.User]

// adminTarget is an admin and the id of the user they act on.
type adminTarget struct {
	a  admin
	id int64
}

// adminData is the admin page's.
type adminData struct {
	Title  string
	Me     accounts.User
	Users  []accounts.User
	Next   int64 // the cursor of the next page, 0 on the last
	Errors []string
}

// adminList is how many users a page of the admin page lists.
const adminList = 100

func (ui *ui) adminPage(ctx context.Context, a admin, after int64) (result, error) {
	return ui.users(ctx, http.StatusOK, adminData{}, a, after)
}

// users renders the admin page of status with d and a page of users.
func (ui *ui) users(ctx context.Context, status int, d adminData, a admin, after int64) (result, error) {
	users, next, err := ui.cfg.Accounts.ListUsers(ctx, a.Grant, accounts.Page{After: after, Limit: adminList})
	if err != nil {
		return result{}, err
	}
	d.Title, d.Me, d.Users, d.Next = "Users", a.User(), users, next
	return ui.page(status, "admin", d), nil
}

// setActive activates or deactivates a user (deactivation ends their
// sessions); the last active admin stays, with the reason on the page.
func (ui *ui) setActive(ctx context.Context, _ struct{}, t adminTarget, f formValues) (result, error) {
	a, id := t.a, t.id
	v := f.get("active")
	if v != "true" && v != "false" {
		return ui.adminDone(ctx, a, problem.Invalid("body.active", "must be true or false"))
	}
	active := v == "true"
	_, err := ui.cfg.Accounts.UpdateUser(ctx, a.Grant, id, accounts.UserChange{Active: &active})
	return ui.adminDone(ctx, a, err)
}

// setRole sets a user's role; the last active admin stays one, with the
// reason on the page.
func (ui *ui) setRole(ctx context.Context, _ struct{}, t adminTarget, f formValues) (result, error) {
	a, id := t.a, t.id
	role := f.get("role")
	_, err := ui.cfg.Accounts.UpdateUser(ctx, a.Grant, id, accounts.UserChange{Role: &role})
	return ui.adminDone(ctx, a, err)
}

// adminDone is the answer to an admin's change: back to the list, or the
// list with the refusal (422, 409); anything else is an error page (404
// for a missing user).
func (ui *ui) adminDone(ctx context.Context, a admin, err error) (result, error) {
	if p := ui.formProblem(err, http.StatusUnprocessableEntity, http.StatusConflict); p != nil {
		return ui.users(ctx, p.Status, adminData{Errors: messages(p)}, a, 0)
	}
	if err != nil {
		return result{}, err
	}
	return seeOther("/ui/admin/users"), nil
}
