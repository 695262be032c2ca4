import type { Logger } from "../logger.ts";

export interface KeepRetryingOptions {
  /** What is being started, for the log line ("purge consumer"). */
  what: string;
  logger: Logger;
  /** First wait after a failure; doubles per failure up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** A background retry loop; stop() ends it (and waits for an attempt in flight). */
export interface RetryLoop {
  /** Resolves once an attempt succeeded (never rejects; pending until then or stop()). */
  readonly started: Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Keeps calling `attempt` in the background until it succeeds, waiting
 * 1 s, 2 s, 4 s … up to 30 s (plus up to 20% jitter, so replicas that lost the
 * same dependency do not retry in step) between failures. Every service uses
 * this one policy for "start once Kafka (or MinIO…) is reachable", so a
 * dependency that comes up late is picked up within half a minute and a
 * dependency that is down is not hammered.
 */
export function keepRetrying(attempt: () => Promise<void>, options: KeepRetryingOptions): RetryLoop {
  const initial = options.initialDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let resolveStarted!: (ok: boolean) => void;
  const started = new Promise<boolean>((resolve) => (resolveStarted = resolve));

  const run = async () => {
    for (let failures = 0; !stopped; failures++) {
      try {
        inFlight = attempt();
        await inFlight;
        resolveStarted(true);
        return;
      } catch (err) {
        if (stopped) break;
        const delay = Math.min(max, initial * 2 ** Math.min(failures, 16)) * (1 + Math.random() * 0.2);
        options.logger.warn({ err, attempt: failures + 1, retryInMs: Math.round(delay) }, `${options.what} failed to start; retrying`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, delay);
          timer.unref();
        });
      }
    }
    resolveStarted(false);
  };
  void run();

  return {
    started,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await inFlight.catch(() => undefined);
      await started;
    },
  };
}
