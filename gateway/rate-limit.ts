import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.ts";

export interface RateLimiterOptions {
  redis: Redis;
  /** Requests allowed per client per window. */
  limit: number;
  windowSeconds: number;
  logger: Logger;
}

/** Counts requests per key in fixed windows; shared by every gateway replica through Redis. */
export interface RateLimiter {
  /** True when the request may go ahead. */
  allow(key: string): Promise<boolean>;
}

/**
 * A fixed-window limiter on Redis INCR + EXPIRE. If Redis is unreachable it
 * fails open (logged): losing Redis must not take the API down with it.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { redis, limit, windowSeconds, logger } = options;
  let lastWarning = 0;
  return {
    async allow(key) {
      const window = Math.floor(Date.now() / 1000 / windowSeconds);
      const redisKey = `ratelimit:gateway:${key}:${window}`;
      try {
        const [[, count]] = (await redis.multi().incr(redisKey).expire(redisKey, windowSeconds + 1).exec()) as [[unknown, number]];
        return count <= limit;
      } catch (err) {
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          logger.warn({ err }, "rate limiter unavailable; allowing requests");
        }
        return true;
      }
    },
  };
}
