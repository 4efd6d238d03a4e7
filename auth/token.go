package auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken is returned, wrapped, by every failure of [Keyring.Verify].
// Callers answer it with 401 "Could not validate credentials"; the wrapped
// detail is for logs only.
var ErrInvalidToken = errors.New("invalid token")

const (
	// maxTokenLen bounds the size of a token Verify looks at (SPEC §7).
	maxTokenLen = 8 << 10
	// minSecretLen is the shortest HS256 secret CheckSecret accepts (256 bits).
	minSecretLen = 32
	// maxSecretPeriod: a secret that is a block of at most this many bytes
	// repeated (e.g. "abcabcabc…") is refused as guessable.
	maxSecretPeriod = 16
	// defaultLeeway is the clock skew allowed for exp, nbf and iat.
	defaultLeeway = 30 * time.Second
	// jtiBytes is the size of a generated token id (128 bits).
	jtiBytes = 16

	algHS256 = "HS256"
	algEdDSA = "EdDSA"
)

// Claims are the claims gatehouse puts in and reads from an access token.
type Claims struct {
	Subject   string    // "sub": the user id
	SessionID string    // "sid": the server-side session
	Scopes    []string  // "scope": space-separated in the token
	IssuedAt  time.Time // "iat"; Issue uses the current time when zero
	ExpiresAt time.Time // "exp"; required
	ID        string    // "jti": random 128-bit, base64url; Issue fills it when empty
}

// SigningKey is one key of a keyring: an HS256 secret or an Ed25519 key pair,
// with the key id ("kid") that names it in token headers. Make one with
// [HS256Key] or [Ed25519Key]; the zero value is not a usable key.
type SigningKey struct {
	// ID is the key id written to and matched against the "kid" header.
	ID string

	alg    string            // algHS256 or algEdDSA
	method jwt.SigningMethod // the jwt method of alg
	sign   any               // []byte secret or ed25519.PrivateKey
	verify any               // []byte secret or ed25519.PublicKey
}

// HS256Key returns an HMAC-SHA256 key named kid. It refuses an empty kid and
// any secret that [CheckSecret] refuses. The secret is copied.
func HS256Key(kid string, secret []byte) (SigningKey, error) {
	if kid == "" {
		return SigningKey{}, errors.New("auth: HS256 key: empty kid")
	}
	if err := CheckSecret(secret); err != nil {
		return SigningKey{}, fmt.Errorf("auth: HS256 key %q: %w", kid, err)
	}
	s := bytes.Clone(secret)
	return SigningKey{ID: kid, alg: algHS256, method: jwt.SigningMethodHS256, sign: s, verify: s}, nil
}

// Ed25519Key returns an EdDSA (Ed25519) key named kid. It refuses an empty kid
// and a private key that is not a well-formed Ed25519 key (wrong length, or a
// public half that does not match the seed). The key is copied.
func Ed25519Key(kid string, priv ed25519.PrivateKey) (SigningKey, error) {
	if kid == "" {
		return SigningKey{}, errors.New("auth: Ed25519 key: empty kid")
	}
	if len(priv) != ed25519.PrivateKeySize {
		return SigningKey{}, fmt.Errorf("auth: Ed25519 key %q: private key is %d bytes, want %d", kid, len(priv), ed25519.PrivateKeySize)
	}
	p := ed25519.NewKeyFromSeed(priv.Seed())
	if !bytes.Equal(p, priv) {
		return SigningKey{}, fmt.Errorf("auth: Ed25519 key %q: public half does not match the seed", kid)
	}
	pub, _ := p.Public().(ed25519.PublicKey)
	return SigningKey{ID: kid, alg: algEdDSA, method: jwt.SigningMethodEdDSA, sign: p, verify: pub}, nil
}

// wellKnownSecrets are secrets found in tutorials and sample configs. The table
// is read-only; CheckSecret refuses these and any repetition of them.
var wellKnownSecrets = [...]string{
	"secret",
	"changeme",
	"your-secret-key",
	"supersecret",
	"password",
	"jwt-secret",
	"secret-key",
	"mysecret",
}

