package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/netip"
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

// client is who sent a request, as far as limits and sessions care.
type client struct {
	IP        string
	UserAgent string
}

// gate is the dependency that counts one attempt of the request's client
// under rule, answering 429 past the limit. Routes put it first, so that
// malformed attempts count too. The client is counted by its address's
// limit key: an IPv6 client by its /64 (ratelimit.AddrKey).
func (s *server) gate(rule ratelimit.Rule) dep.Dep[client] {
	return dep.Derive(dep.Request(), func(ctx context.Context, r *http.Request) (client, error) {
		c := client{IP: s.clientIP(r), UserAgent: truncate(r.UserAgent(), 200)}
		key := c.IP
		if a, err := netip.ParseAddr(c.IP); err == nil {
			key = ratelimit.AddrKey(a)
		}
		return c, s.hit(ctx, rule, key)
	})
}

// hit counts one attempt under rule and answers 429 when it is over. A
// counter that fails lets the request through (and is logged): an outage of
// the limit store must not lock everyone out.
func (s *server) hit(ctx context.Context, rule ratelimit.Rule, key string) error {
	over, reset, err := rule.Hit(ctx, key)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "rate limit unavailable", "rule", rule.Prefix, "error", err)
		return nil
	}
	if over {
		s.metrics().Limited(ruleName(rule.Prefix))
		return problem.TooManyRequests(reset)
	}
	return nil
}

// reserve counts one failure of key under rule before a password is
// checked, answering 429 when none is left, so that a burst cannot check
// more passwords than the limit allows. The caller calls refund when the
// attempt turns out not to be a failure (the right password). A counter
// that fails lets the attempt through, like hit.
func (s *server) reserve(ctx context.Context, rule ratelimit.Rule, key string) (refund func(), err error) {
	taken, reset, err := rule.Take(ctx, key)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "rate limit unavailable", "rule", rule.Prefix, "error", err)
		return func() {}, nil
	}
	if !taken {
		s.metrics().Limited(ruleName(rule.Prefix))
		return nil, problem.TooManyRequests(reset)
	}
	return func() {
		// The refund must happen even when the client has gone.
		if err := rule.Refund(context.WithoutCancel(ctx), key); err != nil {
			s.cfg.Logger.WarnContext(ctx, "rate limit unavailable", "rule", rule.Prefix, "error", err)
		}
	}, nil
}

// clientIP is the address of the client: the connection's peer, or, when
// the peer is a trusted proxy, the nearest untrusted address in
// X-Forwarded-For; an IPv4-mapped address as its IPv4 address.
func (s *server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	host = addr.Unmap().String()
	if !s.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a) {
			return a.Unmap().String()
		}
	}
	return host
}

func (s *server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
