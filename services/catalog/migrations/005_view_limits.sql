-- Anonymous viewers choose their own viewer id, so one client could count as
-- many viewers as it likes. Views now remember the client's address
-- (client_key, '' for signed-in viewers) and an address counts at most a few
-- anonymous viewers per video and period (CATALOG_ANON_VIEWERS_PER_ADDRESS).
ALTER TABLE video_views ADD COLUMN client_key text NOT NULL DEFAULT '';
CREATE INDEX video_views_by_client ON video_views (video_id, period_bucket, client_key) WHERE client_key <> '';

-- A counted view changes only view_count: it no longer wakes every replica's
-- GetVideo cache and WatchVideo streams (counts show within the cache TTL).
CREATE OR REPLACE FUNCTION notify_video_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'view_count') = (to_jsonb(NEW) - 'view_count') THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('catalog_video_changed', NEW.id::text);
  RETURN NULL;
END $$;
