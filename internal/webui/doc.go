// Package webui serves notesd's small web UI under /ui: a login and a
// registration form, the logged-in user's notes with a create form and a
// delete button per note, logout, the account page (password, sessions,
// API keys), the pages of the mailed links (password reset, e-mail
// verification) and, for admins, the users page. Pages are html/template files
// embedded in the binary; they load no script and only the UI's own
// stylesheet, under a strict Content-Security-Policy.
//
// Every account page calls a flow of the accounts Service, the one the
// JSON routes call. A login creates a web session (accounts'
// Service.WebLogin): a row of the same sessions table the API's tokens use
// (so logout, admin revocation and deactivation end it by the same path),
// found by the SHA-256 of a random cookie value, with an idle and an
// absolute timeout. Every login makes a fresh session (and ends the one of
// the cookie sent, if any), so a session id planted before login is
// worthless. Unsafe requests from
// another origin are refused with 403 (http.CrossOriginProtection).
package webui
