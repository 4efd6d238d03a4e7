package notes

import "github.com/gatehouse-dev/gatehouse/accounts"

// ImportedUser is an account brought over from another application (the
// operator's `notesd import`), with its password hash as that application
// stored it (e.g. bcrypt; it is re-hashed at the next login) and its
// notes. Stores write it in one transaction, so a user is imported with
// all their notes or not at all.
type ImportedUser struct {
	accounts.NewUser
	Active bool
	Notes  []NoteInput // in this order, so the last is the newest; quotas do not apply
	// SourceID is the user's id in the source application (0: none),
	// recorded so that its tokens, whose "sub" it is, name this user
	// (accounts.Legacy). An id recorded already for another user is not
	// recorded again.
	SourceID int64
}

// CheckText is CheckText of the user's e-mail and name and of every note's
// title and body.
func (u ImportedUser) CheckText() error {
	if err := u.NewUser.CheckText(); err != nil {
		return err
	}
	for _, n := range u.Notes {
		if err := n.CheckText(); err != nil {
			return err
		}
	}
	return nil
}
