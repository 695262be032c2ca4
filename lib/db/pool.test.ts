import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../logger.ts";
import { createTestDatabase, type TestDatabase } from "../testing/index.ts";
import { createPgPool, type Pool } from "./pool.ts";

let db: TestDatabase;
let pool: Pool;
const warnings: unknown[][] = [];
const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
beforeAll(async () => {
  db = await createTestDatabase("pool");
  pool = createPgPool(db.url, 2, logger);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe("the PostgreSQL pool", () => {
  it("outlives its idle connections being killed (a PostgreSQL restart), and reconnects", async () => {
    // Two idle pooled connections, then the server ends them, as a restart or failover does.
    const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
    const pid = async (client: typeof a) => (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    const pids = [await pid(a), await pid(b)];
    a.release();
    b.release();
    const killer = createPgPool(db.url, 1);
    await killer.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids]);
    await killer.end();
    // Without an 'error' listener on the pool, the idle clients' errors are uncaught and end the process.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { rows } = await pool.query<{ ok: number }>("SELECT 1 AS ok");
    expect(rows[0]!.ok).toBe(1);
    // Logged, with the error's code and message only: the error object carries the client and its password.
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]![0]).toMatchObject({ code: "57P01" });
    expect(JSON.stringify(warnings)).not.toContain(new URL(db.url).password);
  });

  it("ends a statement that runs longer than its statement_timeout", async () => {
    const limited = createPgPool(db.url, 1, logger, 300);
    try {
      const started = Date.now();
      const error = await limited.query("SELECT pg_sleep(3)").then(
        () => undefined,
        (err: unknown) => err as { code?: string },
      );
      expect(error?.code).toBe("57014"); // query_canceled
      expect(Date.now() - started).toBeLessThan(2000);
      // The default applies to every pool.
      expect((await pool.query<{ statement_timeout: string }>("SHOW statement_timeout")).rows[0]?.statement_timeout).toBe("30s");
    } finally {
      await limited.end();
    }
  });
});
