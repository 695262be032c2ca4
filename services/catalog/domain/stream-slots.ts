/** Counts open streams per caller and refuses one over the limit. */
export interface StreamSlots {
  /** Takes a slot for `key`; returns its release (call once), or undefined when the key holds `limit` already. */
  acquire(key: string): (() => void) | undefined;
  /** Streams open for a key now. */
  open(key: string): number;
}

/** Creates the per-caller stream counter (in this process; entries go when their count drops to 0). */
export function createStreamSlots(limit: number): StreamSlots {
  const counts = new Map<string, number>();
  return {
    acquire(key) {
      const current = counts.get(key) ?? 0;
      if (current >= limit) return undefined;
      counts.set(key, current + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(key) ?? 1) - 1;
        if (left <= 0) counts.delete(key);
        else counts.set(key, left);
      };
    },
    open: (key) => counts.get(key) ?? 0,
  };
}
