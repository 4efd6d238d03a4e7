package accounts_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// TestClientIP: X-Forwarded-For is believed only from a trusted proxy,
// and then only up to the nearest hop that is not a trusted proxy; hops a
// client wrote itself never count; IPv4-mapped addresses are IPv4.
func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	cases := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no proxy trusted: XFF ignored", nil, "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer: XFF ignored", proxies, "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted peer: the client", proxies, "10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a forged first hop", proxies, "10.1.2.3:4000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"two proxies", proxies, "10.1.2.3:4000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"split headers", proxies, "10.1.2.3:4000", []string{"198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"garbage hop", proxies, "10.1.2.3:4000", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3"},
		{"only proxies", proxies, "10.1.2.3:4000", []string{"10.4.4.4"}, "10.1.2.3"},
		{"IPv6 proxy", proxies, "[fd00::1]:4000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv4-mapped peer", nil, "[::ffff:192.0.2.5]:4000", nil, "192.0.2.5"},
		{"IPv4-mapped trusted proxy", proxies, "[::ffff:10.1.2.3]:4000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"IPv6 peer in capitals, zeros spelled out", nil, "[2001:DB8:0:0::1]:4000", nil, "2001:db8::1"},
		{"IPv6 peer with a zone", nil, "[fe80::1%eth0]:4000", nil, "fe80::1%eth0"},
		{"IPv4 peer", nil, "192.0.2.5:4000", nil, "192.0.2.5"},
		{"no port", nil, "192.0.2.5", nil, "192.0.2.5"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := accounts.ClientIP(c.trusted)(r); got != c.want {
			t.Errorf("%s: ClientIP(%v) of %s with XFF %q = %q, want %q", c.name, c.trusted, c.peer, c.xff, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[::ffff:192.0.2.5]:1"
	if got := accounts.PeerIP(r); got != "192.0.2.5" {
		t.Errorf("PeerIP = %q, want 192.0.2.5", got)
	}
}

// TestClientIPNoAllocation: the usual case, a peer already written the
// canonical way, is told without allocating (it runs on every request,
// for the request line).
func TestClientIPNoAllocation(t *testing.T) {
	clientIP := accounts.ClientIP(nil)
	for _, peer := range []string{"192.0.2.5:4000", "[2001:db8::1]:4000"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		if n := testing.AllocsPerRun(100, func() { _ = clientIP(r) }); n != 0 {
			t.Errorf("ClientIP of %s: %.0f allocations, want 0", peer, n)
		}
	}
}
