// Package idor is a go/analysis pass that finds the FastAPI lesson's
// insecure direct object reference in net/http + database/sql code: a
// handler with an authenticated user in scope that reads, updates or
// deletes a row by an id taken from the request with SQL whose WHERE does
// not also compare an owner column with that user.
//
// A handler is any function or function literal with an *http.Request
// parameter (an http.HandlerFunc, a method used as one, an adapter's
// func(w, r, user)). Inside it the pass follows values, flow-insensitively:
//
//   - ids from the request: r.PathValue, r.FormValue, r.PostFormValue,
//     r.URL.Query().Get / [k], r.Form[k], mux.Vars(r)[k] (gorilla/mux),
//     chi.URLParam (go-chi), httprouter's Params.ByName, and whatever
//     strconv, strings, uuid or a conversion makes of them;
//   - the user in scope: r.Context().Value(key) with a user-ish key or
//     asserted to a user-ish type, a call taking the request or its context
//     that returns a user-ish type (currentUser(r), auth.PrincipalFrom(ctx)),
//     a parameter of a user-ish type (User, Principal, Owner, Claims, …) or
//     name (userID, uid), and every field or method result of those;
//   - queries: Query, QueryContext, QueryRow, QueryRowContext, Exec and
//     ExecContext of *sql.DB, *sql.Tx, *sql.Conn (and any method of that
//     name and shape: pgx, sqlx, a local interface), and of an *sql.Stmt
//     prepared in the same function.
//
// The SQL text is folded from constants, + concatenation, fmt.Sprintf with
// a constant format and a local string variable built by = and +=. Its
// WHERE and ON conditions are parsed (AND, OR, NOT, parentheses,
// subqueries); ?, ?N, $N, :name and @name placeholders are mapped to the
// bind arguments (sql.Named for the named ones). A query is reported when
// a column is compared with a request id and no condition holds only when
// a column equals a value of the user (an OR branch without the owner
// does not count).
//
// Not reported: a query whose WHERE binds a column to the user (user_id =
// ? with user.ID); a handler with no user in scope (public data); a
// handler, or a called function, that checks a role before the query (an
// if or switch on user.Role / IsAdmin / HasRole…, a call named like
// requireAdmin in an if, a gatehouse auth.RoleGrant or auth.Privileged
// parameter); an id compared with the user's own id before the query (if
// id != user.ID { … }).
//
// Calls to functions and methods of the same package that receive the id
// or the request are followed two levels deep (so a repository whose every
// method scopes by owner is quiet); such a finding is reported at the call
// in the handler, naming the query's position.
//
// Known limits (false negatives unless said otherwise): ids from a JSON
// body or r.URL.Path parsing; calls into other packages (a store in
// another package is not read); SQL that is not foldable (a parameter, a
// strings.Builder, a slice of args passed with ...); ORMs and query
// builders; an INSERT that references another user's row (no WHERE); a
// handler whose only user check is a middleware (no user in scope, so
// taken as public); flow-insensitivity (an owner filter appended under an if
// counts as always there, a role check anywhere before the query counts
// even if it does not return); an owner filter in any WHERE of the query,
// a subquery's included, counts for the whole statement; a user value
// compared with any column counts as the owner filter, whatever the
// column is named; a request value that is mixed with the user's (id :=
// user.ID; if q != "" { id = parse(q) }) counts as the request's (a false
// positive the other way round).
package idor
