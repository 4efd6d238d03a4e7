package accounts

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
)

// TestUserViewAppendJSON: the user view writes what json.Marshal would,
// field by field.
func TestUserViewAppendJSON(t *testing.T) {
	t.Parallel()
	gatehousetest.SameJSON(t, userView{ID: 1, Email: "ann@x.test", Name: "Ann", Role: "admin", IsActive: true,
		CreatedAt: time.Date(2026, 12, 2, 10, 0, 0, 5000, time.UTC)})
}
