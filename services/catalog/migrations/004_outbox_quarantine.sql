-- The shared outbox relay quarantines a row Kafka keeps refusing (lib/outbox/relay.ts).
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS quarantined_at timestamptz;
