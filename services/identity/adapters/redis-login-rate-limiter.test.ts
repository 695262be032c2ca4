import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { stackEnv } from "../../../lib/testing/index.ts";
import { createRedisLoginRateLimiter } from "./redis-login-rate-limiter.ts";

const redis = new Redis(stackEnv().redisUrl, { maxRetriesPerRequest: 1 });
const prefix = `test:identity-limiter:${randomBytes(6).toString("hex")}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function limiterAt(clock: { ms: number }, name: string, perAccount: number, perAddress = 1000) {
  return createRedisLoginRateLimiter({ redis, perAccount, perAddress, windowMs: 60_000, keyPrefix: `${prefix}:${name}`, logger: pino({ level: "silent" }), now: () => clock.ms });
}

describe("Redis login rate limiter", () => {
  it("allows up to the limit in a window and refuses the next attempt", async () => {
    const clock = { ms: 1_000_000 * 60_000 };
    const limiter = limiterAt(clock, "basic", 3);
    const results = [];
    for (let attempt = 0; attempt < 4; attempt++) results.push(await limiter.allowAttempt("a@example.com", undefined));
    expect(results).toEqual([true, true, true, false]);
    expect(await limiter.allowAttempt("b@example.com", undefined)).toBe(true);
  });

  it("does not reset at the window boundary: the previous window still weighs in, fading out", async () => {
    const windowStart = 2_000_000 * 60_000;
    const clock = { ms: windowStart + 59_000 };
    const limiter = limiterAt(clock, "sliding", 3);
    for (let attempt = 0; attempt < 3; attempt++) expect(await limiter.allowAttempt("c@example.com", undefined)).toBe(true);
    clock.ms = windowStart + 61_000; // next window, previous one still ~98% overlapping
    expect(await limiter.allowAttempt("c@example.com", undefined)).toBe(false);
    clock.ms = windowStart + 119_500; // previous window almost entirely past (1 + 1 counted here)
    expect(await limiter.allowAttempt("c@example.com", undefined)).toBe(true);
    clock.ms = windowStart + 181_000; // two windows on: clean slate
    expect(await limiter.allowAttempt("c@example.com", undefined)).toBe(true);
  });

  it("limits per address independently of the account", async () => {
    const clock = { ms: 3_000_000 * 60_000 };
    const limiter = limiterAt(clock, "address", 1000, 2);
    expect(await limiter.allowAttempt("d1@example.com", "198.51.100.9")).toBe(true);
    expect(await limiter.allowAttempt("d2@example.com", "198.51.100.9")).toBe(true);
    expect(await limiter.allowAttempt("d3@example.com", "198.51.100.9")).toBe(false);
    expect(await limiter.allowAttempt("d3@example.com", "198.51.100.10")).toBe(true);
  });
});
