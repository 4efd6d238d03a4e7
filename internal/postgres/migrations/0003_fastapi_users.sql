-- 0003_fastapi_users: the user ids of the FastAPI app an import came from
-- (`notesd import fastapi`), so that its access tokens, whose "sub" is
-- that id, can name the imported user while --legacy-token-until allows.
-- A user deleted here takes their row along.

CREATE TABLE fastapi_users (
	old_id  BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
