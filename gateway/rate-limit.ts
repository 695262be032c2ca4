import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.ts";

export interface RateLimiterOptions {
  redis: Redis;
  /** Requests allowed per client per window. */
  limit: number;
  windowSeconds: number;
  logger: Logger;
  /** How often local counts are pushed to Redis and the shared totals read back (default 100 ms). */
  syncIntervalMs?: number;
  /** Redis key prefix (default "ratelimit:gateway"); gateways sharing one share their counts. */
  keyPrefix?: string;
}

/** Counts requests per key in fixed windows; shared by every gateway replica through Redis. */
export interface RateLimiter {
  /** True when the request may go ahead. Synchronous: no Redis round trip per call. */
  allow(key: string): boolean;
  /** Pushes what is counted locally to Redis now (also runs every syncIntervalMs). */
  sync(): Promise<void>;
  /** Stops the sync timer (after a last sync). */
  close(): Promise<void>;
}

interface Counter {
  /** The total over every replica, as Redis said at the last sync (this replica's synced calls included). */
  shared: number;
  /** Calls counted here since the last sync. */
  pending: number;
  /** Calls on their way to Redis (a sync in progress): still counted until its answer is in. */
  inFlight: number;
}

/**
 * A fixed-window limiter whose counts live in Redis, without a Redis round
 * trip on the request path: each replica counts locally and, every
 * syncIntervalMs, adds its counts to the window's key (INCRBY + EXPIRE in one
 * pipeline) and reads the shared total back. A request is allowed while the
 * shared total plus the local unsynced count stays within the limit, so other
 * replicas' calls are seen at most one interval late (a replica can overshoot
 * by what the others admit in that interval). If Redis is unreachable each
 * replica keeps limiting on its own counts (logged): losing Redis must not
 * take the API down with it.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { redis, limit, windowSeconds, logger } = options;
  let window = currentWindow(windowSeconds);
  let counters = new Map<string, Counter>();
  let lastWarning = 0;
  let syncing: Promise<void> | undefined;

  const rollOver = () => {
    const now = currentWindow(windowSeconds);
    if (now !== window) {
      window = now;
      counters = new Map();
    }
  };

  const push = async () => {
    rollOver();
    const batch = [...counters].filter(([, counter]) => counter.pending > 0);
    if (batch.length === 0) return;
    const windowAtPush = window;
    const pipeline = redis.pipeline();
    for (const [key, counter] of batch) {
      const redisKey = `${options.keyPrefix ?? "ratelimit:gateway"}:${key}:${windowAtPush}`;
      pipeline.incrby(redisKey, counter.pending).expire(redisKey, windowSeconds + 1);
    }
    const sent = batch.map(([, counter]) => counter.pending);
    batch.forEach(([, counter]) => {
      counter.inFlight += counter.pending;
      counter.pending = 0;
    });
    try {
      const results = (await pipeline.exec()) ?? [];
      if (window !== windowAtPush) return;
      batch.forEach(([, counter], index) => {
        const [err, total] = results[index * 2] ?? [new Error("no reply")];
        counter.inFlight -= sent[index]!;
        if (err) counter.shared += sent[index]!;
        else counter.shared = Math.max(counter.shared, Number(total));
      });
    } catch (err) {
      // Keep what was not stored counted here, so it still limits this replica.
      if (window === windowAtPush) {
        batch.forEach(([, counter], index) => {
          counter.inFlight -= sent[index]!;
          counter.shared += sent[index]!;
        });
      }
      if (Date.now() - lastWarning > 10_000) {
        lastWarning = Date.now();
        logger.warn({ err }, "rate limiter cannot reach Redis; limiting on this replica's counts only");
      }
    }
  };

  const sync = () => {
    syncing ??= push().finally(() => (syncing = undefined));
    return syncing;
  };
  const timer = setInterval(() => void sync(), options.syncIntervalMs ?? 100);
  timer.unref();

  return {
    allow(key) {
      rollOver();
      let counter = counters.get(key);
      if (!counter) {
        counter = { shared: 0, pending: 0, inFlight: 0 };
        counters.set(key, counter);
      }
      if (counter.shared + counter.inFlight + counter.pending >= limit) return false;
      counter.pending++;
      return true;
    },
    sync,
    async close() {
      clearInterval(timer);
      await sync();
    },
  };
}

function currentWindow(windowSeconds: number): number {
  return Math.floor(Date.now() / 1000 / windowSeconds);
}
