-- Move catalog.outbox to the shape of the shared lib/outbox (which landed
-- after 001): rename columns, add headers/published_at/attempts/last_error.
-- Pending rows are kept.
ALTER TABLE outbox RENAME COLUMN event_key TO key;
ALTER TABLE outbox RENAME COLUMN create_time TO created_at;
ALTER TABLE outbox
  ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN published_at timestamptz,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN last_error text;
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
