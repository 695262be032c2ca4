import type { TokenVerifier } from "../../lib/auth/index.ts";
import { createPgPool, type Pool } from "../../lib/db/index.ts";
import { createEventProducer, type EventConsumer, type EventProducer } from "../../lib/kafka/index.ts";
import type { Logger } from "../../lib/logger.ts";
import { dialAddress, keepRetrying } from "../../lib/process/index.ts";
import { createOutboxRelay, type OutboxRelay } from "../../lib/outbox/index.ts";
import { createMinioClient, createStreamingMinioClient, ensureBucket, type MinioClient } from "../../lib/storage/minio.ts";
import { UPLOAD_SCHEMA } from "./adapters/pg-session-repository.ts";
import type { UploadLimits, VideoRegistry } from "./domain/index.ts";
import { createCatalogVideoRegistry } from "./adapters/catalog-video-registry.ts";
import { createMinioMediaCleaner } from "./adapters/minio-media-cleaner.ts";
import { createPgPurgeQueue } from "./adapters/pg-purge-queue.ts";
import { createDeletedVideosConsumer, type DeletedVideosConsumerOptions } from "./events/deleted-videos-consumer.ts";
import { createExpiryJob, type ExpiryJob } from "./jobs/expire-sessions.ts";
import { createMediaPurgeJob, type MediaPurgeJob } from "./jobs/purge-media.ts";
import { migrateUpload } from "./migrations/migrate.ts";
import { createUploadServer, type UploadServer } from "./server.ts";

export interface StartUploadOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  databaseUrl: string;
  minio: { endpoint: string; accessKey: string; secretKey: string };
  sourceBucket: string;
  /** Where the transcoder publishes; deleted videos' objects are removed from it. */
  mediaBucket: string;
  kafkaBrokers: string[];
  /** Partitions of video.uploaded when the outbox relay is the first to write it. */
  kafkaTopicPartitions?: number;
  /** The catalog, where videos are created (CreateVideo with the first service key). */
  catalog: { address: string; serviceKey: string };
  /** Replaces the catalog client built from `catalog` (domain tests). */
  videos?: VideoRegistry;
  verifier: TokenVerifier;
  logger: Logger;
  limits?: Partial<UploadLimits>;
  outboxPollMs?: number;
  expiryIntervalMs?: number;
  /** Removal of deleted videos' objects (video.deleted → jobs/purge-media.ts). */
  purge?: {
    /** Kept this long after deletion (default 1 h). */
    graceMs?: number;
    intervalMs?: number;
    /** Consumer group of video.deleted (default "xtream-upload-purge"). */
    groupId?: string;
    /** The video.deleted topic (tests use their own). */
    topic?: DeletedVideosConsumerOptions["topic"];
    accept?: DeletedVideosConsumerOptions["accept"];
  };
}

/** A running upload service: server, outbox relay, jobs and the video.deleted consumer. */
export interface RunningUpload {
  port: number;
  /** host:port to dial. */
  address: string;
  server: UploadServer;
  pool: Pool;
  minio: MinioClient;
  relay: OutboxRelay;
  expiry: ExpiryJob;
  purge: MediaPurgeJob;
  /** Consumes video.deleted; started in the background (Kafka may come up later). */
  deletedVideos: EventConsumer;
  producer: EventProducer;
  /** Stops serving (draining calls), then the relay and job, then closes clients. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts everything the upload service runs — migrations, the gRPC server,
 * the outbox relay to Kafka and the session-expiry job — from plain options,
 * so main.ts, tests and benchmarks start it the same way.
 */
export async function startUpload(options: StartUploadOptions): Promise<RunningUpload> {
  const pool = createPgPool(options.databaseUrl, 20, options.logger);
  const minio = createMinioClient(options.minio);
  const producer = createEventProducer({
    brokers: options.kafkaBrokers,
    clientId: "upload-outbox",
    ...(options.kafkaTopicPartitions ? { partitions: options.kafkaTopicPartitions } : {}),
  });
  let applied: string[];
  try {
    applied = await migrateUpload(pool);
    await ensureBucket(minio, options.sourceBucket);
    await ensureBucket(minio, options.mediaBucket);
  } catch (err) {
    await pool.end();
    throw err;
  }
  if (applied.length > 0) options.logger.info({ applied }, "migrations applied");
  const server = createUploadServer({
    pool,
    minio,
    streamingMinio: createStreamingMinioClient(options.minio),
    sourceBucket: options.sourceBucket,
    videos: options.videos ?? createCatalogVideoRegistry(options.catalog),
    verifier: options.verifier,
    logger: options.logger,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const relay = createOutboxRelay({ pool, schema: UPLOAD_SCHEMA, producer, logger: options.logger, pollMs: options.outboxPollMs ?? 1000 });
  const expiry = createExpiryJob({ manager: server.manager, logger: options.logger, intervalMs: options.expiryIntervalMs ?? 60_000 });
  const queue = createPgPurgeQueue(pool);
  const cleaner = createMinioMediaCleaner({ client: minio, sourceBucket: options.sourceBucket, mediaBucket: options.mediaBucket });
  const purge = createMediaPurgeJob({ queue, cleaner, manager: server.manager, logger: options.logger, intervalMs: options.purge?.intervalMs ?? 30_000 });
  const deletedVideos = createDeletedVideosConsumer({
    brokers: options.kafkaBrokers,
    groupId: options.purge?.groupId ?? "xtream-upload-purge",
    queue,
    cleaner,
    graceMs: options.purge?.graceMs ?? 3_600_000,
    logger: options.logger,
    producer,
    ...(options.purge?.topic ? { topic: options.purge.topic } : {}),
    ...(options.purge?.accept ? { accept: options.purge.accept } : {}),
  });
  const port = await server.listen(options.host ?? "127.0.0.1", options.port);
  relay.start();
  expiry.start();
  purge.start();
  // Kafka may come up after us: keep trying in the background (lib/process backoff), serving meanwhile.
  const consumerLoop = keepRetrying(() => deletedVideos.start(), { what: "video.deleted consumer", logger: options.logger });
  const host = options.host ?? "127.0.0.1";
  return {
    port,
    address: dialAddress(host, port),
    server,
    pool,
    minio,
    relay,
    expiry,
    purge,
    deletedVideos,
    producer,
    async stop(graceMs = 10_000) {
      await server.shutdown(graceMs);
      await consumerLoop.stop();
      await Promise.all([relay.stop(), expiry.stop(), purge.stop(), deletedVideos.stop().catch((err: unknown) => options.logger.warn({ err }, "consumer stop failed"))]);
      await producer.disconnect();
      await pool.end();
    },
  };
}
