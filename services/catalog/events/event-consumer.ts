import { durationMs } from "@bufbuild/protobuf/wkt";
import { createEventConsumer, eventHandler, PermanentError, topics, type EventConsumer, type EventProducer } from "../../../lib/kafka/index.ts";
import type { Logger } from "../../../lib/logger.ts";
import { ATTR_VIDEO_ID, inSpan } from "../../../lib/telemetry/spans.ts";
import { isUuid } from "../domain/page-token.ts";
import type { ChannelStore, VideoStore } from "../domain/ports.ts";

export interface CatalogEventConsumerOptions {
  videos: VideoStore;
  /** account.deleted removes everything an account owned. */
  channels: Pick<ChannelStore, "deleteAllOf">;
  brokers: string[];
  /** "xtream-catalog" in production; tests use a fresh group to replay from the beginning. */
  groupId: string;
  logger: Logger;
  producer: EventProducer;
  clientId?: string;
  /** Called after an event changed a video (the NOTIFY trigger already tells every process). */
  onApplied?: (topic: string, videoId: string, changed: boolean) => void;
  /** Longest wait between two tries while PostgreSQL or Kafka is down (default 30 s). */
  maxBackoffMs?: number;
  /** Partitions of the topics this creates when they do not exist yet. */
  partitions?: number;
}

/**
 * The pipeline's events drive video status:
 *   video.uploaded → PROCESSING; video.progress → progress and playable;
 *   video.transcoded → READY with duration, renditions, poster; video.failed → FAILED + reason.
 * Every update is monotonic (see VideoStore), so redelivery and replaying a
 * topic from the beginning change nothing. Events for unknown (or deleted)
 * videos are ignored: they may belong to another deployment sharing Kafka.
 * An event without a valid video id is bad input (dead-lettered with the
 * reason); a PostgreSQL outage is waited out with the offset kept
 * (lib/kafka/consumer.ts), so the video still ends where its events say.
 */
export function createCatalogEventConsumer(options: CatalogEventConsumerOptions): EventConsumer {
  const { videos, channels } = options;
  const { logger } = options;
  /** A status update as its own span (catalog.status processing|progress|ready|failed), for the upload's trace. */
  const status = (step: string, videoId: string, signal: AbortSignal, update: () => Promise<boolean>) =>
    inSpan(`catalog.status ${step}`, { [ATTR_VIDEO_ID]: videoId }, async (span) => {
      const changed = await abortable(signal, update());
      span.setAttribute("catalog.changed", changed);
      return changed;
    });
  const applied = (topic: string, videoId: string, changed: boolean) => {
    logger.debug({ topic, videoId, changed }, "event applied");
    options.onApplied?.(topic, videoId, changed);
  };
  const known = (topic: string, videoId: string) => {
    if (isUuid(videoId)) return true;
    throw new PermanentError(`${topic} event without a valid video id`);
  };

  return createEventConsumer({
    brokers: options.brokers,
    groupId: options.groupId,
    clientId: options.clientId ?? "catalog",
    logger,
    producer: options.producer,
    ...(options.maxBackoffMs ? { maxBackoffMs: options.maxBackoffMs } : {}),
    ...(options.partitions ? { partitions: options.partitions } : {}),
    handlers: [
      eventHandler({
        topic: topics.videoUploaded,
        async handle(event, meta) {
          if (!known(topics.videoUploaded.name, event.videoId)) return;
          applied(topics.videoUploaded.name, event.videoId, await status("processing", event.videoId, meta.signal, () => videos.markProcessing(event.videoId)));
        },
      }),
      eventHandler({
        topic: topics.videoProgress,
        async handle(event, meta) {
          if (!known(topics.videoProgress.name, event.videoId)) return;
          const changed = await status("progress", event.videoId, meta.signal, () => videos.applyProgress(event.videoId, event.percent, event.playableRenditions.length > 0));
          applied(topics.videoProgress.name, event.videoId, changed);
        },
      }),
      eventHandler({
        topic: topics.videoTranscoded,
        async handle(event, meta) {
          if (!known(topics.videoTranscoded.name, event.videoId)) return;
          const changed = await status("ready", event.videoId, meta.signal, () =>
            videos.markReady(event.videoId, {
              durationMs: event.duration ? durationMs(event.duration) : 0,
              renditions: event.renditions.map((rendition) => ({
                name: rendition.name,
                width: rendition.width,
                height: rendition.height,
                bandwidth: Number(rendition.bandwidth),
                codecs: rendition.codecs,
                playlistPath: rendition.playlistPath,
              })),
              posterPath: relativeToVideo(event.videoId, event.posterKey),
            }),
          );
          applied(topics.videoTranscoded.name, event.videoId, changed);
        },
      }),
      eventHandler({
        // The account is gone (identity): everything it owned goes too; each video's
        // video.deleted then removes its files (upload service) and its cache entries (edge).
        topic: topics.accountDeleted,
        async handle(event) {
          if (!event.userId) return;
          const deleted = await inSpan("catalog.delete_account", { "user.id": event.userId }, () => channels.deleteAllOf(event.userId));
          logger.info({ userId: event.userId, videos: deleted.length }, "deleted account's channels, videos and playlists");
          for (const videoId of deleted) applied(topics.accountDeleted.name, videoId, true);
        },
      }),
      eventHandler({
        topic: topics.videoFailed,
        async handle(event, meta) {
          if (!known(topics.videoFailed.name, event.videoId)) return;
          const reason = event.reason.trim() || "the video could not be processed";
          applied(topics.videoFailed.name, event.videoId, await status("failed", event.videoId, meta.signal, () => videos.markFailed(event.videoId, reason.slice(0, 1000))));
        },
      }),
    ],
  });
}

/**
 * Waits for work unless the attempt is aborted first (the consumer stopping,
 * or the attempt's time limit): then rejects with the signal's reason at
 * once. The abandoned statement ends by itself within the pool's
 * statement_timeout; every update is monotonic, so a late one is harmless.
 */
export function abortable<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** "videos/<id>/poster.jpg" → "poster.jpg" (paths in Video are relative to the video's folder). */
export function relativeToVideo(videoId: string, key: string): string {
  const prefix = `videos/${videoId}/`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : key;
}
