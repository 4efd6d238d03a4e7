package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// secretFileName is the generated signing secret's file in the data directory.
const secretFileName = "secret.key"

// generatedSecretBytes is the entropy of a generated secret: 256 bits,
// written as 64 hex characters.
const generatedSecretBytes = 32

// signingSecret returns the HS256 secret: --secret-key as raw UTF-8 bytes
// when given, else the contents of dataDir/secret.key, generated on first
// use. Either way the secret must pass auth.CheckSecret.
func signingSecret(given, dataDir string, logger *slog.Logger) ([]byte, error) {
	if given != "" {
		secret := []byte(given)
		if err := auth.CheckSecret(secret); err != nil {
			return nil, fmt.Errorf("--secret-key refused: %w", err)
		}
		return secret, nil
	}
	return loadOrCreateSecret(filepath.Join(dataDir, secretFileName), logger)
}

// loadOrCreateSecret reads the secret in path, or generates one into it
// (mode 0600) when the file does not exist. Trailing line breaks of the file
// are ignored, as "$(cat path)" does in a shell.
func loadOrCreateSecret(path string, logger *slog.Logger) ([]byte, error) {
	secret, created, err := loadOrCreate(path, func(p string) ([]byte, error) { return readSecretFile(p, logger) }, createSecretFile)
	if created {
		logger.Warn("no --secret-key given: generated a signing secret; keep the file private, back it up, "+
			"and give every replica the same secret", "path", path)
	}
	return secret, err
}

// loadOrCreate reads the key file at path, or creates it when it does not
// exist; created reports which. read's error must wrap fs.ErrNotExist for
// a missing file, create's fs.ErrExist when the file appeared meanwhile.
func loadOrCreate[T any](path string, read, create func(path string) (T, error)) (v T, created bool, err error) {
	v, err = read(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return v, false, err
	}
	v, err = create(path)
	if errors.Is(err, fs.ErrExist) {
		// Another notesd starting at the same time wrote it first.
		v, err = read(path)
		return v, false, err
	}
	return v, err == nil, err
}

// readSecretFile reads and checks the secret file at path; its error wraps
// fs.ErrNotExist when there is none.
func readSecretFile(path string, logger *slog.Logger) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	warnIfShared(path, "secret key file", logger)
	secret := []byte(strings.TrimRight(string(b), "\r\n"))
	if err := auth.CheckSecret(secret); err != nil {
		return nil, fmt.Errorf("secret key file %s refused: %w", path, err)
	}
	logger.Info("using the HS256 secret from file", "path", path)
	return secret, nil
}

// createSecretFile generates a secret and writes it to path with
// writeNewFile.
func createSecretFile(path string) ([]byte, error) {
	var raw [generatedSecretBytes]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	secret := []byte(hex.EncodeToString(raw[:]))
	if err := writeNewFile(path, append(secret, '\n')); err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	return secret, nil
}

// writeNewFile writes data to path with mode 0600, creating its directory
// (0700) if needed. path must not exist (the error wraps fs.ErrExist if it
// does). The file is written in full under a temporary name and then linked
// into place, so a concurrent reader never sees half a key.
func writeNewFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}

// warnIfShared logs a warning when the key file at path is readable by
// group or others.
func warnIfShared(path, what string, logger *slog.Logger) {
	if info, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		logger.Warn(what+" is readable by group or others; run chmod 600 on it",
			"path", path, "mode", fmt.Sprintf("%#o", info.Mode().Perm()))
	}
}

// keyID names a key in the "kid" header: the first 8 hex characters of the
// SHA-256 of an HS256 secret (which reveal nothing usable about it) or of an
// Ed25519 public key.
func keyID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:4])
}

// newKeyring returns the keyring that signs and verifies with secret alone.
func newKeyring(issuer, audience string, secret []byte) (*auth.Keyring, error) {
	key, err := auth.HS256Key(keyID(secret), secret)
	if err != nil {
		return nil, err
	}
	return auth.NewKeyring(auth.KeyringConfig{Issuer: issuer, Audience: audience}, key)
}
