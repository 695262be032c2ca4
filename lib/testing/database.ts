import { randomBytes } from "node:crypto";
import pg from "pg";
import { stackEnv } from "./stack-env.ts";

/** A throwaway PostgreSQL database on the real server, dropped by drop(). */
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
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
