package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/gatehouse/problem"
)

// LegacyTokens lets an Authenticator's Bearer accept, besides the
// Keyring's tokens, the HS256 access tokens of the application its users
// were imported from, until a cut-off, so that moving them over does not
// log everyone out. The tokens are those of the FastAPI lesson
// (python-jose): a "sub" naming the user in the old application, an
// "exp", signed with its SECRET_KEY, and nothing else required.
//
// A legacy token has no session behind it: it cannot be revoked, and it
// works until it expires or Until passes, whatever happens to the user's
// sessions (it cannot log out: that is 401). The user is looked up on
// every request, so ActiveUser refuses a deactivated one, and a user the
// store no longer finds is 401.
type LegacyTokens[U any] struct {
	// Secret is the old application's HS256 key, as raw bytes. Required.
	Secret []byte
	// Until is the cut-off: from then on no legacy token is accepted.
	// Required.
	Until time.Time
	// Users finds the user a legacy token's "sub" names. Required.
	Users LegacyUserStore[U]
	// Scopes is what a legacy token grants its user, since it carries
	// none (typically all the user's role allows); nil grants none.
	Scopes func(U) []string
}

// LegacyUserStore finds the user a legacy token names: subject is its
// "sub", the user's id in the old application. ErrUnknown when there is
// none; any other error is a server error.
type LegacyUserStore[U any] interface {
	FindLegacyUser(ctx context.Context, subject string) (U, error)
}

// check reports what is missing from l.
func (l *LegacyTokens[U]) check() error {
	switch {
	case len(l.Secret) == 0:
		return errors.New("auth: LegacyTokens needs a Secret")
	case l.Until.IsZero():
		return errors.New("auth: LegacyTokens needs an Until")
	case l.Users == nil:
		return errors.New("auth: LegacyTokens needs Users")
	}
	return nil
}

// VerifyLegacy checks a legacy token (see LegacyTokens) signed with
// secret at time now, and returns its "sub". Every failure wraps
// [ErrInvalidToken]. The rules are Verify's where they apply: at most
// 8 KiB of strict, canonical base64url in three segments; JSON objects
// without duplicate keys; no "crit"; and then:
//
//   - no "kid" header: a token naming a key is a Keyring's, never legacy;
//   - "alg" HS256 and nothing else, and the signature valid for secret;
//   - "exp" present and not past, "nbf" and "iat" (if present) not
//     future, each with leeway;
//   - "sub" a non-empty string.
//
// No issuer or audience is asked for: the lesson's tokens carry neither.
func VerifyLegacy(token string, secret []byte, now time.Time, leeway time.Duration) (string, error) {
	sub, err := verifyLegacy(token, secret, now, leeway)
	if err != nil {
		return "", fmt.Errorf("%w: legacy: %w", ErrInvalidToken, err)
	}
	return sub, nil
}

func verifyLegacy(token string, secret []byte, now time.Time, leeway time.Duration) (string, error) {
	switch {
	case now.IsZero():
		return "", errors.New("zero verification time")
	case len(secret) == 0:
		return "", errors.New("no secret")
	}
	if err := checkRaw(token); err != nil {
		return "", err
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	mc := jwt.MapClaims{}
	if _, err := p.ParseWithClaims(token, mc, func(t *jwt.Token) (any, error) {
		if _, present := t.Header["kid"]; present {
			return nil, errors.New("a token with a kid is not a legacy token")
		}
		if t.Method != jwt.SigningMethodHS256 {
			return nil, errors.New("alg is not HS256")
		}
		return secret, nil
	}); err != nil {
		return "", err
	}
	return requiredString(mc, "sub")
}

// fromLegacy is fromToken's second try, for a token the Keyring refused.
func (a *Authenticator[U]) fromLegacy(ctx context.Context, token string) (Principal[U], error) {
	l := a.cfg.Legacy
	now := a.cfg.Now()
	if !now.Before(l.Until) {
		return Principal[U]{}, problem.InvalidToken()
	}
	sub, err := verifyLegacy(token, l.Secret, now, a.cfg.Keyring.leeway)
	if err != nil {
		return Principal[U]{}, problem.InvalidToken()
	}
	u, err := l.Users.FindLegacyUser(ctx, sub)
	if errors.Is(err, ErrUnknown) {
		return Principal[U]{}, problem.InvalidToken()
	}
	if err != nil {
		return Principal[U]{}, fmt.Errorf("auth: find legacy user: %w", err)
	}
	var scopes []string
	if l.Scopes != nil {
		scopes = l.Scopes(u)
	}
	a.logged(ctx, u, "", slog.String("legacy_subject", sub))
	return Principal[U]{user: u, method: MethodLegacyBearer, scopes: scopes}, nil
}
