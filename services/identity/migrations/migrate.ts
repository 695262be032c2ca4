import { fileURLToPath } from "node:url";
import { runMigrations, type Pool } from "../../../lib/db/index.ts";
import { migrateOutbox } from "../../../lib/outbox/index.ts";

/** The PostgreSQL schema the identity service owns. */
export const IDENTITY_SCHEMA = "identity";

/** Applies identity's pending migrations (the NNN_*.sql files beside this one) and its outbox table; returns the files applied. */
export async function migrateIdentity(pool: Pool): Promise<string[]> {
  const applied = await runMigrations(pool, { schema: IDENTITY_SCHEMA, dir: fileURLToPath(new URL(".", import.meta.url)) });
  await migrateOutbox(pool, IDENTITY_SCHEMA);
  return applied;
}
