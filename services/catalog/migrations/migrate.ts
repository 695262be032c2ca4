import { fileURLToPath } from "node:url";
import { runMigrations, type Pool } from "../../../lib/db/index.ts";

/** The catalog's PostgreSQL schema (its tables and its outbox). */
export const CATALOG_SCHEMA = "catalog";

/** Applies the catalog schema's pending migrations (the NNN_*.sql files beside this one); safe on every start. Returns the files applied. */
export async function migrateCatalog(pool: Pool): Promise<string[]> {
  return runMigrations(pool, { schema: CATALOG_SCHEMA, dir: fileURLToPath(new URL(".", import.meta.url)) });
}
