import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger.ts";
import { stackEnv } from "../lib/testing/index.ts";
import { createRateLimiter } from "./rate-limit.ts";

const logger = createLogger("rate-limit-test", "silent");
const redis = new Redis(stackEnv().redisUrl);
afterAll(() => redis.disconnect());

describe("the gateway's rate limiter", () => {
  it("limits on local counts at once, with no Redis round trip per call", () => {
    const limiter = createRateLimiter({ redis, limit: 3, windowSeconds: 60, logger, syncIntervalMs: 60_000 });
    const key = randomUUID();
    expect([1, 2, 3, 4].map(() => limiter.allow(key))).toEqual([true, true, true, false]);
    expect(limiter.allow(randomUUID())).toBe(true);
    return limiter.close();
  });

  it("keeps counting calls while their sync to Redis is on its way", async () => {
    const limiter = createRateLimiter({ redis, limit: 3, windowSeconds: 60, logger, syncIntervalMs: 60_000 });
    const key = randomUUID();
    expect([1, 2, 3].map(() => limiter.allow(key))).toEqual([true, true, true]);
    const syncing = limiter.sync();
    // Redis has not answered yet: the three calls still count.
    expect(limiter.allow(key)).toBe(false);
    await syncing;
    expect(limiter.allow(key)).toBe(false);
    return limiter.close();
  });

  it("shares the counts of every replica through Redis", async () => {
    const a = createRateLimiter({ redis, limit: 5, windowSeconds: 60, logger, syncIntervalMs: 60_000 });
    const b = createRateLimiter({ redis, limit: 5, windowSeconds: 60, logger, syncIntervalMs: 60_000 });
    const key = randomUUID();
    expect([1, 2, 3].map(() => a.allow(key))).toEqual([true, true, true]);
    await a.sync();
    // b learns a's three calls when it pushes its own first one.
    expect(b.allow(key)).toBe(true);
    await b.sync();
    expect([b.allow(key), b.allow(key)]).toEqual([true, false]);
    await b.sync();
    expect(a.allow(key)).toBe(true); // a is one interval behind: the bounded overshoot
    await a.sync();
    expect([a.allow(key), b.allow(key)]).toEqual([false, false]);
    const stored = await redis.keys(`ratelimit:gateway:${key}:*`);
    expect(Number(await redis.get(stored[0]!))).toBe(6);
    await Promise.all([a.close(), b.close()]);
  });

  it("syncs on its own every interval", async () => {
    const limiter = createRateLimiter({ redis, limit: 100, windowSeconds: 60, logger, syncIntervalMs: 20 });
    const key = randomUUID();
    limiter.allow(key);
    limiter.allow(key);
    await expect.poll(async () => Number(await redis.get((await redis.keys(`ratelimit:gateway:${key}:*`))[0] ?? "none")), { timeout: 2000 }).toBe(2);
    await limiter.close();
  });

  it("keeps limiting on this replica's counts when Redis is unreachable", async () => {
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on("error", () => undefined);
    const limiter = createRateLimiter({ redis: down, limit: 2, windowSeconds: 60, logger, syncIntervalMs: 60_000 });
    const key = randomUUID();
    expect([limiter.allow(key), limiter.allow(key)]).toEqual([true, true]);
    await limiter.sync();
    expect(limiter.allow(key)).toBe(false);
    await limiter.close();
    down.disconnect();
  });
});
