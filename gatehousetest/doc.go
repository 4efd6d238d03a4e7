// Package gatehousetest helps test applications built with gatehouse, in
// the style of net/http/httptest.
//
// Probe is the cross-user probe: given an http.Handler, the routes of a
// gatehouse.API and a way to make users, it creates user A's resources,
// then replays every protected route that takes an id — declared
// owner-scoped or not, since the lesson's IDOR is exactly a route that
// forgot to be — as user B, as nobody, and with an id that does not exist,
// and fails the test unless B's answer is byte-for-byte the not-found
// answer, nobody's is 401 with a challenge, and no list shows B anything of
// A's.
//
// Principal, Owner and Grant are the one way to fake a user, an owner or a
// role grant in a test (auth's types cannot be built outside auth); they
// run a throwaway Authenticator and panic outside test binaries.
package gatehousetest
