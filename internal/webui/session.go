package webui

import (
	"net/http"
)

// oldCookie is the session cookie the request carries, if any: a login
// ends its session, so the old id never works again.
func (ui *ui) oldCookie(r *http.Request) string {
	c, err := r.Cookie(ui.cookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// cookie is the session cookie carrying value; "" clears it. It is a
// browser-session cookie: the server ends the session after its maximum
// age (accounts.Config.WebMaxAge).
func (ui *ui) cookie(value string) *http.Cookie {
	c := &http.Cookie{
		Name:     ui.cookieName,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   ui.cfg.Secure,
		SameSite: http.SameSiteLaxMode,
	}
	if value == "" {
		c.MaxAge = -1
	}
	return c
}
