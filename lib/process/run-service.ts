import { ConfigError } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";

/** What a started service hands back: how to stop it gracefully. */
export interface RunningService {
  /** Stop accepting work, drain what is in flight, close clients. */
  stop(): Promise<void>;
  /** Overrides RunServiceOptions.stopTimeoutMs once the configuration is known. */
  stopTimeoutMs?: number;
}

export interface RunServiceOptions {
  name: string;
  start(logger: Logger): Promise<RunningService>;
  /** Hard limit for a graceful stop before the process exits anyway. */
  stopTimeoutMs?: number;
}

/**
 * Runs a service's main: starts it, and on SIGTERM/SIGINT stops it gracefully
 * (stop accepting, drain, close) before exiting. A configuration error prints
 * what is wrong and exits with status 78 (EX_CONFIG) instead of a stack trace.
 */
export function runService(options: RunServiceOptions): void {
  const logger = createLogger(options.name);
  let running: RunningService | undefined;
  let stopping = false;

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    const timer = setTimeout(() => {
      logger.error("graceful stop timed out");
      process.exit(1);
    }, running?.stopTimeoutMs ?? options.stopTimeoutMs ?? 25_000);
    timer.unref();
    try {
      await running?.stop();
      logger.info("stopped");
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "error while stopping");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  options.start(logger).then(
    (service) => {
      running = service;
      logger.info("started");
    },
    (err: unknown) => {
      if (err instanceof ConfigError) {
        console.error(`${options.name}: ${err.message}`);
        process.exit(78);
      }
      logger.fatal({ err }, "failed to start");
      process.exit(1);
    },
  );
}
