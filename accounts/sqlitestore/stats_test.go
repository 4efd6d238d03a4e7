package sqlitestore

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// TestCacheStats checks that the auth cache counts a first lookup as a
// miss and a repeated one as a hit.
func TestCacheStats(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openTestDB(t)
	u, err := db.CreateUser(ctx, accounts.NewUser{Email: "ann@x.test", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.CreateSession(ctx, accounts.NewSession{UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour), RefreshHash: []byte("r")})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := db.SessionUser(ctx, u.ID, s.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := db.CacheStats(), (CacheStats{Hits: 2, Misses: 1}); got != want {
		t.Errorf("CacheStats() = %+v, want %+v", got, want)
	}
	if w, r := db.PoolStats(); w.MaxOpenConnections != 1 || r.OpenConnections == 0 {
		t.Errorf("PoolStats() = writer %+v, reader %+v; want one writer and open readers", w, r)
	}
}
