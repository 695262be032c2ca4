import { fileURLToPath } from "node:url";
import { runMigrations, type Pool } from "../../../lib/db/index.ts";
import { migrateOutbox } from "../../../lib/outbox/index.ts";
import { UPLOAD_SCHEMA } from "../adapters/pg-session-repository.ts";

/** Applies the upload schema's pending migrations (the NNN_*.sql files beside this one) and its outbox table; returns the files applied. */
export async function migrateUpload(pool: Pool): Promise<string[]> {
  const applied = await runMigrations(pool, { schema: UPLOAD_SCHEMA, dir: fileURLToPath(new URL(".", import.meta.url)) });
  await migrateOutbox(pool, UPLOAD_SCHEMA);
  return applied;
}
