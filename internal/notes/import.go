package notes

import (
	"strconv"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

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

// ParseSourceID parses a source application's user id as its tokens
// carry it ("sub"): a positive integer in canonical decimal only, so that
// "07" or "+7" name no one rather than user 7.
func ParseSourceID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}
