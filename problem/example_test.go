package problem_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/gatehouse-dev/gatehouse/problem"
)

// A problem carries FastAPI's detail and the headers of its row.
func ExampleWrite() {
	rec := httptest.NewRecorder()
	problem.Write(rec, problem.InvalidToken())
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("WWW-Authenticate"))
	fmt.Println(rec.Body.String())
	// Output:
	// 401 application/problem+json Bearer error="invalid_token"
	// {"type":"about:blank","title":"Unauthorized","status":401,"detail":"Could not validate credentials"}
}

// Validation errors name the input's location.
func ExampleInvalid() {
	p := problem.Invalid("body.email", "must be a valid e-mail address")
	fmt.Println(p.Status, p.Detail, p.Errors[0].Location)
	// Output: 422 body.email: must be a valid e-mail address body.email
}
