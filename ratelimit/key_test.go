package ratelimit_test

import (
	"net/netip"
	"testing"

	"github.com/gatehouse-dev/gatehouse/ratelimit"
)

func TestAddrKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ addr, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
	}
	for _, tt := range tests {
		if got := ratelimit.AddrKey(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("AddrKey(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
