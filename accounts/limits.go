package accounts

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
	"github.com/gatehouse-dev/gatehouse/ratelimit"
)

// limiter applies the login, refresh, registration and account mail limits.
type limiter struct {
	loginAccount, loginIP, refreshIP, registerIP ratelimit.Rule
	resetIP, resetAccount, verifyUser            ratelimit.Rule
}

func newLimiter(l Limits) limiter {
	return limiter{
		loginAccount: ratelimit.Rule{Counter: l.Counter, Max: l.LoginPerAccount, Prefix: "login-account:"},
		loginIP:      ratelimit.Rule{Counter: l.Counter, Max: l.LoginPerIP, Prefix: "login-ip:"},
		refreshIP:    ratelimit.Rule{Counter: l.Counter, Max: l.RefreshPerIP, Prefix: "refresh-ip:"},
		registerIP:   ratelimit.Rule{Counter: l.Counter, Max: l.RegisterPerIP, Prefix: "register-ip:"},
		resetIP:      ratelimit.Rule{Counter: l.Counter, Max: l.ResetPerIP, Prefix: "reset-ip:"},
		resetAccount: ratelimit.Rule{Counter: l.Counter, Max: l.ResetPerAccount, Prefix: "reset-account:"},
		verifyUser:   ratelimit.Rule{Counter: l.Counter, Max: l.ResetPerAccount, Prefix: "verify-user:"},
	}
}

// Limit names one of the per-client-address limits.
type Limit int

// The per-client-address limits (Limits).
const (
	// LimitLogin counts login attempts (LoginPerIP).
	LimitLogin Limit = iota + 1
	// LimitRefresh counts refresh attempts (RefreshPerIP).
	LimitRefresh
	// LimitRegister counts registrations (RegisterPerIP).
	LimitRegister
	// LimitReset counts password reset requests (ResetPerIP).
	LimitReset
)

func (s *Service) ipRule(l Limit) ratelimit.Rule {
	switch l {
	case LimitLogin:
		return s.limits.loginIP
	case LimitRefresh:
		return s.limits.refreshIP
	case LimitRegister:
		return s.limits.registerIP
	default:
		return s.limits.resetIP
	}
}

// Client is who sent a request, as far as limits and sessions care: the
// address (its limit key is ratelimit.AddrKey's) and the user agent
// (stored with a session, cut to 200 bytes).
type Client struct {
	IP        string
	UserAgent string
	// counted is the limit a Gate already counted this client under.
	counted Limit
}

// Gate is the dependency that counts one attempt of the request's client
// under limit, answering 429 past it, and yields the client; clientIP
// tells the client's address (nil: the connection's peer). Put it first
// in a route's dependencies, so that malformed attempts count too. The
// flow the route then calls with this Client does not count it again.
func (s *Service) Gate(limit Limit, clientIP func(*http.Request) string) dep.Dep[Client] {
	if clientIP == nil {
		clientIP = PeerIP
	}
	return dep.Derive(dep.Request(), func(ctx context.Context, r *http.Request) (Client, error) {
		c := Client{IP: clientIP(r), UserAgent: truncate(r.UserAgent(), 200)}
		if err := s.countClient(ctx, limit, c); err != nil {
			return c, err
		}
		c.counted = limit
		return c, nil
	})
}

// countClient counts one attempt of c under limit unless a Gate did.
func (s *Service) countClient(ctx context.Context, limit Limit, c Client) error {
	if c.counted == limit {
		return nil
	}
	key := c.IP
	if a, err := netip.ParseAddr(c.IP); err == nil {
		key = ratelimit.AddrKey(a)
	}
	return s.hit(ctx, s.ipRule(limit), key)
}

// PeerIP is the address of the connection's peer, an IPv4-mapped address
// as its IPv4 address: ClientIP with no trusted proxy.
func PeerIP(r *http.Request) string { return clientIP(r, nil) }

// ClientIP returns the function that tells a request's client address
// (RouteOptions.ClientIP, gatehouse.Options.ClientIP): the connection's
// peer, or, when the peer is one of the trusted proxies, the nearest
// address in X-Forwarded-For that is not (the hops a client wrote itself
// come before its proxy's and are never believed); an IPv4-mapped address
// as its IPv4 address. With no trusted proxy, X-Forwarded-For is ignored.
func ClientIP(trusted []netip.Prefix) func(*http.Request) string {
	trusted = slices.Clone(trusted)
	return func(r *http.Request) string { return clientIP(r, trusted) }
}

func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	host = canonical(host, addr.Unmap())
	if !isTrusted(trusted, addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !isTrusted(trusted, a) {
			return a.Unmap().String()
		}
	}
	return host
}

// canonical is a's text, as host when host spells it already: the peer's
// address usually is, and then nothing is allocated.
func canonical(host string, a netip.Addr) string {
	var buf [64]byte // IPv6 at its longest (45 bytes) fits; a long zone grows b
	if b := a.AppendTo(buf[:0]); string(b) != host {
		return string(b)
	}
	return host
}

// isTrusted reports whether a is in one of the trusted prefixes.
func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// hit counts one attempt under rule and answers 429 when it is over. A
// counter that fails lets the request through (and is logged): an outage of
// the limit store must not lock everyone out.
func (s *Service) hit(ctx context.Context, rule ratelimit.Rule, key string) error {
	over, reset, err := rule.Hit(ctx, key)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "rate limit unavailable", "rule", rule.Prefix, "error", err)
		return nil
	}
	if over {
		s.cfg.Metrics.Limited(ruleName(rule.Prefix))
		return problem.TooManyRequests(reset)
	}
	return nil
}

// reserve counts one failure of key under rule before a password is
// checked, answering 429 when none is left, so that a burst cannot check
// more passwords than the limit allows. The caller calls refund when the
// attempt turns out not to be a failure (the right password). A counter
// that fails lets the attempt through, like hit.
func (s *Service) reserve(ctx context.Context, rule ratelimit.Rule, key string) (refund func(), err error) {
	taken, reset, err := rule.Take(ctx, key)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "rate limit unavailable", "rule", rule.Prefix, "error", err)
		return func() {}, nil
	}
	if !taken {
		s.cfg.Metrics.Limited(ruleName(rule.Prefix))
		return nil, problem.TooManyRequests(reset)
	}
	return func() {
		// The refund must happen even when the client has gone.
		if err := rule.Refund(context.WithoutCancel(ctx), key); err != nil {
			s.cfg.Logger.WarnContext(ctx, "rate limit unavailable", "rule", rule.Prefix, "error", err)
		}
	}, nil
}

// ruleName is the name of a rate limit rule for Metrics.Limited: its key
// prefix without the colon.
func ruleName(prefix string) string { return strings.TrimSuffix(prefix, ":") }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
