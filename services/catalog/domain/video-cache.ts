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
