// Package accounts is the account lifecycle as a library: registration,
// login, refresh with rotation and reuse detection, logout, sessions, API
// keys, web sessions, password change and reset, e-mail verification,
// rate limits and quotas, on stores split by capability (Users, Sessions,
// WebSessions, APIKeys, Tokens) that accounts/sqlitestore and
// accounts/pgstore implement and accounts/accountstest holds to one
// contract.
package accounts
