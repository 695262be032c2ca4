import { Redis } from "ioredis";
import type { Logger } from "../lib/logger.ts";

/** How long one Redis command may take before it fails (the limiter then counts locally). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * The gateway's Redis connection (rate-limit counters only): commands fail
 * fast instead of queueing while it is down, and time out after
 * REDIS_COMMAND_TIMEOUT_MS when it is up but silent (stopped, overloaded, a
 * half-open connection), so a sync never hangs and shutdown never waits on it.
 */
export function createGatewayRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
    connectTimeout: 2000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  });
  redis.on("error", (err: Error) => logger.debug({ err: err.message }, "redis error")); // the limiter logs and fails open
  return redis;
}
