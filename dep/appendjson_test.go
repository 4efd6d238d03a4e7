package dep

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// jsonStrings are strings whose encoding has a rule of its own.
var jsonStrings = []string{
	"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\b\f\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "\u2028\u2029", "é ü 日本 🙂", "bad \xff\xfe utf-8 \xc3", "\xed\xa0\x80 surrogate",
	string(bytes.Repeat([]byte{'a'}, 5000)),
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	for _, s := range jsonStrings {
		want, _ := json.Marshal(s)
		if got := AppendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendJSONString(%q) = %s, want %s (json.Marshal)", s, got[1:], want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendJSONString(%q) = %s, want %s (json.Marshal)", s, got, want)
		}
	})
}

func TestAppendJSONTime(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{
		time.Date(2026, 12, 2, 10, 11, 12, 123456789, time.UTC),
		time.Date(2026, 12, 2, 10, 11, 12, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 6, 1, 0, 0, 0, 1000, time.FixedZone("CEST", 2*3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", -(9*3600+30*60))),
		time.Now(), // with a monotonic reading
		{},
	} {
		want, _ := json.Marshal(tm)
		got, err := AppendJSONTime(nil, tm)
		if err != nil || string(got) != string(want) {
			t.Errorf("AppendJSONTime(%v) = %s, %v; want %s (json.Marshal)", tm, got, err, want)
		}
	}
	for _, tm := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MaxInt64/2, 0),
	} {
		_, wantErr := json.Marshal(tm)
		if _, err := AppendJSONTime(nil, tm); err == nil || wantErr == nil {
			t.Errorf("AppendJSONTime(%v) = %v, json.Marshal = %v; want both to fail", tm, err, wantErr)
		}
	}
}

// appended is a result that writes its own JSON, and counts how often.
type appended struct {
	A     string `json:"a"`
	calls *int
}

func (v appended) AppendJSON(b []byte) ([]byte, error) {
	*v.calls++
	b = append(b, `{"a":`...)
	return append(AppendJSONString(b, v.A), '}'), nil
}

// TestWriteJSONAppender: a JSONAppender writes its own bytes, as the body
// of a JSON response like any other, and its buffer is not shared between
// two responses.
func TestWriteJSONAppender(t *testing.T) {
	t.Parallel()
	calls := 0
	first := httptest.NewRecorder()
	if err := writeJSON(first, 201, appended{A: "<one>", calls: &calls}); err != nil {
		t.Fatal(err)
	}
	second := httptest.NewRecorder()
	if err := writeJSON(second, 200, appended{A: "two", calls: &calls}); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("AppendJSON called %d times, want 2", calls)
	}
	for _, tc := range []struct {
		rec  *httptest.ResponseRecorder
		code int
		body string
	}{
		{first, 201, `{"a":"\u003cone\u003e"}` + "\n"},
		{second, 200, `{"a":"two"}` + "\n"},
	} {
		if tc.rec.Code != tc.code || tc.rec.Body.String() != tc.body || tc.rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("response = %d %q %q, want %d %q application/json", tc.rec.Code, tc.rec.Body.String(),
				tc.rec.Header().Get("Content-Type"), tc.code, tc.body)
		}
	}
}

// TestEndpointAppendedResults: a handler's result that is a JSONAppender,
// by value or by pointer, is written by its AppendJSON.
func TestEndpointAppendedResults(t *testing.T) {
	t.Parallel()
	calls := 0
	byValue := Handler(None, func(context.Context, struct{}) (appended, error) {
		return appended{A: "<v>", calls: &calls}, nil
	})
	byPointer := Handler(None, func(context.Context, struct{}) (*appended, error) {
		return &appended{A: "<p>", calls: &calls}, nil
	})
	for _, tc := range []struct {
		h    http.Handler
		body string
	}{
		{byValue, `{"a":"\u003cv\u003e"}` + "\n"},
		{byPointer, `{"a":"\u003cp\u003e"}` + "\n"},
	} {
		before := calls
		rec := httptest.NewRecorder()
		tc.h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != 200 || rec.Body.String() != tc.body || calls != before+1 {
			t.Errorf("response = %d %q with %d AppendJSON calls, want 200 %q with 1", rec.Code, rec.Body.String(), calls-before, tc.body)
		}
	}
}
