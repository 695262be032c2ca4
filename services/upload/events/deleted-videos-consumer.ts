import { createEventConsumer, eventHandler, topics, type EventConsumer, type EventProducer, type Topic } from "../../../lib/kafka/index.ts";
import type { Logger } from "../../../lib/logger.ts";
import type { MediaCleaner, PurgeQueue } from "../domain/ports.ts";

export interface DeletedVideosConsumerOptions {
  brokers: string[];
  /** "xtream-upload-purge" in production. */
  groupId: string;
  queue: PurgeQueue;
  cleaner: MediaCleaner;
  /** How long a deleted video's objects are kept before they are removed. */
  graceMs: number;
  logger: Logger;
  producer: EventProducer;
  /** The video.deleted topic (tests use their own). */
  topic?: Topic<(typeof topics.videoDeleted)["schema"]>;
  /** Take only the videos this accepts; others are skipped (tests that share the platform's topics). */
  accept?: (videoId: string) => boolean | Promise<boolean>;
}

// Video ids become object keys: accept only plain ids.
const VIDEO_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Consumes video.deleted (a video deleted alone or with its channel or
 * account): writes the video's tombstone at once, so no transcode publishes
 * for it from now on, and schedules its objects' removal after the grace
 * period (jobs/purge-media.ts). The offset is committed only after both, so
 * a crash redelivers the event; a redelivered event changes nothing.
 */
export function createDeletedVideosConsumer(options: DeletedVideosConsumerOptions): EventConsumer {
  return createEventConsumer({
    brokers: options.brokers,
    groupId: options.groupId,
    clientId: "upload-purge",
    logger: options.logger,
    producer: options.producer,
    handlers: [
      eventHandler({
        topic: options.topic ?? topics.videoDeleted,
        async handle(event) {
          if (!VIDEO_ID.test(event.videoId)) {
            options.logger.warn({ videoId: event.videoId }, "video.deleted with a malformed video id ignored");
            return;
          }
          if (options.accept && !(await options.accept(event.videoId))) return;
          await options.cleaner.writeTombstone(event.videoId);
          await options.queue.schedule(event.videoId, event.ownerId, options.graceMs);
        },
      }),
    ],
  });
}
