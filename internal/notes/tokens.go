package notes

import "time"

// TokenPurpose is what an account token is for.
type TokenPurpose string

// Token purposes.
const (
	PurposeReset  TokenPurpose = "reset"  // password reset
	PurposeVerify TokenPurpose = "verify" // e-mail verification
)

// Valid reports whether p is a known purpose.
func (p TokenPurpose) Valid() bool { return p == PurposeReset || p == PurposeVerify }

// NewAccountToken is a single-use token mailed to a user. Hash is the
// SHA-256 of the token; the token itself is never stored.
type NewAccountToken struct {
	UserID    int64
	Purpose   TokenPurpose
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}
