-- 0005_account_tokens: password reset and e-mail verification (SPEC §3).
-- users.is_verified says the user proved they read mail at their address
-- (a verification link, or a password reset link, which proves the same).
-- Users from before this migration start unverified: nothing ever checked
-- their addresses. Under --require-verified-email they get in again through
-- a password reset.
--
-- account_tokens are single-use tokens mailed to a user, stored as the
-- SHA-256 of the token (never the token). A token stops working when it is
-- used (used_at), when it expires, or when a newer one of the same purpose
-- is made (its expires_at is moved to then); the janitor deletes it 30
-- days after that.

ALTER TABLE users ADD COLUMN is_verified INTEGER NOT NULL DEFAULT 0 CHECK (is_verified IN (0, 1));

CREATE TABLE account_tokens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose    TEXT    NOT NULL CHECK (purpose IN ('reset', 'verify')),
	hash       BLOB    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
) STRICT;

CREATE INDEX account_tokens_user_id ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expires_at ON account_tokens (expires_at);
CREATE INDEX account_tokens_used_at ON account_tokens (used_at) WHERE used_at IS NOT NULL;
