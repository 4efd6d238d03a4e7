package idor_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/analysis/idor"
	"golang.org/x/tools/go/analysis/analysistest"
)

// TestAnalyzer runs the analyzer over testdata/src: the lesson's get_note
// and its fix (notes), the shapes it must report (flagged) and those it
// must not (clean). Every diagnostic must match a // want comment and
// every // want comment a diagnostic.
func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), idor.New(), "notes", "flagged", "clean")
}
