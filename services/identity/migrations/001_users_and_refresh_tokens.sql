-- Identity: accounts and refresh-token families.
-- Emails are stored normalised (trimmed, lower-case) by the service; the
-- unique indexes are what makes "email taken" / "handle taken" race-free.

CREATE TABLE identity.users (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email               text NOT NULL,
  handle              text NOT NULL,
  display_name        text NOT NULL DEFAULT '',
  bio                 text NOT NULL DEFAULT '',
  avatar_url          text NOT NULL DEFAULT '',
  -- Self-describing: "$scrypt$ln=15,r=8,p=1$<salt>$<hash>" (never the password).
  password_hash       text NOT NULL,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_handle_key UNIQUE (handle),
  CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email)))
);

-- A refresh-token family: the chain of tokens handed out from one login (or
-- register, or password change). Revoking the family (logout, reuse of a used
-- token, password change) ends every token in it at once. Operations on a
-- family lock its row first, so a refresh racing a revocation cannot leave a
-- live token behind.
CREATE TABLE identity.refresh_families (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('logout', 'reuse', 'password_change'))
);

CREATE INDEX refresh_families_user_live_idx ON identity.refresh_families (user_id) WHERE revoked_at IS NULL;

-- One row per refresh token ever issued. Only the SHA-256 of the (random,
-- 256-bit) token is stored. A refresh marks the presented token used and
-- issues the next one in the same family; presenting a used token again
-- revokes the whole family.
CREATE TABLE identity.refresh_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  family_id   uuid NOT NULL REFERENCES identity.refresh_families (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash),
  CONSTRAINT refresh_tokens_token_hash_len CHECK (octet_length(token_hash) = 32)
);

CREATE INDEX refresh_tokens_family_idx ON identity.refresh_tokens (family_id);
