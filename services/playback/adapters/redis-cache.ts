import { Redis } from "ioredis";
import type { Logger } from "../../../lib/logger.ts";
import type { EdgeStats } from "../domain/edge-stats.ts";
import type { MediaObject, SharedCache } from "../domain/ports.ts";

export interface RedisCacheOptions {
  url: string;
  stats: EdgeStats;
  logger: Logger;
  /** Prefix of every key this cache writes. */
  prefix?: string;
  /** Per-command limit; a slow Redis is a miss, not a slow response. */
  commandTimeoutMs?: number;
}

/** The shared tier, plus a way to close its connection. */
export interface RedisCache extends SharedCache {
  close(): Promise<void>;
  /** True while connected. */
  ready(): boolean;
}

const MAGIC = 0x58; // "X", version 1 of the value layout below
const FLAG_FINAL = 1;

/**
 * The second cache tier on Redis. Values are one binary string: a 3-byte
 * header (magic, flags, ETag length), the ETag, then the body. Each video has
 * a set of its keys so a purge deletes exactly them. Redis being down never
 * fails a request: commands are not queued while disconnected, time out
 * quickly, and every error is counted and turned into a miss; ioredis keeps
 * reconnecting, so caching resumes by itself when Redis is back.
 */
export function createRedisCache(options: RedisCacheOptions): RedisCache {
  const prefix = options.prefix ?? "xtream:edge:";
  const { stats } = options;
  const redis = new Redis(options.url, {
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? 250,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(100 * times, 1000),
    lazyConnect: false,
  });
  let lastErrorLog = 0;
  redis.on("error", (err: Error) => {
    // ioredis reports every failed reconnect; log at most every 10 s.
    if (Date.now() - lastErrorLog > 10_000) {
      lastErrorLog = Date.now();
      options.logger.warn({ err: err.message }, "redis unavailable; serving from origin");
    }
  });
  const indexKey = (videoId: string) => `${prefix}idx:${videoId}`;
  const failed = () => {
    stats.redisErrors++;
    return undefined;
  };

  return {
    async get(key) {
      if (redis.status !== "ready") return failed();
      let value: Buffer | null;
      try {
        value = await redis.getBuffer(prefix + key);
      } catch {
        return failed();
      }
      return value ? decode(value) : undefined;
    },
    async set(videoId, key, object, ttlMs) {
      if (redis.status !== "ready") return void failed();
      try {
        await redis
          .multi()
          .set(prefix + key, encode(object), "PX", Math.max(1, Math.round(ttlMs)))
          .sadd(indexKey(videoId), key)
          .pexpire(indexKey(videoId), Math.max(1, Math.round(ttlMs)), "GT")
          .pexpire(indexKey(videoId), Math.max(1, Math.round(ttlMs)), "NX")
          .exec();
      } catch {
        failed();
      }
    },
    async purgeVideo(videoId) {
      if (redis.status !== "ready") return void failed();
      try {
        const keys = await redis.smembers(indexKey(videoId));
        const pipeline = redis.multi();
        for (let index = 0; index < keys.length; index += 500) {
          pipeline.del(...keys.slice(index, index + 500).map((key) => prefix + key));
        }
        pipeline.del(indexKey(videoId));
        await pipeline.exec();
      } catch {
        failed();
      }
    },
    ready() {
      return redis.status === "ready";
    },
    async close() {
      redis.disconnect();
    },
  };
}

function encode(object: MediaObject): Buffer {
  const etag = Buffer.from(object.etag, "latin1");
  const header = Buffer.from([MAGIC, object.final ? FLAG_FINAL : 0, etag.length]);
  return Buffer.concat([header, etag, object.body]);
}

function decode(value: Buffer): MediaObject | undefined {
  if (value.length < 3 || value[0] !== MAGIC) return undefined;
  const etagLength = value[2] as number;
  if (value.length < 3 + etagLength) return undefined;
  return {
    final: ((value[1] as number) & FLAG_FINAL) !== 0,
    etag: value.toString("latin1", 3, 3 + etagLength),
    body: value.subarray(3 + etagLength),
  };
}
