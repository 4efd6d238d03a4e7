package clean

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// 1: the owner column bound to the user's id.
func (s *Server) getNote(w http.ResponseWriter, r *http.Request) {
	u := r.Context().Value(userKey).(*User)
	id, _ := strconv.Atoi(r.PathValue("id"))
	_ = s.db.QueryRowContext(r.Context(), "SELECT title FROM notes WHERE id = ? AND user_id = ?", id, u.ID)
}

// 2: $n placeholders, the owner first.
func (s *Server) getNotePG(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_, _ = s.db.QueryContext(r.Context(), "SELECT title FROM notes WHERE owner_id = $2 AND id = $1", r.PathValue("id"), u.ID)
}

// 3: fmt.Sprintf with the owner filter in the format.
func (s *Server) getNoteSprintf(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	q := fmt.Sprintf("SELECT title FROM %s WHERE id = ? AND author_id = ?", "notes")
	_ = s.db.QueryRow(q, r.PathValue("id"), u.ID)
}

// 4: public data: no user in scope.
func (s *Server) getPublicPost(w http.ResponseWriter, r *http.Request) {
	_ = s.db.QueryRow("SELECT title FROM posts WHERE id = ? AND published", r.PathValue("id"))
}

// 5: an admin handler gated by IsAdmin.
func (s *Server) adminDeleteNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if !u.IsAdmin {
		http.Error(w, "Not enough permissions", http.StatusForbidden)
		return
	}
	_, _ = s.db.Exec("DELETE FROM notes WHERE id = ?", r.PathValue("id"))
}

// 6: an admin handler gated by the role field.
func (s *Server) adminGetNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if u.Role != "admin" {
		http.Error(w, "Not enough permissions", http.StatusForbidden)
		return
	}
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ?", r.PathValue("id"))
}

// 7: an admin handler gated by a role function.
func (s *Server) adminUpdateNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if !hasRole(u, "moderator") {
		return
	}
	_, _ = s.db.Exec("UPDATE notes SET hidden = 1 WHERE id = ?", r.PathValue("id"))
}

// 8: gatehouse's proof of a role check as a parameter.
func (s *Server) adminPurge(w http.ResponseWriter, r *http.Request, p auth.Privileged[User]) {
	_, _ = s.db.Exec("DELETE FROM notes WHERE id = ?", r.PathValue("id"))
}

// 9: the user's own id: the request's id is compared with it first.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id != u.ID {
		notFound(w)
		return
	}
	_ = s.db.QueryRow("SELECT name FROM users WHERE id = ?", id)
}

// 10: /me: the query uses the user's id only.
func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow("SELECT name FROM users WHERE id = ?", u.ID)
}

// 11: a repository whose methods all scope by owner.
func (s *Server) getNoteViaRepo(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	id := r.PathValue("id")
	_, _ = s.repo.Get(r.Context(), u.ID, id)
	_ = s.repo.Delete(r.Context(), u.ID, id)
}

// Get reads one of owner's notes.
func (n *NoteRepo) Get(ctx context.Context, owner int64, id string) (string, error) {
	var title string
	err := n.db.QueryRowContext(ctx, "SELECT title FROM notes WHERE id = ? AND owner_id = ?", id, owner).Scan(&title)
	return title, err
}

// Delete deletes one of owner's notes.
func (n *NoteRepo) Delete(ctx context.Context, owner int64, id string) error {
	_, err := n.db.ExecContext(ctx, "DELETE FROM notes WHERE owner_id = ? AND id = ?", owner, id)
	return err
}

// 12: a helper that scopes by the owner it is given.
func (s *Server) getNoteViaHelper(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_, _ = loadNote(r.Context(), s.db, u.ID, r.PathValue("id"))
}

func loadNote(ctx context.Context, db *sql.DB, owner int64, id string) (string, error) {
	var title string
	err := db.QueryRowContext(ctx, "SELECT title FROM notes WHERE id = ? AND user_id = ?", id, owner).Scan(&title)
	return title, err
}

// 13: membership through a subquery.
func (s *Server) getProjectNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow(`SELECT title FROM notes
		WHERE id = ? AND project_id IN (SELECT project_id FROM members WHERE user_id = ?)`,
		r.PathValue("id"), u.ID)
}

