/**
 * A map bounded by the total size of its values in bytes, evicting by
 * second chance (CLOCK), an approximation of least-recently-used. A hit only
 * sets a flag: the edge's hot path reads the same few playlists and segments
 * tens of thousands of times a second, and moving the entry to the back of
 * the Map on every read (delete + set) was a measurable part of a hit's cost.
 * Eviction walks from the oldest insertion: an entry read since it was last
 * passed gets its flag cleared and goes to the back; the first one not read
 * is evicted.
 */
export interface ByteLru<V> {
  get(key: string): V | undefined;
  /** Stores the value unless it alone exceeds the bound; evicts as needed. */
  set(key: string, value: V, size: number): boolean;
  delete(key: string): boolean;
  /** Deletes every key starting with the prefix; returns how many. */
  deletePrefix(prefix: string): number;
  has(key: string): boolean;
  readonly bytes: number;
  readonly size: number;
}

export interface ByteLruOptions {
  maxBytes: number;
  /** Largest single value kept (defaults to a quarter of maxBytes). */
  maxItemBytes?: number;
  onEvict?(key: string): void;
}

/** Creates a byte-bounded LRU; maxBytes 0 keeps nothing. */
export function createByteLru<V>(options: ByteLruOptions): ByteLru<V> {
  const entries = new Map<string, { value: V; size: number; used: boolean }>();
  const maxItem = Math.min(options.maxItemBytes ?? Math.floor(options.maxBytes / 4), options.maxBytes);
  let bytes = 0;

  const remove = (key: string): boolean => {
    const entry = entries.get(key);
    if (!entry) return false;
    entries.delete(key);
    bytes -= entry.size;
    return true;
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entry.used = true;
      return entry.value;
    },
    set(key, value, size) {
      remove(key);
      if (size > maxItem || options.maxBytes <= 0) return false;
      while (bytes + size > options.maxBytes) {
        const oldest = entries.entries().next();
        if (oldest.done) break;
        const [oldestKey, candidate] = oldest.value;
        entries.delete(oldestKey);
        if (candidate.used) {
          // Second chance: read since the hand last passed, so it goes to the back.
          candidate.used = false;
          entries.set(oldestKey, candidate);
          continue;
        }
        bytes -= candidate.size;
        options.onEvict?.(oldestKey);
      }
      entries.set(key, { value, size, used: false });
      bytes += size;
      return true;
    },
    delete: remove,
    deletePrefix(prefix) {
      let removed = 0;
      for (const key of [...entries.keys()]) {
        if (key.startsWith(prefix) && remove(key)) removed++;
      }
      return removed;
    },
    has(key) {
      return entries.has(key);
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
