import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { stackEnv } from "./stack-env.ts";

/** A throwaway PostgreSQL database on the real server, dropped by drop() (which retries). */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database for one test file, so files can run in parallel. */
export async function createTestDatabase(prefix = "test"): Promise<TestDatabase> {
  const base = new URL(stackEnv().databaseUrl);
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      // DROP … WITH (FORCE) can fail while an autovacuum or another session is in
      // the database for a moment: retry a few times (0.5 s, 1 s, 1.5 s, 2 s).
      for (let attempt = 1; ; attempt++) {
        try {
          await dropDatabase(base, name);
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          await sleep(500 * attempt);
        }
      }
    },
  };
}

async function dropDatabase(base: URL, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: base.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