// CheckSecret reports whether secret is fit to sign HS256 tokens. It refuses
// secrets shorter than 32 bytes, the well-known secrets of tutorials
// ("secret", "changeme", "your-secret-key", …) in any letter case, those
// repeated to reach 32 bytes ("secretsecretsecret…"), and any secret that is
// a short block (up to 16 bytes, a single byte included) repeated.
func CheckSecret(secret []byte) error {
	if len(secret) < minSecretLen {
		return fmt.Errorf("auth: secret is %d bytes, need at least %d", len(secret), minSecretLen)
	}
	for _, w := range wellKnownSecrets {
		if repeatsFold(secret, w) {
			return fmt.Errorf("auth: secret is the well-known %q (repeated)", w)
		}
	}
	for p := 1; p <= maxSecretPeriod; p++ {
		if hasPeriod(secret, p) {
			return fmt.Errorf("auth: secret is a %d-byte pattern repeated", p)
		}
	}
	return nil
}

// repeatsFold reports whether s is word repeated (the last repetition may be
// cut short), comparing ASCII letters case-insensitively.
func repeatsFold(s []byte, word string) bool {
	for i, c := range s {
		if lowerASCII(c) != lowerASCII(word[i%len(word)]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPeriod reports whether s[i] == s[i-p] for every i >= p.
func hasPeriod(s []byte, p int) bool {
	for i := p; i < len(s); i++ {
		if s[i] != s[i-p] {
			return false
		}
	}
	return true
}

// KeyringConfig configures a [Keyring].
type KeyringConfig struct {
	// Issuer is written to "iss" and required on verification. Required.
	Issuer string
	// Audience is written to "aud" and required on verification. Required.
	Audience string
	// Leeway is the clock skew allowed for "exp", "nbf" and "iat".
	// Zero means 30 seconds; negative is an error.
	Leeway time.Duration
}

// Keyring issues and verifies access tokens with a set of keys identified by
// "kid". The first key signs; every key verifies, so keys rotate by putting
// the new key first and keeping the old ones until their tokens have
// expired. A Keyring is immutable after [NewKeyring] and safe for
// concurrent use.
type Keyring struct {
	issuer   string
	audience string
	leeway   time.Duration
	signer   SigningKey
	byKID    map[string]SigningKey
	only     *SigningKey // the single key, when there is exactly one
	algs     []string    // algorithms of the keys, for jwt.WithValidMethods
	jwks     []byte
	public   bool         // some key is asymmetric: JWKS lists it
	cache    *verifyCache // tokens that verified, until they expire
}

// NewKeyring returns a keyring that signs with keys[0] and verifies with all
// keys. It refuses no keys, an uninitialised key, a duplicate kid, an empty
// Issuer or Audience, and a negative Leeway.
func NewKeyring(cfg KeyringConfig, keys ...SigningKey) (*Keyring, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("auth: keyring: empty issuer")
	}
	if cfg.Audience == "" {
		return nil, errors.New("auth: keyring: empty audience")
	}
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("auth: keyring: negative leeway %v", cfg.Leeway)
	}
	if len(keys) == 0 {
		return nil, errors.New("auth: keyring: no keys")
	}
	k := &Keyring{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		leeway:   cfg.Leeway,
		signer:   keys[0],
		byKID:    make(map[string]SigningKey, len(keys)),
		cache:    newVerifyCache(),
	}
	if k.leeway == 0 {
		k.leeway = defaultLeeway
	}
	jwks := jwkSet{Keys: []jwk{}}
	for i, key := range keys {
		if key.method == nil || key.ID == "" {
			return nil, fmt.Errorf("auth: keyring: key %d is not initialised (use HS256Key or Ed25519Key)", i)
		}
		if _, dup := k.byKID[key.ID]; dup {
			return nil, fmt.Errorf("auth: keyring: duplicate kid %q", key.ID)
		}
		k.byKID[key.ID] = key
		if !slices.Contains(k.algs, key.alg) {
			k.algs = append(k.algs, key.alg)
		}
		if pub, ok := key.verify.(ed25519.PublicKey); ok {
			k.public = true
			jwks.Keys = append(jwks.Keys, jwk{
				Kty: "OKP",
				Crv: "Ed25519",
				X:   base64.RawURLEncoding.EncodeToString(pub),
				Kid: key.ID,
				Alg: algEdDSA,
				Use: "sig",
			})
		}
	}
	if len(keys) == 1 {
		only := keys[0]
		k.only = &only
	}
	var err error
	if k.jwks, err = json.Marshal(jwks); err != nil {
		return nil, fmt.Errorf("auth: keyring: jwks: %w", err)
	}
	return k, nil
}

// jwkSet and jwk are the JSON shape of /.well-known/jwks.json (RFC 7517, RFC 8037).
type jwkSet struct {
	Keys []jwk `json:"keys"`
}

type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS returns the JSON Web Key Set {"keys":[…]} of the keyring's Ed25519
// public keys, for /.well-known/jwks.json. HS256 secrets are never listed;
// with no Ed25519 key the result is {"keys":[]}. The caller owns the slice.
func (k *Keyring) JWKS() []byte {
	return bytes.Clone(k.jwks)
}

// HasPublicKeys reports whether the keyring holds asymmetric (EdDSA) keys,
// whose public halves JWKS publishes.
func (k *Keyring) HasPublicKeys() bool { return k.public }

// wireClaims is the payload Issue writes. Its field order is the JSON order.
type wireClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	ExpiresAt int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	ID        string `json:"jti"`
	SessionID string `json:"sid"`
	Scope     string `json:"scope"`
}

