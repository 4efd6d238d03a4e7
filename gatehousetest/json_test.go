package gatehousetest

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// recorder is a testing.TB that keeps failures instead of reporting them.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

// good writes its JSON right; the others each break one rule.
type (
	good struct {
		ID   int64     `json:"id"`
		Name string    `json:"name"`
		At   time.Time `json:"at"`
		On   bool      `json:"on"`
	}
	forgetsField good // drops "on"
	rawString    good // no escaping
)

func (v good) AppendJSON(b []byte) ([]byte, error) {
	b = strconv.AppendInt(append(b, `{"id":`...), v.ID, 10)
	b = dep.AppendJSONString(append(b, `,"name":`...), v.Name)
	b, err := dep.AppendJSONTime(append(b, `,"at":`...), v.At)
	if err != nil {
		return nil, err
	}
	return append(strconv.AppendBool(append(b, `,"on":`...), v.On), '}'), nil
}

func (v forgetsField) AppendJSON(b []byte) ([]byte, error) {
	b = strconv.AppendInt(append(b, `{"id":`...), v.ID, 10)
	b = dep.AppendJSONString(append(b, `,"name":`...), v.Name)
	b, err := dep.AppendJSONTime(append(b, `,"at":`...), v.At)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func (v rawString) AppendJSON(b []byte) ([]byte, error) {
	b = strconv.AppendInt(append(b, `{"id":`...), v.ID, 10)
	b = append(append(append(b, `,"name":"`...), v.Name...), '"')
	b, err := dep.AppendJSONTime(append(b, `,"at":`...), v.At)
	if err != nil {
		return nil, err
	}
	return append(strconv.AppendBool(append(b, `,"on":`...), v.On), '}'), nil
}

// TestSameJSON: SameJSON passes a right AppendJSON and catches a dropped
// field and a string written without JSON's escaping.
func TestSameJSON(t *testing.T) {
	t.Parallel()
	v := good{ID: 1, Name: "ann", At: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	for _, tc := range []struct {
		v    dep.JSONAppender
		fail bool
	}{
		{v, false},
		{&v, false},
		{forgetsField(v), true},
		{rawString(v), true}, // "ann" is fine, but SameJSON tries "<b>&amp;</b>" and more
	} {
		r := &recorder{TB: t}
		SameJSON(r, tc.v)
		if got := len(r.errs) > 0; got != tc.fail {
			t.Errorf("SameJSON(%T) failed = %v, want %v: %q", tc.v, got, tc.fail, r.errs)
		}
	}
}
