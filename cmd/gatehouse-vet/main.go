// Command gatehouse-vet runs the idor analyzer as a vet tool:
//
//	go install github.com/gatehouse-dev/gatehouse/cmd/gatehouse-vet
//	go vet -vettool=$(go env GOPATH)/bin/gatehouse-vet ./...
//
// It reports handlers that read, update or delete a row by an id from the
// request with SQL whose WHERE lacks the owner (see package analysis/idor).
package main

import (
	"github.com/gatehouse-dev/gatehouse/analysis/idor"
	"golang.org/x/tools/go/analysis/unitchecker"
)

func main() { unitchecker.Main(idor.New()) }
