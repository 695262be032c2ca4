import pg from "pg";
import type { Logger } from "../logger.ts";

export type { Pool, PoolClient } from "pg";

// BIGINT columns (counts, sizes) come back as strings by default; they all fit
// in a JS number here (< 2^53), so parse them.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** The default limit on one statement's run time. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * Creates a PostgreSQL pool; create one per process and end it on shutdown.
 * When the server ends idle connections (a restart, a failover, an admin),
 * the pool emits 'error' for each; unheard, that is an uncaught exception
 * that takes the service down. Here it is logged (code and message only: the
 * error carries the client, password included) and the pool opens new
 * connections on the next query. Every statement is limited by the server
 * (`statement_timeout`, default 30 s): a query stuck behind a lock or on an
 * overloaded server fails with SQLSTATE 57014 instead of holding a
 * connection and its caller forever; Kafka consumers treat that as an
 * outage and try again later.
 */
export function createPgPool(connectionString: string, max = 10, logger?: Logger, statementTimeoutMs = DEFAULT_STATEMENT_TIMEOUT_MS): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5000, statement_timeout: statementTimeoutMs });
  pool.on("error", (err: Error & { code?: string }) => {
    logger?.warn({ code: err.code, message: err.message }, "an idle PostgreSQL connection was lost; the pool reconnects on the next query");
  });
  return pool;
}

/** Runs fn in a transaction: committed if it resolves, rolled back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
