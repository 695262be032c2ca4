import type { Pool } from "pg";

/** Checks a PostgreSQL schema name before it is put into SQL text. */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  return schema;
}

/** The channel the relay LISTENs on; enqueueEvent notifies it at commit. */
export function outboxChannel(schema: string): string {
  return `${assertSchemaName(schema)}_outbox`;
}

/**
 * The DDL of `<schema>.outbox`: one row per event, in commit order of id;
 * `published_at` is set once Kafka acknowledged it; `quarantined_at` once the
 * relay gave up on it (Kafka kept refusing it for a reason no outage explains). Idempotent (IF NOT EXISTS),
 * so it can run on every start or be pasted into a service's migration.
 */
export function outboxTableSql(schema: string): string {
  const s = assertSchemaName(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.outbox (
  id           bigserial PRIMARY KEY,
  topic        text        NOT NULL,
  key          text        NOT NULL,
  payload      bytea       NOT NULL,
  headers      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text
);
ALTER TABLE ${s}.outbox ADD COLUMN IF NOT EXISTS quarantined_at timestamptz;
CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON ${s}.outbox (id) WHERE published_at IS NULL;
`;
}

/** Creates `<schema>.outbox` unless it exists (under an advisory lock, so replicas starting together are safe). */
export async function migrateOutbox(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [`outbox-migrate:${schema}`]);
    try {
      await client.query(outboxTableSql(schema));
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [`outbox-migrate:${schema}`]);
    }
  } finally {
    client.release();
  }
}
