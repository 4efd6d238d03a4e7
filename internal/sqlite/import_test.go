package sqlite

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/storetest"
)

// TestImportUser runs the import's contract on this engine.
func TestImportUser(t *testing.T) {
	storetest.RunImport(t, func(t *testing.T) storetest.Importer { return openTest(t, true) })
}
