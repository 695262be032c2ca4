import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../../../lib/logger.ts";
import type { LoginRateLimiter } from "../domain/ports.ts";

export interface RedisLoginRateLimiterOptions {
  redis: Redis;
  /** Attempts allowed per account (normalised email) per window. */
  perAccount: number;
  /** Attempts allowed per client address per window. */
  perAddress: number;
  windowMs: number;
  logger: Logger;
  /** Key prefix (tests use their own). */
  keyPrefix?: string;
  /** Clock in ms (tests step it across window boundaries). */
  now?: () => number;
}

// One round trip: count this attempt in the current fixed window, read the
// previous window's count. Keys live two windows.
const COUNT_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
return {current, previous}
`;

/**
 * Login attempt limits in Redis, per account and per client address, with a
 * sliding-window estimate (this window's count plus the previous window's
 * weighted by how much of it still overlaps), so a burst straddling a window
 * boundary does not get twice the limit. Every attempt counts, before the
 * password is checked, so parallel guesses cannot race past the limit.
 *
 * Redis unavailable → fail open (allow, with a warning log). Why: Redis holds
 * no data of record here (the architecture: losing Redis loses no data), and
 * an outage of the counter store should not lock every user out of signing
 * in. What still bounds guessing during such an outage is the scrypt cost per
 * attempt. Commands time out quickly so a dead Redis does not stall logins.
 * Accounts and addresses are hashed in the keys: no emails in Redis.
 */
export function createRedisLoginRateLimiter(options: RedisLoginRateLimiterOptions): LoginRateLimiter {
  const prefix = options.keyPrefix ?? "identity:login";
  const { redis, windowMs } = options;

  const estimate = async (kind: string, subject: string, limit: number, nowMs: number): Promise<boolean> => {
    const window = Math.floor(nowMs / windowMs);
    const id = createHash("sha256").update(subject).digest("base64url").slice(0, 22);
    const key = (w: number) => `${prefix}:${kind}:${id}:${w}`;
    const [current, previous] = (await redis.eval(COUNT_SCRIPT, 2, key(window), key(window - 1), String(windowMs * 2))) as [number, number];
    const overlap = 1 - (nowMs - window * windowMs) / windowMs;
    return previous * overlap + current <= limit;
  };

  return {
    async allowAttempt(account, address) {
      const nowMs = (options.now ?? Date.now)();
      try {
        const checks = [estimate("account", account, options.perAccount, nowMs)];
        if (address) checks.push(estimate("address", address, options.perAddress, nowMs));
        return (await Promise.all(checks)).every(Boolean);
      } catch (err) {
        options.logger.warn({ err }, "login rate limiter unavailable (Redis): allowing the attempt");
        return true;
      }
    },
  };
}
