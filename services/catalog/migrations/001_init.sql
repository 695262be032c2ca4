-- Catalog schema: channels, videos (status, visibility, search vector), views,
-- playlists and their items, and the transactional outbox.
-- Applied with search_path = catalog, public by lib/db runMigrations.

-- pg_trgm is a trusted extension: the database owner (the xtream role) may
-- create it. It lives in public so every schema can use it.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE channels (
  id uuid PRIMARY KEY,
  owner_id text NOT NULL,
  handle text NOT NULL,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- Millisecond precision so a JS Date round-trips exactly (cursor tokens).
  create_time timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX channels_handle_live ON channels (handle) WHERE deleted_at IS NULL;
CREATE INDEX channels_owner_order ON channels (owner_id, create_time DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX channels_order ON channels (create_time DESC, id DESC) WHERE deleted_at IS NULL;

-- Immutable helper so tags can feed generated columns.
CREATE FUNCTION tags_text(tags text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_to_string(tags, ' '), '') $$;

-- visibility and status hold the xtream.catalog.v1 enum numbers:
-- visibility 1 PUBLIC, 2 UNLISTED, 3 PRIVATE;
-- status 1 UPLOADING, 2 PROCESSING, 3 READY, 4 FAILED, 5 DELETED.
CREATE TABLE videos (
  id uuid PRIMARY KEY,
  channel_id uuid NOT NULL REFERENCES channels (id),
  owner_id text NOT NULL,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  tags text[] NOT NULL DEFAULT '{}',
  language text NOT NULL DEFAULT '',
  visibility smallint NOT NULL CHECK (visibility BETWEEN 1 AND 3),
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 5),
  failure_reason text NOT NULL DEFAULT '',
  progress_percent integer NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
  playable boolean NOT NULL DEFAULT false,
  duration_ms bigint,
  renditions jsonb NOT NULL DEFAULT '[]',
  poster_path text NOT NULL DEFAULT '',
  view_count bigint NOT NULL DEFAULT 0,
  create_time timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  update_time timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at timestamptz,
  -- Full text: title weighs most, then tags, then description.
  search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', tags_text(tags)), 'B') ||
    setweight(to_tsvector('english', description), 'C')
  ) STORED,
  -- What trigram (typo-tolerant) matching compares the query with.
  search_text text GENERATED ALWAYS AS (lower(title || ' ' || tags_text(tags))) STORED
);
CREATE INDEX videos_channel_order ON videos (channel_id, create_time DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX videos_search_vector ON videos USING gin (search_vector) WHERE deleted_at IS NULL;
CREATE INDEX videos_search_trgm ON videos USING gin (search_text gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX videos_public_newest ON videos (create_time DESC, id DESC) WHERE deleted_at IS NULL AND visibility = 1 AND status = 3;

-- Every change to a video wakes WatchVideo streams and evicts GetVideo caches
-- in every catalog process (payload: the video id).
CREATE FUNCTION notify_video_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('catalog_video_changed', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER videos_notify AFTER INSERT OR UPDATE ON videos
  FOR EACH ROW EXECUTE FUNCTION notify_video_changed();

-- One row per counted view: a viewer counts once per period bucket.
CREATE TABLE video_views (
  video_id uuid NOT NULL REFERENCES videos (id),
  viewer text NOT NULL,
  period_bucket bigint NOT NULL,
  viewed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (video_id, viewer, period_bucket)
);

CREATE TABLE playlists (
  id uuid PRIMARY KEY,
  owner_id text NOT NULL,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  visibility smallint NOT NULL CHECK (visibility BETWEEN 1 AND 3),
  item_count integer NOT NULL DEFAULT 0,
  create_time timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  update_time timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX playlists_owner_order ON playlists (owner_id, create_time DESC, id DESC);

CREATE TABLE playlist_items (
  id uuid PRIMARY KEY,
  playlist_id uuid NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  video_id uuid NOT NULL REFERENCES videos (id),
  position integer NOT NULL CHECK (position >= 0),
  add_time timestamptz NOT NULL DEFAULT now(),
  -- Deferred so a reorder can shift positions inside one transaction.
  CONSTRAINT playlist_items_position UNIQUE (playlist_id, position) DEFERRABLE INITIALLY DEFERRED
);

-- Transactional outbox: events written with the change, relayed to Kafka.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  event_key text NOT NULL,
  payload bytea NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now()
);
