-- 0003_web_sessions: browser sessions of the /ui pages live in sessions too,
-- so logout, deactivation and admin revocation end them by the same path.
-- web_hash is the SHA-256 of the session cookie's value (never the value);
-- a web session has no refresh token, a token session no web_hash.

ALTER TABLE sessions ADD COLUMN web_hash BLOB;

CREATE UNIQUE INDEX sessions_web_hash ON sessions (web_hash) WHERE web_hash IS NOT NULL;
