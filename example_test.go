package gatehouse_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// An API refuses routes without protection, renders errors as problems and
// prints its route table from the dependency graph.
func Example() {
	api := gatehouse.New(gatehouse.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	key := auth.APIKeyHeader("X-API-Key")
	api.Handle("GET /public", dep.Handler(dep.None, func(context.Context, struct{}) (string, error) {
		return "Anyone can see this", nil
	}), gatehouse.Public("landing page"))
	api.Handle("GET /data", dep.Handler(key, func(context.Context, string) (string, error) {
		return "secret", nil
	}))

	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", "/data", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	_ = api.WriteRoutes(os.Stdout)
	// Output:
	// 401 APIKey
	// METHOD  PATH     CREDENTIALS            CHECKS  OWNER-SCOPED
	// GET     /data    APIKeyHeader           -       no
	// GET     /public  public (landing page)  -       no
}
