import pg from "pg";

export type { Pool, PoolClient } from "pg";

// BIGINT columns (counts, sizes) come back as strings by default; they all fit
// in a JS number here (< 2^53), so parse them.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Creates a PostgreSQL pool; create one per process and end it on shutdown. */
export function createPgPool(connectionString: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5000 });
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
