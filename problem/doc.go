// Package problem renders errors as RFC 9457 problem details carrying
// FastAPI's string "detail", so a client written for a FastAPI app keeps
// working:
//
//	{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Could not validate credentials"}
//
// Each row of the gatehouse error table has one constructor here, the only
// place its status, detail and headers are spelled.
package problem
