// Package gatehousetest helps test applications built with gatehouse, in
// the style of net/http/httptest.
//
// Probe is the cross-user probe: given an http.Handler, the routes of a
// gatehouse.API and a way to make users, it creates user A's resources,
// then replays every owner-scoped route that takes an id as user B, as
// nobody, and with an id that does not exist, and fails the test unless
// B's answer is byte-for-byte the not-found answer, nobody's is 401 with a
// challenge, and no owner-scoped list shows B anything of A's.
package gatehousetest
