package postgres

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/storetest"
)

func TestOperator(t *testing.T) {
	testURL(t)
	storetest.RunOperator(t, func(t *testing.T) storetest.Operator { return openTest(t, true) })
}

// TestPoolStats checks that the pool statistics see the pool's connections.
func TestPoolStats(t *testing.T) {
	t.Parallel()
	db := openTest(t, true)
	if s := db.PoolStats(); s.MaxConns() != 4 || s.TotalConns() == 0 {
		t.Errorf("PoolStats() max %d, total %d; want 4 and at least one", s.MaxConns(), s.TotalConns())
	}
}
