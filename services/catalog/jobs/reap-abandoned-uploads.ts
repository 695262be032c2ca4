import type { Logger } from "../../../lib/logger.ts";
import type { VideoStore } from "../domain/ports.ts";

/** What a reaped video says, shown to its owner. */
export const ABANDONED_UPLOAD_REASON = "the upload was never finished; please upload the video again";

export interface AbandonedUploadReaperOptions {
  videos: VideoStore;
  logger: Logger;
  /**
   * A video still UPLOADING this long after it was created has no upload that
   * can finish: the upload service's sessions expire sooner (its
   * UPLOAD_SESSION_TTL_SECONDS, 24 h by default, plus a margin for its expiry job).
   */
  abandonAfterMs: number;
  /** How often to look (default 5 min). */
  intervalMs?: number;
  now?: () => Date;
}

/** The background loop that fails videos whose upload was abandoned. */
export interface AbandonedUploadReaper {
  start(): void;
  stop(): Promise<void>;
  /** One pass, for tests: the ids it failed. */
  runOnce(): Promise<string[]>;
}

/**
 * Fails videos left UPLOADING (an abandoned or expired session whose
 * video.failed never arrived, an upload service that died between creating
 * the video and opening its upload) with a reason a person can read. The
 * upload service fails most such videos itself, at once (cancelled, expired,
 * could not be opened); this is the backstop, so no video stays UPLOADING
 * forever. Batches of 100, each one UPDATE (replicas may run it at once:
 * SKIP LOCKED). The change wakes WatchVideo streams like any other.
 */
export function createAbandonedUploadReaper(options: AbandonedUploadReaperOptions): AbandonedUploadReaper {
  const log = options.logger.child({ job: "reap-abandoned-uploads" });
  const now = options.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const runOnce = async () => {
    const failed: string[] = [];
    const before = new Date(now().getTime() - options.abandonAfterMs);
    for (;;) {
      const batch = await options.videos.failAbandonedUploads(before, ABANDONED_UPLOAD_REASON, 100);
      failed.push(...batch);
      if (batch.length < 100) break;
    }
    if (failed.length > 0) log.info({ failed: failed.length }, "videos left uploading marked failed");
    return failed;
  };

  return {
    start() {
      timer = setInterval(() => {
        running = runOnce().catch((err: unknown) => log.warn({ err }, "reaping abandoned uploads failed; will retry"));
      }, options.intervalMs ?? 300_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
    runOnce,
  };
}
