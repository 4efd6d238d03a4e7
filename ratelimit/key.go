package ratelimit

import "net/netip"

// AddrKey is the limit key of a client address: an IPv4 address (an
// IPv4-mapped IPv6 address as its IPv4 address), or an IPv6 address's /64,
// the smallest block a client is usually given, so one client cannot
// spread its attempts over its own addresses. The zone is dropped. The
// zero Addr is "".
func AddrKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return ""
	}
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64) // cannot fail for an IPv6 address
	return p.String()
}
