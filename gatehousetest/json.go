package gatehousetest

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// jsonStrings and jsonTimes are the values SameJSON puts in each string and
// time field: each has an encoding rule of its own.
var (
	jsonStrings = []string{"", "plain", `"quoted" \ back`, "tab\tline\ncr\r", "\x00\x1f\x7f\b\f",
		"<b>&amp;</b>", "\u2028\u2029", "é 日本 🙂", "bad \xff utf-8 \xc3"}
	jsonTimes = []time.Time{{}, time.Date(2026, 12, 2, 10, 11, 12, 123456789, time.UTC),
		time.Date(2026, 12, 2, 10, 11, 12, 0, time.FixedZone("", 5*3600+30*60)), time.Now()}
	jsonInts = []int64{0, -1, math.MaxInt64, math.MinInt64}
)

// SameJSON fails t unless v's AppendJSON (dep.JSONAppender) gives exactly
// the bytes json.Marshal gives: for v, and for copies of v with each
// exported string, time.Time, integer and bool field set in turn to values
// that have an encoding rule of their own (HTML characters, control bytes,
// invalid UTF-8, time zones, extremes). v is a struct, or a pointer to one.
// It is the test of a type that writes its own JSON: a field added to the
// type but not to AppendJSON fails it.
func SameJSON(t testing.TB, v dep.JSONAppender) {
	t.Helper()
	sameJSON(t, v, "as given")
	rv := reflect.ValueOf(v)
	ptr := rv.Kind() == reflect.Pointer
	if ptr {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return
	}
	timeType := reflect.TypeFor[time.Time]()
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		var vals []reflect.Value
		switch {
		case f.Type == timeType:
			for _, tm := range jsonTimes {
				vals = append(vals, reflect.ValueOf(tm))
			}
		case f.Type.Kind() == reflect.String:
			for _, s := range jsonStrings {
				vals = append(vals, reflect.ValueOf(s).Convert(f.Type))
			}
		case f.Type.Kind() >= reflect.Int && f.Type.Kind() <= reflect.Int64:
			for _, n := range jsonInts {
				vals = append(vals, reflect.New(f.Type).Elem())
				vals[len(vals)-1].SetInt(n) // truncated to the field's size
			}
		case f.Type.Kind() == reflect.Bool:
			vals = []reflect.Value{reflect.ValueOf(false), reflect.ValueOf(true)}
		}
		for _, val := range vals {
			cp := reflect.New(rv.Type())
			cp.Elem().Set(rv)
			cp.Elem().Field(i).Set(val)
			c := cp.Elem().Interface()
			if ptr {
				c = cp.Interface()
			}
			a, ok := c.(dep.JSONAppender)
			if !ok {
				t.Fatalf("SameJSON: a copy of %T does not implement dep.JSONAppender", v)
			}
			sameJSON(t, a, f.Name+" = "+formatValue(val))
		}
	}
}

// sameJSON fails t unless v appends what json.Marshal writes for it.
func sameJSON(t testing.TB, v dep.JSONAppender, what string) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := v.AppendJSON([]byte("prefix"))
	switch {
	case wantErr != nil && err == nil:
		t.Errorf("%T (%s): AppendJSON succeeded, json.Marshal failed: %v", v, what, wantErr)
	case wantErr == nil && err != nil:
		t.Errorf("%T (%s): AppendJSON = %v, json.Marshal succeeded", v, what, err)
	case err == nil && string(got) != "prefix"+string(want):
		t.Errorf("%T (%s):\nAppendJSON   %s\njson.Marshal %s", v, what, got, "prefix"+string(want))
	}
}

// formatValue is val for a failure message.
func formatValue(val reflect.Value) string {
	b, _ := json.Marshal(val.Interface())
	return string(b)
}
