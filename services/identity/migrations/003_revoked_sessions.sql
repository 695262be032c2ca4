-- Sessions (refresh-token families) that ended while their access tokens may
-- still be unexpired: logout, password change, reuse of a used refresh
-- token, account deletion. Token verifiers poll this list
-- (ListRevokedSessions, by seq) and refuse tokens whose sid is on it. Rows
-- whose tokens have expired anyway (expires_at) are no longer served and are
-- swept with the expired refresh tokens.
CREATE TABLE identity.revoked_sessions (
  seq        bigserial PRIMARY KEY,
  family_id  uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX revoked_sessions_expires_idx ON identity.revoked_sessions (expires_at);
