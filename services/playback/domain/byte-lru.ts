/**
 * A least-recently-used map bounded by the total size of its values in bytes.
 * A Map keeps insertion order, so re-inserting on access makes the first key
 * the least recently used one; eviction pops from the front.
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
  const entries = new Map<string, { value: V; size: number }>();
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
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, size) {
      remove(key);
      if (size > maxItem || options.maxBytes <= 0) return false;
      while (bytes + size > options.maxBytes) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        remove(oldest.value);
        options.onEvict?.(oldest.value);
      }
      entries.set(key, { value, size });
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
