import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPgPool } from "../../../lib/db/index.ts";
import { createLogger } from "../../../lib/logger.ts";
import { stackEnv } from "../../../lib/testing/index.ts";
import { createVideoChangeFeed } from "./video-change-feed.ts";

// The feed's LISTEN connection goes back to the pool on stop() but keeps its error listener.
// An error on it afterwards (PostgreSQL restarted, the idle connection killed) released it a
// second time, and pg-pool's double-release error was thrown out of the event: an uncaught
// exception (seen in a CI run, from a catalog stopped by gateway/internal-methods.test.ts).
const logger = createLogger("video-change-feed-test", "silent");
const application = `feed-test-${randomUUID().slice(0, 8)}`;
const url = new URL(stackEnv().databaseUrl);
url.searchParams.set("application_name", application);
const pool = createPgPool(url.toString(), 2, logger);
const admin = new pg.Client({ connectionString: stackEnv().databaseUrl });

afterAll(async () => {
  await pool.end().catch(() => undefined);
  await admin.end().catch(() => undefined);
});

describe("the video change feed", () => {
  it("hands its connection back once: an error on it after stop() is not a second release", async () => {
    const uncaught: unknown[] = [];
    const record = (err: unknown) => uncaught.push(err);
    process.on("uncaughtException", record);
    try {
      const feed = createVideoChangeFeed({ pool, logger, reconnectMs: 50 });
      await feed.start();
      await feed.stop();
      // The connection now sits idle in the pool: kill it, as a PostgreSQL restart would.
      await admin.connect();
      const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [application]);
      expect(rows.length).toBeGreaterThan(0);
      for (const { pid } of rows) await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      await sleep(500);
      expect(uncaught).toEqual([]);
      // The pool is fine and serves the next query on a new connection.
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
    } finally {
      process.off("uncaughtException", record);
    }
  });
});
