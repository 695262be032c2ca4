import type { TokenVerifier } from "../../lib/auth/index.ts";
import { createPgPool, type Pool } from "../../lib/db/index.ts";
import { createEventProducer, type EventProducer } from "../../lib/kafka/index.ts";
import type { Logger } from "../../lib/logger.ts";
import { createOutboxRelay, type OutboxRelay } from "../../lib/outbox/index.ts";
import { createMinioClient, createStreamingMinioClient, ensureBucket, type MinioClient } from "../../lib/storage/minio.ts";
import { UPLOAD_SCHEMA } from "./adapters/pg-session-repository.ts";
import type { UploadLimits, VideoRegistry } from "./domain/index.ts";
import { createExpiryJob, type ExpiryJob } from "./jobs/expire-sessions.ts";
import { createUploadServer, migrateUploadDatabase, type UploadServer } from "./server.ts";

export interface StartUploadServiceOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  databaseUrl: string;
  minio: { endpoint: string; accessKey: string; secretKey: string };
  sourceBucket: string;
  kafkaBrokers: string[];
  /** Partitions of video.uploaded when the outbox relay is the first to write it. */
  kafkaTopicPartitions?: number;
  videos: VideoRegistry;
  verifier: TokenVerifier;
  logger: Logger;
  limits?: Partial<UploadLimits>;
  outboxPollMs?: number;
  expiryIntervalMs?: number;
}

/** A running upload service: server, outbox relay and expiry job. */
export interface RunningUploadService {
  port: number;
  server: UploadServer;
  pool: Pool;
  minio: MinioClient;
  relay: OutboxRelay;
  expiry: ExpiryJob;
  producer: EventProducer;
  /** Stops serving (draining calls), then the relay and job, then closes clients. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts everything the upload service runs — migrations, the gRPC server,
 * the outbox relay to Kafka and the session-expiry job — from plain options,
 * so main.ts, tests and benchmarks start it the same way.
 */
export async function startUploadService(options: StartUploadServiceOptions): Promise<RunningUploadService> {
  const pool = createPgPool(options.databaseUrl, 20, options.logger);
  const minio = createMinioClient(options.minio);
  const producer = createEventProducer({
    brokers: options.kafkaBrokers,
    clientId: "upload-outbox",
    ...(options.kafkaTopicPartitions ? { partitions: options.kafkaTopicPartitions } : {}),
  });
  try {
    await migrateUploadDatabase(pool);
    await ensureBucket(minio, options.sourceBucket);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const server = createUploadServer({
    pool,
    minio,
    streamingMinio: createStreamingMinioClient(options.minio),
    sourceBucket: options.sourceBucket,
    videos: options.videos,
    verifier: options.verifier,
    logger: options.logger,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const relay = createOutboxRelay({ pool, schema: UPLOAD_SCHEMA, producer, logger: options.logger, pollMs: options.outboxPollMs ?? 1000 });
  const expiry = createExpiryJob({ manager: server.manager, logger: options.logger, intervalMs: options.expiryIntervalMs ?? 60_000 });
  const port = await server.listen(options.host ?? "127.0.0.1", options.port);
  relay.start();
  expiry.start();
  return {
    port,
    server,
    pool,
    minio,
    relay,
    expiry,
    producer,
    async stop(graceMs = 10_000) {
      await server.shutdown(graceMs);
      await Promise.all([relay.stop(), expiry.stop()]);
      await producer.disconnect();
      await pool.end();
    },
  };
}
