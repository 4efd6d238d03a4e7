package webui

import (
	"context"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// tokenData is the data of the pages a mailed link opens, and of the
// form that asks for the link.
type tokenData struct {
	Title  string
	Token  string
	Email  string
	Errors []string
	Notice string
	Done   bool
}

// resetSent is the one answer to every reset request, known e-mail or not.
const resetSent = "If an account has this e-mail address, a password reset link has been sent to it."

func (ui *ui) forgotPage(_ context.Context, r *http.Request) (result, error) {
	d := tokenData{Title: "Forgot your password?"}
	if r.URL.Query().Get("sent") != "" {
		d.Notice = resetSent
	}
	return ui.page(http.StatusOK, "forgot", d), nil
}

// requestReset queues a reset mail like POST /auth/password-reset (same
// limits, same queue) and answers every well-formed e-mail, known or
// not, with the same redirect.
func (ui *ui) requestReset(ctx context.Context, _ struct{}, c accounts.Client, f formValues) (result, error) {
	d := tokenData{Title: "Forgot your password?", Email: f.get("email")}
	err := ui.cfg.Accounts.RequestPasswordReset(ctx, c, d.Email)
	if p := ui.formProblem(err, http.StatusUnprocessableEntity); p != nil {
		d.Errors = messages(p)
		return ui.page(p.Status, "forgot", d), nil
	}
	if err != nil {
		return result{}, err
	}
	return seeOther("/ui/forgot-password?sent=1"), nil
}

// mailedToken is the token of a mailed link's query; a link without one
// is the 400 page of a bad token.
func mailedToken(r *http.Request) (string, error) {
	t := r.URL.Query().Get("token")
	if t == "" {
		return "", problem.InvalidOrExpiredToken()
	}
	return t, nil
}

// resetPage is the form a reset link opens. It only shows the form: the
// token is used by the form's POST.
func (ui *ui) resetPage(_ context.Context, r *http.Request) (result, error) {
	t, err := mailedToken(r)
	if err != nil {
		return result{}, err
	}
	return ui.page(http.StatusOK, "reset", tokenData{Title: "Choose a new password", Token: t}), nil
}

// confirmReset sets the new password like POST
// /auth/password-reset/confirm (every session of the user ends) and sends
// the browser to the login form. A bad password shows the form again; a
// used, expired or unknown token is the 400 page.
func (ui *ui) confirmReset(ctx context.Context, _ struct{}, f formValues) (result, error) {
	d := tokenData{Title: "Choose a new password", Token: f.get("token")}
	err := ui.cfg.Accounts.ResetPassword(ctx, d.Token, f.get("password"))
	if p := ui.formProblem(err, http.StatusUnprocessableEntity); p != nil {
		d.Errors = messages(p)
		return ui.page(p.Status, "reset", d), nil
	}
	if err != nil {
		return result{}, err
	}
	return seeOther("/ui/login?reset=1"), nil
}

// verifyPage is what a verification link opens: a button that posts the
// token. The GET changes nothing, since mail scanners follow links.
func (ui *ui) verifyPage(_ context.Context, r *http.Request) (result, error) {
	t, err := mailedToken(r)
	if err != nil {
		return result{}, err
	}
	return ui.page(http.StatusOK, "verify", tokenData{Title: "Verify your e-mail address", Token: t}), nil
}

// confirmVerify verifies the address like POST /auth/verify-email/confirm;
// a used, expired or unknown token is the 400 page.
func (ui *ui) confirmVerify(ctx context.Context, _ struct{}, f formValues) (result, error) {
	if err := ui.cfg.Accounts.VerifyEmail(ctx, f.get("token")); err != nil {
		return result{}, err
	}
	return ui.page(http.StatusOK, "verify", tokenData{Title: "Verify your e-mail address", Done: true}), nil
}
