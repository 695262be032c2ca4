import { fileURLToPath } from "node:url";
import { runMigrations, type Pool } from "../../../lib/db/index.ts";

/** The PostgreSQL schema the identity service owns. */
export const IDENTITY_SCHEMA = "identity";

/** Applies identity's pending migrations (services/identity/migrations); returns the files applied. */
export function migrateIdentity(pool: Pool): Promise<string[]> {
  return runMigrations(pool, { schema: IDENTITY_SCHEMA, dir: fileURLToPath(new URL("../migrations", import.meta.url)) });
}
