/**
 * Bounds the memory large request bodies take in the gateway. The Connect path
 * reads a body whole, decodes it and encodes it again for the service, so an
 * upload chunk of 16 MiB costs about three times that while in flight; a few
 * dozen browsers uploading at once would take the process past its memory
 * limit. Calls with large bodies reserve their size here before the gateway
 * reads them, and wait in arrival order while the budget is spent: an unread
 * request is held back by TCP (or HTTP/2) flow control at no memory cost here.
 * Past `maxWaiting` waiters, or after `maxWaitMs`, a caller is turned away and
 * retries (an upload resumes from its committed offset).
 */
export interface BodyBudget {
  /**
   * Reserves `bytes` (a request larger than the whole budget reserves all of it
   * and so runs alone). Resolves with the release (call once the call has
   * ended), or with undefined when the caller is turned away or gave up
   * (`signal`).
   */
  reserve(bytes: number, signal?: AbortSignal): Promise<(() => void) | undefined>;
  /** Bytes reserved now. */
  readonly inUse: number;
  /** Callers waiting now. */
  readonly waiting: number;
}

export interface BodyBudgetOptions {
  maxBytes: number;
  /** Callers that may wait at once; more are turned away at once. */
  maxWaiting: number;
  /** Longest wait before a caller is turned away. */
  maxWaitMs: number;
}

interface Waiter {
  bytes: number;
  grant(release: (() => void) | undefined): void;
}

/** Creates a first-come, first-served byte budget. */
export function createBodyBudget(options: BodyBudgetOptions): BodyBudget {
  let inUse = 0;
  const queue: Waiter[] = [];

  const take = (bytes: number) => {
    inUse += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inUse -= bytes;
      admit();
    };
  };
  // Strictly in order: a large request at the head is not overtaken by small ones forever.
  const admit = () => {
    while (queue.length > 0 && inUse + queue[0]!.bytes <= options.maxBytes) {
      const waiter = queue.shift()!;
      waiter.grant(take(waiter.bytes));
    }
  };

  return {
    reserve(requested, signal) {
      const bytes = Math.min(Math.max(requested, 0), options.maxBytes);
      if (queue.length === 0 && inUse + bytes <= options.maxBytes) return Promise.resolve(take(bytes));
      if (queue.length >= options.maxWaiting || signal?.aborted) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const leave = () => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          clearTimeout(timer);
          signal?.removeEventListener("abort", leave);
          resolve(undefined);
          // The head leaving can let the next ones in.
          admit();
        };
        const waiter: Waiter = {
          bytes,
          grant(release) {
            clearTimeout(timer);
            signal?.removeEventListener("abort", leave);
            resolve(release);
          },
        };
        const timer = setTimeout(leave, options.maxWaitMs);
        timer.unref();
        signal?.addEventListener("abort", leave, { once: true });
        queue.push(waiter);
      });
    },
    get inUse() {
      return inUse;
    },
    get waiting() {
      return queue.length;
    },
  };
}
