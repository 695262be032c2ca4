-- Deleted videos whose stored objects (the source here, the published HLS and
-- images in the media bucket) are to be removed once due_at passes
-- (jobs/purge-media.ts). One row per video: a redelivered video.deleted adds
-- nothing. claimed_until lets one replica work on a row at a time; a replica
-- that dies mid-way leaves it to be claimed again. done_at marks it finished.
CREATE TABLE media_purges (
  video_id text PRIMARY KEY,
  owner_id text NOT NULL DEFAULT '',
  requested_at timestamptz NOT NULL DEFAULT now(),
  due_at timestamptz NOT NULL,
  claimed_until timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  done_at timestamptz
);
CREATE INDEX media_purges_due ON media_purges (due_at) WHERE done_at IS NULL;
CREATE INDEX upload_sessions_video ON upload_sessions (video_id) WHERE state = 'active';
