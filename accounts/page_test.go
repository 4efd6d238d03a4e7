package accounts_test

import (
	"fmt"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// TestKeyset: a page fetched with one item more than its size is cut to
// its size, with the last kept id as the next cursor; a short one is kept
// whole with no cursor; a page without a positive Limit is
// DefaultPageSize.
func TestKeyset(t *testing.T) {
	t.Parallel()
	ids := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(100 - i) // newest first
		}
		return out
	}
	id := func(v int64) int64 { return v }
	cases := []struct {
		name     string
		items    []int64
		p        accounts.Page
		wantLen  int
		wantNext int64
	}{
		{"more than a page", ids(4), accounts.Page{Limit: 3}, 3, 98},
		{"exactly a page", ids(3), accounts.Page{Limit: 3}, 3, 0},
		{"short", ids(2), accounts.Page{Limit: 3}, 2, 0},
		{"empty", nil, accounts.Page{Limit: 3}, 0, 0},
		{"default size", ids(accounts.DefaultPageSize + 1), accounts.Page{}, accounts.DefaultPageSize, int64(100 - accounts.DefaultPageSize + 1)},
		{"negative limit", ids(accounts.DefaultPageSize + 1), accounts.Page{Limit: -5}, accounts.DefaultPageSize, int64(100 - accounts.DefaultPageSize + 1)},
	}
	for _, c := range cases {
		got, next := accounts.Keyset(c.items, c.p, id)
		if len(got) != c.wantLen || next != c.wantNext {
			t.Errorf("%s: Keyset(%d items, %+v) = %d items, next %d; want %d, %d", c.name, len(c.items), c.p, len(got), next, c.wantLen, c.wantNext)
		}
	}
	if s := fmt.Sprint(accounts.Page{Limit: 7}.Size(), accounts.Page{}.Size()); s != fmt.Sprint(7, accounts.DefaultPageSize) {
		t.Errorf("Size() = %s, want 7 and %d", s, accounts.DefaultPageSize)
	}
}
