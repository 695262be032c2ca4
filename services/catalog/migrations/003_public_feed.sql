-- The public feed (VideoService.ListFeed) and channel pages list PUBLIC,
-- not-deleted videos that can be played: READY, or PROCESSING with a first
-- rung. One partial index per feed order; the predicate is the store's
-- PUBLICLY_LISTED (services/catalog/adapters/video-store.ts), word for word,
-- so the planner can use them.
CREATE INDEX videos_feed_latest ON videos (create_time DESC, id DESC)
  WHERE deleted_at IS NULL AND visibility = 1 AND (status = 3 OR (status = 2 AND playable));
CREATE INDEX videos_feed_most_viewed ON videos (view_count DESC, create_time DESC, id DESC)
  WHERE deleted_at IS NULL AND visibility = 1 AND (status = 3 OR (status = 2 AND playable));
