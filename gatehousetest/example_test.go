package gatehousetest_test

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/gatehousetest"
)

// An Identity is the headers that make a request act as one user.
func ExampleBearer() {
	id := gatehousetest.Bearer("eyJ…")
	fmt.Println(id.Header.Get("Authorization"))
	// Output: Bearer eyJ…
}
