import type { Pool } from "../../../lib/db/index.ts";
import type { Logger } from "../../../lib/logger.ts";

export interface RefreshTokenSweeperOptions {
  pool: Pool;
  logger: Logger;
  /** How long past expiry a token is kept (so a late reuse of it is still recognised as reuse). */
  retainMs: number;
  /** How often to sweep. */
  intervalMs: number;
  /** Rows deleted per statement, so no sweep holds locks for long. */
  batchSize?: number;
}

/** A background loop deleting long-expired refresh tokens and families with none left. */
export interface RefreshTokenSweeper {
  /** Runs one sweep; resolves with the number of tokens and families deleted. */
  sweepOnce(): Promise<{ tokens: number; families: number }>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Creates the sweeper. Deletes are idempotent, so replicas sweeping at the
 * same time only duplicate work. A failed sweep is logged and retried at the
 * next interval; it never stops the service.
 */
export function createRefreshTokenSweeper(options: RefreshTokenSweeperOptions): RefreshTokenSweeper {
  const batch = options.batchSize ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  const deleteBatches = async (sql: string, params: unknown[]): Promise<number> => {
    let total = 0;
    for (;;) {
      const result = await options.pool.query(sql, params);
      const count = result.rowCount ?? 0;
      total += count;
      if (count < batch) return total;
    }
  };

  const sweeper: RefreshTokenSweeper = {
    async sweepOnce() {
      const cutoff = new Date(Date.now() - options.retainMs);
      const tokens = await deleteBatches(
        `DELETE FROM identity.refresh_tokens WHERE id IN (SELECT id FROM identity.refresh_tokens WHERE expires_at < $1 LIMIT ${batch})`,
        [cutoff],
      );
      const families = await deleteBatches(
        `DELETE FROM identity.refresh_families WHERE id IN (
           SELECT f.id FROM identity.refresh_families f
           WHERE f.created_at < $1 AND NOT EXISTS (SELECT 1 FROM identity.refresh_tokens t WHERE t.family_id = f.id)
           LIMIT ${batch})`,
        [cutoff],
      );
      // Revoked sessions whose access tokens have expired anyway are no longer needed by verifiers.
      await deleteBatches(
        `DELETE FROM identity.revoked_sessions WHERE seq IN (SELECT seq FROM identity.revoked_sessions WHERE expires_at < now() LIMIT ${batch})`,
        [],
      );
      if (tokens + families > 0) options.logger.info({ tokens, families }, "swept expired refresh tokens");
      return { tokens, families };
    },
    start() {
      timer = setInterval(() => {
        if (running) return;
        running = sweeper
          .sweepOnce()
          .catch((err: unknown) => options.logger.warn({ err }, "refresh token sweep failed"))
          .finally(() => (running = undefined));
      }, options.intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
  return sweeper;
}
