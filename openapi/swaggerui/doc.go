// Package swaggerui serves Swagger UI from the binary: the assets of
// github.com/swaggo/files/v2 (no CDN, works offline) and a page of its own
// whose configuration travels as JSON data, so the page runs no inline
// script and can send a strict Content-Security-Policy that allows no host
// but the server.
//
// It is a package of its own so that programs that do not serve Swagger
// UI do not carry its assets (about 1.5 MB).
package swaggerui
