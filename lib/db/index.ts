/** PostgreSQL: pools, transactions and per-service schema migrations. */
export { createPgPool, inTransaction } from "./pool.ts";
export type { Pool, PoolClient } from "./pool.ts";
export { runMigrations } from "./migrate.ts";
export type { MigrateOptions } from "./migrate.ts";