// 14: membership through a join.
func (s *Server) getTeamNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow(`SELECT n.title FROM notes n
		JOIN members m ON m.project_id = n.project_id AND m.user_id = ?
		WHERE n.id = ?`, u.ID, r.PathValue("id"))
}

// 15: an OR whose every branch names the user.
func (s *Server) getSharedNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ? AND (owner_id = ? OR shared_with = ?)",
		r.PathValue("id"), u.ID, u.ID)
}

// 16: a named parameter for the owner.
func (s *Server) getNoteNamed(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = @id AND owner_id = @owner",
		sql.Named("id", r.PathValue("id")), sql.Named("owner", u.ID))
}

// 17: the owner filter appended with +=.
func (s *Server) getNoteBuilt(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	q := "SELECT title FROM notes WHERE id = ?"
	q += " AND user_id = ?"
	_ = s.db.QueryRow(q, r.PathValue("id"), u.ID)
}

// 18: a prepared statement that scopes by owner.
func (s *Server) getNotePrepared(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	stmt, err := s.db.Prepare("SELECT title FROM notes WHERE id = ? AND user_id = ?")
	if err != nil {
		return
	}
	defer stmt.Close()
	_ = stmt.QueryRow(r.PathValue("id"), u.ID)
}

// 19: a request value that is no id filter (LIMIT).
func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	_, _ = s.db.Query("SELECT title FROM notes WHERE user_id = ? ORDER BY id LIMIT ?", u.ID, limit)
}

// 20: a gatehouse Owner parameter.
func (s *Server) getNoteOwner(w http.ResponseWriter, r *http.Request, o auth.Owner[int64]) {
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ? AND owner_id = ?", r.PathValue("id"), o.ID())
}

// 21: numbered placeholders in another order.
func (s *Server) getNoteNumbered(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow("SELECT title FROM notes WHERE user_id = ?2 AND id = ?1", r.PathValue("id"), u.ID)
}

// 22: the placeholder on the left.
func (s *Server) getNoteLeft(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow("SELECT title FROM notes WHERE $1 = id AND $2 = owner_id", r.PathValue("id"), u.ID)
}

// 23: an admin handler gated by a switch on the role.
func (s *Server) adminRestore(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	switch u.Role {
	case "admin":
		_, _ = s.db.Exec("UPDATE notes SET deleted_at = NULL WHERE id = ?", r.PathValue("id"))
	default:
		http.Error(w, "Not enough permissions", http.StatusForbidden)
	}
}

// 24: a tenant filter from the claims.
func (s *Server) getInvoice(w http.ResponseWriter, r *http.Request) {
	claims := r.Context().Value(claimsKey).(Claims)
	_ = s.db.QueryRow("SELECT total FROM invoices WHERE invoice_id = ? AND tenant_id = ?", r.FormValue("invoice"), claims.TenantID)
}

// 25: a handler with no user that calls a helper: public data.
func (s *Server) getPublicViaHelper(w http.ResponseWriter, r *http.Request) {
	_, _ = loadPost(r.Context(), s.db, r.PathValue("id"))
}

func loadPost(ctx context.Context, db *sql.DB, id string) (string, error) {
	var title string
	err := db.QueryRowContext(ctx, "SELECT title FROM posts WHERE id = ?", id).Scan(&title)
	return title, err
}

// 26: a helper called after the handler's role check.
func (s *Server) adminViaHelper(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if !u.IsAdmin {
		return
	}
	_, _ = loadPost(r.Context(), s.db, r.PathValue("id"))
}

// 27: an INSERT's values are no filter, the WHERE of its SELECT scopes.
func (s *Server) copyNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_, _ = s.db.Exec(`INSERT INTO notes (owner_id, title)
		SELECT owner_id, title FROM notes WHERE id = ? AND owner_id = ?`, r.PathValue("id"), u.ID)
}

// 28: a closure handler scoping by the captured user.
func (s *Server) handleGet(u *User) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ? AND user_id = ?", r.PathValue("id"), u.ID)
	}
}
