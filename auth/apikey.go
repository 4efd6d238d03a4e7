package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// APIKeyPrefix starts every API key gatehouse makes, so secret scanners and
// people can recognise one.
const APIKeyPrefix = "gk_"

const (
	keyIDLen     = 12 // hex characters of the public prefix
	keySecretLen = 26 // characters of rand.Text: 130 bits
)

// NewAPIKey makes a new API key "gk_<prefix>_<secret>". Store prefix (to
// find the key) and hash (SHA-256 of the whole key, to check it); show key
// to its owner once and never store it.
func NewAPIKey() (key, prefix string, hash []byte) {
	var b [keyIDLen / 2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	prefix = hex.EncodeToString(b[:])
	key = APIKeyPrefix + prefix + "_" + rand.Text()
	return key, prefix, HashAPIKey(key)
}

// SplitAPIKey returns the public prefix of key, or ok=false when key is not
// of the form NewAPIKey makes.
func SplitAPIKey(key string) (prefix string, ok bool) {
	rest, ok := strings.CutPrefix(key, APIKeyPrefix)
	if !ok || len(rest) != keyIDLen+1+keySecretLen || rest[keyIDLen] != '_' {
		return "", false
	}
	prefix = rest[:keyIDLen]
	if _, err := hex.DecodeString(prefix); err != nil || strings.ToLower(prefix) != prefix {
		return "", false
	}
	return prefix, true
}

// HashAPIKey returns the SHA-256 of key, the form in which keys are stored.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}
