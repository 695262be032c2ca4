-- Lets the sweeper (jobs/refresh-token-sweeper.ts) find expired tokens cheaply.
CREATE INDEX refresh_tokens_expires_idx ON identity.refresh_tokens (expires_at);
