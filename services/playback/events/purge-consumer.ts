import { createEventConsumer, createEventProducer, eventHandler, PermanentError, topics, type EventConsumer } from "../../../lib/kafka/index.ts";
import type { Logger } from "../../../lib/logger.ts";
import { visibilityOf } from "../adapters/catalog-videos.ts";
import type { TieredCache } from "../domain/tiered-cache.ts";
import type { VideoAccess } from "../domain/video-access.ts";

export interface PurgeConsumerOptions {
  brokers: string[];
  /**
   * Names this edge instance (PLAYBACK_INSTANCE_ID, the host name by default: stable across
   * restarts of the process). Every edge purges its own memory, so each instance has its own
   * group, purgeGroupId(instanceId), whose committed offsets carry it over a restart.
   */
  instanceId: string;
  cache: Pick<TieredCache, "purgeVideo">;
  access: Pick<VideoAccess, "deleted" | "visibilityChanged">;
  logger: Logger;
  /** Partitions of the topics when this is the first to use them. */
  partitions?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checkedId(videoId: string): string {
  if (!UUID.test(videoId)) throw new PermanentError("event without a valid video id");
  return videoId;
}

/** The consumer group of one edge instance. */
export function purgeGroupId(instanceId: string): string {
  return `xtream-playback-purge.${instanceId}`;
}

/**
 * Purges a video from memory and Redis when the catalog deletes it or
 * changes its visibility, and updates the edge's idea of who may watch it.
 * Only new events matter to a brand-new instance (its memory is empty), so
 * its group starts at the end of the topics; from then on the group's
 * committed offsets carry it over restarts: events published while it was
 * down are applied when it is back, none is missed.
 */
export function createPurgeConsumer(options: PurgeConsumerOptions): EventConsumer & { stopProducer(): Promise<void> } {
  const producer = createEventProducer({ brokers: options.brokers, clientId: "xtream-playback" });
  const consumer = createEventConsumer({
    brokers: options.brokers,
    groupId: purgeGroupId(options.instanceId),
    clientId: "xtream-playback",
    logger: options.logger,
    producer,
    fromBeginning: false,
    ...(options.partitions ? { partitions: options.partitions } : {}),
    handlers: [
      eventHandler({
        topic: topics.videoDeleted,
        attempts: 5,
        timeoutMs: 10_000,
        async handle(event) {
          const videoId = checkedId(event.videoId);
          options.access.deleted(videoId);
          await options.cache.purgeVideo(videoId);
          options.logger.info({ videoId }, "purged deleted video");
        },
      }),
      eventHandler({
        topic: topics.videoVisibility,
        attempts: 5,
        timeoutMs: 10_000,
        async handle(event) {
          const videoId = checkedId(event.videoId);
          options.access.visibilityChanged(videoId, event.visibility ? visibilityOf(event.visibility) : undefined);
          await options.cache.purgeVideo(videoId);
          options.logger.info({ videoId }, "purged video after a visibility change");
        },
      }),
    ],
  });
  return {
    start: () => consumer.start(),
    stop: () => consumer.stop(),
    healthy: () => consumer.healthy(),
    failed: () => consumer.failed(),
    stopProducer: () => producer.disconnect(),
  };
}