// wireClaims implements jwt.Claims so jwt.Token can sign it; these methods are
// only called on the signing side.
var _ jwt.Claims = wireClaims{}

func (w wireClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return &jwt.NumericDate{Time: time.Unix(w.ExpiresAt, 0)}, nil
}

func (w wireClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return &jwt.NumericDate{Time: time.Unix(w.IssuedAt, 0)}, nil
}

func (w wireClaims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (w wireClaims) GetIssuer() (string, error)              { return w.Issuer, nil }
func (w wireClaims) GetSubject() (string, error)             { return w.Subject, nil }
func (w wireClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{w.Audience}, nil
}

// Issue signs c with the keyring's first key. The header carries that key's
// kid and alg; the payload carries iss, aud (a single string), sub, sid,
// scope, iat, exp and jti. Times are truncated to whole seconds. Issue fills
// ID with a random 128-bit base64url value when it is empty and IssuedAt with
// the current time when it is zero. It refuses an empty Subject or
// SessionID, a zero ExpiresAt, an ExpiresAt not after IssuedAt, and a scope
// that is not an RFC 6749 scope token.
func (k *Keyring) Issue(c Claims) (string, error) {
	if c.Subject == "" {
		return "", errors.New("auth: issue: empty subject")
	}
	if c.SessionID == "" {
		return "", errors.New("auth: issue: empty session id")
	}
	if c.ExpiresAt.IsZero() {
		return "", errors.New("auth: issue: zero expiry")
	}
	for _, s := range c.Scopes {
		if !validScopeToken(s) {
			return "", fmt.Errorf("auth: issue: invalid scope %q", s)
		}
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = time.Now()
	}
	if c.ExpiresAt.Unix() <= c.IssuedAt.Unix() {
		return "", errors.New("auth: issue: expiry not after issued-at")
	}
	if c.ID == "" {
		c.ID = newTokenID()
	}
	w := wireClaims{
		Issuer:    k.issuer,
		Subject:   c.Subject,
		Audience:  k.audience,
		ExpiresAt: c.ExpiresAt.Unix(),
		IssuedAt:  c.IssuedAt.Unix(),
		ID:        c.ID,
		SessionID: c.SessionID,
		Scope:     strings.Join(c.Scopes, " "),
	}
	t := jwt.NewWithClaims(k.signer.method, w)
	t.Header["kid"] = k.signer.ID
	s, err := t.SignedString(k.signer.sign)
	if err != nil {
		return "", fmt.Errorf("auth: issue: %w", err)
	}
	return s, nil
}

// validScopeToken reports whether s is a scope-token of RFC 6749 §3.3:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// newTokenID returns 128 random bits, base64url without padding.
func newTokenID() string {
	var b [jtiBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Verify checks token at time now and returns its claims. Every failure wraps
// [ErrInvalidToken]. The rules, in the order they apply:
//
//   - at most 8 KiB, three non-empty segments of the unpadded base64url
//     alphabet (no '=', no whitespace), each canonically encoded;
//   - header and payload are JSON objects without duplicate keys at any depth;
//   - no "crit" header (gatehouse understands no critical extension);
//   - the header "kid" names a key of the keyring (a token without kid is
//     accepted only when the keyring has exactly one key), and the header
//     "alg" is that key's algorithm: "none", HS512, RS256 and HS256 presented
//     to an Ed25519 key are all refused;
//   - the signature is valid;
//   - "exp" is present and not past, "nbf" (if present) is not future and
//     "iat" (if present) is not future, each with the keyring's leeway;
//   - "iss" and "aud" match the keyring's (aud may be a string or an array);
//   - "sub" and "sid" are non-empty strings, "scope" and "jti" are strings
//     when present.
//
// A zero now is refused rather than taken as the current time.
//
// Tokens that verified are remembered (see verifyCache), so the same
// token presented again costs a map lookup and an expiry check. The
// Claims returned share their Scopes slice between calls: do not modify it.
func (k *Keyring) Verify(token string, now time.Time) (Claims, error) {
	if now.IsZero() {
		return Claims{}, fmt.Errorf("%w: zero verification time", ErrInvalidToken)
	}
	if c, ok := k.cache.get(token, now); ok {
		return c, nil
	}
	c, err := k.verify(token, now)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	k.cache.put(token, verified{claims: c, until: c.ExpiresAt.Add(k.leeway)})
	return c, nil
}

func (k *Keyring) verify(token string, now time.Time) (Claims, error) {
	if now.IsZero() {
		return Claims{}, errors.New("zero verification time")
	}
	if err := checkRaw(token); err != nil {
		return Claims{}, err
	}
	p := jwt.NewParser(
		jwt.WithValidMethods(k.algs),
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(k.issuer),
		jwt.WithAudience(k.audience),
		jwt.WithLeeway(k.leeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	mc := jwt.MapClaims{}
	if _, err := p.ParseWithClaims(token, mc, k.keyFor); err != nil {
		return Claims{}, err
	}
	return claimsFrom(mc)
}

// keyFor is the jwt.Keyfunc: it picks the key by "kid" and pins the
// algorithm to that key's.
func (k *Keyring) keyFor(t *jwt.Token) (any, error) {
	var key SigningKey
	switch kid, present := t.Header["kid"]; {
	case !present && k.only != nil:
		key = *k.only
	case !present:
		return nil, errors.New("no kid and more than one key")
	default:
		s, ok := kid.(string)
		if !ok {
			return nil, errors.New("kid is not a string")
		}
		if key, ok = k.byKID[s]; !ok {
			return nil, errors.New("unknown kid")
		}
	}
	if t.Method == nil || t.Method.Alg() != key.alg {
		return nil, errors.New("alg does not match the key")
	}
	return key.verify, nil
}

// claimsFrom reads gatehouse's claims out of a payload the parser has
// verified (signature, exp, nbf, iat, iss, aud).
func claimsFrom(mc jwt.MapClaims) (Claims, error) {
	var c Claims
	var err error
	if c.Subject, err = requiredString(mc, "sub"); err != nil {
		return Claims{}, err
	}
	if c.SessionID, err = requiredString(mc, "sid"); err != nil {
		return Claims{}, err
	}
	scope, err := optionalString(mc, "scope")
	if err != nil {
		return Claims{}, err
	}
	if c.Scopes = strings.Fields(scope); len(c.Scopes) == 0 {
		c.Scopes = nil
	}
	if c.ID, err = optionalString(mc, "jti"); err != nil {
		return Claims{}, err
	}
	exp, err := mc.GetExpirationTime()
	if err != nil || exp == nil {
		return Claims{}, errors.New("exp is missing or invalid")
	}
	c.ExpiresAt = exp.UTC()
	iat, err := mc.GetIssuedAt()
	if err != nil {
		return Claims{}, err
	}
	if iat != nil {
		c.IssuedAt = iat.UTC()
	}
	return c, nil
}

func requiredString(mc jwt.MapClaims, name string) (string, error) {
	s, ok := mc[name].(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s is missing or not a non-empty string", name)
	}
	return s, nil
}

func optionalString(mc jwt.MapClaims, name string) (string, error) {
	v, present := mc[name]
	if !present {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s is not a string", name)
	}
	return s, nil
}

// strictB64 decodes unpadded base64url and refuses non-zero trailing bits.
var strictB64 = base64.RawURLEncoding.Strict()

// checkRaw applies the rules golang-jwt does not: size, alphabet (the Go
// decoder skips '\r' and '\n' even in strict mode, and '=' is padding),
// duplicate JSON keys (encoding/json keeps the last one silently) and "crit".
func checkRaw(token string) error {
	if len(token) > maxTokenLen {
		return fmt.Errorf("token longer than %d bytes", maxTokenLen)
	}
	dots := 0
	for i := 0; i < len(token); i++ {
		switch c := token[i]; {
		case c == '.':
			dots++
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return fmt.Errorf("byte %#02x at %d is not base64url", c, i)
		}
	}
	if dots != 2 {
		return errors.New("token does not have three segments")
	}
	h, rest, _ := strings.Cut(token, ".")
	p, sig, _ := strings.Cut(rest, ".")
	if h == "" || p == "" || sig == "" {
		return errors.New("empty segment")
	}
	hdr, err := strictB64.DecodeString(h)
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if err := checkJSONObject(hdr, func(key string) error {
		if key == "crit" {
			return errors.New(`header has "crit"`)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	payload, err := strictB64.DecodeString(p)
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	if err := checkJSONObject(payload, nil); err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	if _, err := strictB64.DecodeString(sig); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	return nil
}

// jsonFrame is one open object or array during checkJSONObject's walk.
type jsonFrame struct {
	object    bool
	expectKey bool                // object: the next token is a key or '}'
	keys      map[string]struct{} // object: keys seen so far
}

// checkJSONObject walks b with a json.Decoder token stream and refuses
// anything but exactly one JSON object, and any object (at any depth) with a
// repeated key. top, when not nil, is called with each top-level key.
func checkJSONObject(b []byte, top func(key string) error) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var stack []jsonFrame
	done := false // the top-level value has been closed
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("json: %w", err)
		}
		if done {
			return errors.New("json: data after the object")
		}
		if len(stack) == 0 {
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return errors.New("json: not an object")
			}
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				done = valueDone(stack)
				continue
			}
			key, ok := tok.(string)
			if !ok {
				return errors.New("json: object key is not a string")
			}
			f := &stack[n-1]
			if _, dup := f.keys[key]; dup {
				return fmt.Errorf("json: duplicate key %q", key)
			}
			f.keys[key] = struct{}{}
			f.expectKey = false
			if n == 1 && top != nil {
				if err := top(key); err != nil {
					return err
				}
			}
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, jsonFrame{object: true, expectKey: true, keys: map[string]struct{}{}})
		case json.Delim('['):
			stack = append(stack, jsonFrame{})
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
			done = valueDone(stack)
		default:
			valueDone(stack)
		}
	}
	if !done {
		return errors.New("json: unexpected end")
	}
	return nil
}

// valueDone records that a value ended inside the innermost open container;
// it reports whether that value was the top-level one.
func valueDone(stack []jsonFrame) bool {
	if len(stack) == 0 {
		return true
	}
	if f := &stack[len(stack)-1]; f.object {
		f.expectKey = true
	}
	return false
}
