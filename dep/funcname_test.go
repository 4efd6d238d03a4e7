package dep_test

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
)

type notesService struct{}

func (*notesService) getNote(context.Context, struct{}) (string, error) { return "", nil }

func (notesService) listNotes(context.Context, struct{}, struct{}) (string, error) { return "", nil }

func readProfile(context.Context, struct{}, struct{}, struct{}) (string, error) { return "", nil }

// TestHandlerName: an endpoint names the function it was made from, for
// documentation (OpenAPI summaries), whichever constructor made it.
func TestHandlerName(t *testing.T) {
	t.Parallel()
	none := dep.None
	s := &notesService{}
	tests := []struct {
		h    *dep.Endpoint
		want string
	}{
		{dep.Handler(none, s.getNote), "github.com/gatehouse-dev/gatehouse/dep_test.(*notesService).getNote-fm"},
		{dep.Handler2(none, none, s.listNotes), "github.com/gatehouse-dev/gatehouse/dep_test.notesService.listNotes-fm"},
		{dep.Handler3(none, none, none, readProfile), "github.com/gatehouse-dev/gatehouse/dep_test.readProfile"},
		{dep.Handler(none, s.getNote).WithErrors(dep.WriteError), "github.com/gatehouse-dev/gatehouse/dep_test.(*notesService).getNote-fm"},
	}
	for _, tt := range tests {
		if got := tt.h.HandlerName(); got != tt.want {
			t.Errorf("HandlerName() = %q, want %q", got, tt.want)
		}
	}
}
