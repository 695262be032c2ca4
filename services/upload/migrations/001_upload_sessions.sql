-- Upload sessions (resumable and streamed) and the multipart parts each has stored.
CREATE TABLE upload_sessions (
  id                uuid PRIMARY KEY,
  kind              text        NOT NULL CHECK (kind IN ('stream', 'resumable')),
  video_id          uuid        NOT NULL UNIQUE,
  owner_id          text        NOT NULL,
  channel_id        uuid        NOT NULL,
  content_type      text        NOT NULL,
  filename          text        NOT NULL DEFAULT '',
  size_bytes        bigint      NOT NULL CHECK (size_bytes > 0),
  chunk_size_bytes  bigint      NOT NULL CHECK (chunk_size_bytes > 0),
  committed_offset  bigint      NOT NULL DEFAULT 0 CHECK (committed_offset >= 0 AND committed_offset <= size_bytes),
  state             text        NOT NULL CHECK (state IN ('active', 'completed', 'cancelled', 'expired')),
  end_reason        text        NOT NULL DEFAULT '',
  source_bucket     text        NOT NULL,
  source_key        text        NOT NULL,
  multipart_id      text        NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  expire_at         timestamptz NOT NULL,
  completed_at      timestamptz
);

CREATE INDEX upload_sessions_active_expiry_idx ON upload_sessions (expire_at) WHERE state = 'active';

CREATE TABLE upload_parts (
  session_id   uuid    NOT NULL REFERENCES upload_sessions (id) ON DELETE CASCADE,
  part_number  integer NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
  size_bytes   bigint  NOT NULL CHECK (size_bytes > 0),
  etag         text    NOT NULL,
  md5          text    NOT NULL,
  PRIMARY KEY (session_id, part_number)
);
