import type { Logger } from "../../../lib/logger.ts";
import type { MediaCleaner, PurgeQueue } from "../domain/ports.ts";
import type { UploadManager } from "../domain/index.ts";

export interface MediaPurgeJobOptions {
  queue: PurgeQueue;
  cleaner: MediaCleaner;
  manager: UploadManager;
  logger: Logger;
  /** How often due purges are looked for (default 30 s). */
  intervalMs?: number;
  /** How long one replica holds a purge before another may take it over (default 10 min). */
  leaseMs?: number;
}

/** The loop that removes deleted videos' objects once their grace period is over. */
export interface MediaPurgeJob {
  start(): void;
  stop(): Promise<void>;
  /** One pass, for tests: the ids of the videos it finished. */
  runOnce(): Promise<string[]>;
}

/**
 * Removes everything a deleted video stored once its purge is due: its
 * unfinished upload sessions (multipart uploads aborted), the source object,
 * and every published object under `videos/<id>/` (HLS, poster, thumbnails,
 * storyboard). Each step is idempotent and the purge is marked done only
 * after all of them, so a replica that dies mid-way leaves it to be redone
 * in full after its lease; a failure is noted and retried on a later pass.
 */
export function createMediaPurgeJob(options: MediaPurgeJobOptions): MediaPurgeJob {
  const { queue, cleaner, manager } = options;
  const log = options.logger.child({ job: "purge-media" });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const purge = async (videoId: string) => {
    await manager.cancelSessionsOfVideo(videoId);
    await cleaner.removeSource(videoId);
    const removed = await cleaner.removeMedia(videoId);
    await queue.markDone(videoId);
    log.info({ videoId, removed }, "deleted video's objects removed");
  };

  const runOnce = async () => {
    const finished: string[] = [];
    for (;;) {
      const due = await queue.claimDue(20, options.leaseMs ?? 600_000);
      for (const { videoId, attempts } of due) {
        try {
          await purge(videoId);
          finished.push(videoId);
        } catch (err) {
          log.warn({ err, videoId, attempts }, "removing a deleted video's objects failed; will retry");
          await queue.markFailed(videoId, err instanceof Error ? err.message : String(err)).catch(() => undefined);
        }
      }
      if (due.length < 20) return finished;
    }
  };

  return {
    start() {
      timer = setInterval(() => {
        running = runOnce().catch((err: unknown) => log.warn({ err }, "purge pass failed; will retry"));
      }, options.intervalMs ?? 30_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
    runOnce,
  };
}
