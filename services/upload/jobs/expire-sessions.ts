import type { Logger } from "../../../lib/logger.ts";
import type { UploadManager } from "../domain/index.ts";

export interface ExpiryJobOptions {
  manager: UploadManager;
  logger: Logger;
  /** How often expired sessions are looked for (default 60 s). */
  intervalMs?: number;
}

/** A background loop that aborts the multipart uploads of sessions past their expiry. */
export interface ExpiryJob {
  start(): void;
  stop(): Promise<void>;
  /** One pass, for tests: returns how many sessions it ended. */
  runOnce(): Promise<number>;
}

/** Creates the session-expiry job; several replicas may run it (each session is ended under its row lock). */
export function createExpiryJob(options: ExpiryJobOptions): ExpiryJob {
  const log = options.logger.child({ job: "expire-sessions" });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const runOnce = async () => {
    let total = 0;
    for (;;) {
      const ended = await options.manager.expireSessions(100);
      total += ended;
      if (ended < 100) break;
    }
    if (total > 0) log.info({ expired: total }, "expired upload sessions aborted");
    return total;
  };

  return {
    start() {
      timer = setInterval(() => {
        running = runOnce().catch((err: unknown) => log.warn({ err }, "expiring sessions failed; will retry"));
      }, options.intervalMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
    runOnce,
  };
}
