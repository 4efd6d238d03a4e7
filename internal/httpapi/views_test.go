package httpapi

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
)

// TestViewsAppendJSON: the views that write their own JSON write what
// json.Marshal would, field by field.
func TestViewsAppendJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 10, 0, 0, 123000, time.UTC)
	gatehousetest.SameJSON(t, noteView{ID: 7, Title: "t", Body: "b", OwnerID: 3, CreatedAt: at, UpdatedAt: at.Add(time.Second)})
	gatehousetest.SameJSON(t, dataView{"secret"})
}

func FuzzNoteViewAppendJSON(f *testing.F) {
	f.Add(int64(1), "title", "body <&> \u2028", int64(2), int64(1764669600123456))
	f.Fuzz(func(t *testing.T, id int64, title, body string, owner, us int64) {
		at := time.UnixMicro(us).UTC()
		gatehousetest.SameJSON(t, noteView{ID: id, Title: title, Body: body, OwnerID: owner, CreatedAt: at, UpdatedAt: at})
	})
}
