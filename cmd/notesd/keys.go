package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// The algorithms of --signing-alg, spelled as in JWT headers.
const (
	algHS256 = "HS256"
	algEdDSA = "EdDSA"
)

// ed25519FileName is the generated Ed25519 signing key's file in the data
// directory: PEM, PKCS #8.
const ed25519FileName = "ed25519.key"

// pemPrivateKey is the PEM block type of a PKCS #8 private key.
const pemPrivateKey = "PRIVATE KEY"

// serverKeyring returns the keyring serve signs and verifies access tokens
// with. The first key signs, every key verifies:
//
//   - HS256: [secret key, previous secret keys…], the secret key being
//     --secret-key or secret.key in dataDir, generated on first use;
//   - EdDSA: [Ed25519 key in dataDir/ed25519.key, generated on first use,
//     then the secret key if there is one (--secret-key or an existing
//     secret.key; none is generated), previous secret keys…], so that
//     tokens signed before the switch stay valid until they expire.
//
// Given secrets are checked before any file is read or written.
func (c *config) serverKeyring(dataDir string, logger *slog.Logger) (*auth.Keyring, error) {
	previous, err := previousSecrets(c.previousSecretKeys)
	if err != nil {
		return nil, err
	}
	if c.secretKey != "" {
		if err := auth.CheckSecret([]byte(c.secretKey)); err != nil {
			return nil, fmt.Errorf("--secret-key refused: %w", err)
		}
		if err := notCurrent(previous, []byte(c.secretKey)); err != nil {
			return nil, err
		}
	}

	var keys []auth.SigningKey
	var secret []byte
	switch c.signingAlg {
	case algEdDSA:
		priv, err := loadOrCreateEd25519Key(filepath.Join(dataDir, ed25519FileName), logger)
		if err != nil {
			return nil, err
		}
		key, err := ed25519SigningKey(priv)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
		if secret, err = verifyingSecret(c.secretKey, dataDir, logger); err != nil {
			return nil, err
		}
	case algHS256:
		if secret, err = signingSecret(c.secretKey, dataDir, logger); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("--signing-alg: unknown algorithm %q", c.signingAlg)
	}

	secrets := previous
	if secret != nil {
		if err := notCurrent(previous, secret); err != nil {
			return nil, err
		}
		secrets = append([][]byte{secret}, previous...)
	}
	for _, s := range secrets {
		key, err := auth.HS256Key(keyID(s), s)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	keyring, err := auth.NewKeyring(auth.KeyringConfig{Issuer: c.issuer, Audience: c.audience}, keys...)
	if err != nil {
		return nil, err
	}
	logger.Info("access tokens", "alg", c.signingAlg, "kid", keys[0].ID, "verify_only_keys", len(keys)-1)
	return keyring, nil
}

// previousSecrets splits --previous-secret-keys at its commas and checks
// each secret as --secret-key is checked. The secrets are used as raw
// bytes, so white space around one is refused rather than trimmed; no
// error shows a secret.
func previousSecrets(list string) ([][]byte, error) {
	if list == "" {
		return nil, nil
	}
	var secrets [][]byte
	for i, s := range strings.Split(list, ",") {
		n := i + 1
		switch {
		case s == "":
			return nil, fmt.Errorf("--previous-secret-keys: key %d is empty", n)
		case strings.TrimSpace(s) != s:
			return nil, fmt.Errorf("--previous-secret-keys: key %d starts or ends with white space "+
				"(keys are used as raw bytes; separate them with a bare comma)", n)
		}
		b := []byte(s)
		if err := auth.CheckSecret(b); err != nil {
			return nil, fmt.Errorf("--previous-secret-keys: key %d refused: %w", n, err)
		}
		for j, earlier := range secrets {
			if bytes.Equal(earlier, b) {
				return nil, fmt.Errorf("--previous-secret-keys: key %d repeats key %d", n, j+1)
			}
		}
		secrets = append(secrets, b)
	}
	return secrets, nil
}

// notCurrent refuses a previous secret equal to the current one.
func notCurrent(previous [][]byte, current []byte) error {
	for i, p := range previous {
		if bytes.Equal(p, current) {
			return fmt.Errorf("--previous-secret-keys: key %d is the current secret key", i+1)
		}
	}
	return nil
}

// verifyingSecret returns the HS256 secret that still verifies when EdDSA
// signs: --secret-key when given, else dataDir/secret.key if it exists,
// else nil. It never generates one.
func verifyingSecret(given, dataDir string, logger *slog.Logger) ([]byte, error) {
	if given != "" {
		return []byte(given), nil
	}
	secret, err := readSecretFile(filepath.Join(dataDir, secretFileName), logger)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return secret, err
}

// ed25519SigningKey returns priv as a keyring key named by the first 8 hex
// characters of its public key's SHA-256.
func ed25519SigningKey(priv ed25519.PrivateKey) (auth.SigningKey, error) {
	pub, ok := priv.Public().(ed25519.PublicKey)
	if !ok {
		return auth.SigningKey{}, errors.New("ed25519 key: no public key")
	}
	return auth.Ed25519Key(keyID(pub), priv)
}

// loadOrCreateEd25519Key reads the Ed25519 key in path, or generates one
// into it (mode 0600) when the file does not exist.
func loadOrCreateEd25519Key(path string, logger *slog.Logger) (ed25519.PrivateKey, error) {
	key, created, err := loadOrCreate(path, func(p string) (ed25519.PrivateKey, error) { return readEd25519Key(p, logger) }, createEd25519Key)
	if created {
		logger.Warn("generated an Ed25519 signing key; keep the file private, back it up, "+
			"and give every replica the same key", "path", path)
	}
	return key, err
}

// readEd25519Key reads the PEM PKCS #8 Ed25519 key at path; its error wraps
// fs.ErrNotExist when there is none.
func readEd25519Key(path string, logger *slog.Logger) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ed25519 key file: %w", err)
	}
	warnIfShared(path, "ed25519 key file", logger)
	block, _ := pem.Decode(b)
	if block == nil || block.Type != pemPrivateKey {
		return nil, fmt.Errorf("ed25519 key file %s: no PEM %q block", path, pemPrivateKey)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("ed25519 key file %s: %w", path, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("ed25519 key file %s holds a %T, want an Ed25519 key", path, parsed)
	}
	logger.Info("using the Ed25519 signing key from file", "path", path)
	return key, nil
}

// createEd25519Key generates an Ed25519 key and writes it to path as PEM
// PKCS #8, like createSecretFile writes a secret.
func createEd25519Key(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(nil) // crypto/rand
	if err != nil {
		return nil, fmt.Errorf("ed25519 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("ed25519 key: %w", err)
	}
	if err := writeNewFile(path, pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der})); err != nil {
		return nil, fmt.Errorf("ed25519 key file: %w", err)
	}
	return key, nil
}
