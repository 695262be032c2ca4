import type { VideoRecord } from "./model.ts";

/**
 * A small in-process LRU cache with a time-to-live, for hot reads (GetVideo).
 * Writers and the change listener evict entries; the TTL bounds staleness
 * should an eviction be missed (for example while the listener reconnects).
 */
export interface TtlCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
}

export interface TtlCacheOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

/** Creates an LRU cache with per-entry expiry. */
export function createTtlCache<V>(options: TtlCacheOptions): TtlCache<V> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: V; expires: number; touched: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      const time = now();
      if (entry.expires <= time) {
        entries.delete(key);
        return undefined;
      }
      // Map keeps insertion order: re-inserting marks it most recently used.
      // Hot keys are re-inserted at most once a second (delete + set on every
      // hit costs more than the rest of a cached read).
      if (time - entry.touched >= 1000) {
        entry.touched = time;
        entries.delete(key);
        entries.set(key, entry);
      }
      return entry.value;
    },
    set(key, value) {
      if (options.maxEntries <= 0 || options.ttlMs <= 0) return;
      entries.delete(key);
      const time = now();
      entries.set(key, { value, expires: time + options.ttlMs, touched: time });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}

/** A video and its read answer, built once and shared by every caller allowed to see it. */
export interface CachedVideo<R> {
  video: VideoRecord;
  response: R;
}

/**
 * The GetVideo cache, all of it: TTL entries, loading on a miss, and
 * eviction. Writers evict after their write; the change feed evicts for
 * writes in other processes. An eviction bumps an epoch, so a read that
 * raced a write does not cache what it read.
 */
export interface VideoCache<R> {
  /** The cached entry, without I/O (undefined on a miss): a hot read can answer synchronously. */
  peek(id: string): CachedVideo<R> | undefined;
  /** The entry, read and cached on a miss; undefined when the video does not exist. */
  load(id: string): Promise<CachedVideo<R> | undefined>;
  /** Forgets one video. */
  evict(id: string): void;
  /** Forgets every video (after the change feed reconnected: anything may have changed). */
  evictAll(): void;
}

export interface VideoCacheOptions<R> {
  /** Reads a video from the store. */
  read(id: string): Promise<VideoRecord | undefined>;
  /** Builds the answer for a video, once per entry (encoded once, for example). */
  respond(video: VideoRecord): R;
  /** Entry lifetime; 0 disables caching. */
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

/** Creates the GetVideo cache. */
export function createVideoCache<R>(options: VideoCacheOptions<R>): VideoCache<R> {
  const entries = createTtlCache<CachedVideo<R>>({ ttlMs: options.ttlMs, maxEntries: options.maxEntries, ...(options.now ? { now: options.now } : {}) });
  let epoch = 0;
  return {
    peek: (id) => entries.get(id),
    async load(id) {
      const hit = entries.get(id);
      if (hit) return hit;
      const seen = epoch;
      const video = await options.read(id);
      if (!video) return undefined;
      const entry = { video, response: options.respond(video) };
      if (epoch === seen) entries.set(id, entry);
      return entry;
    },
    evict(id) {
      epoch++;
      entries.delete(id);
    },
    evictAll() {
      epoch++;
      entries.clear();
    },
  };
}
