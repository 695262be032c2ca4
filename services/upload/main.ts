import { identityTokenVerifier } from "../../lib/auth/index.ts";
import { runService } from "../../lib/process/index.ts";
import { loadUploadConfig } from "./config.ts";
import { startUpload } from "./runtime.ts";

runService({
  name: "upload",
  async start(logger) {
    const config = loadUploadConfig();
    const upload = await startUpload({
      host: config.UPLOAD_GRPC_HOST,
      port: config.UPLOAD_GRPC_PORT,
      databaseUrl: config.DATABASE_URL,
      minio: { endpoint: config.MINIO_ENDPOINT, accessKey: config.MINIO_ACCESS_KEY, secretKey: config.MINIO_SECRET_KEY },
      sourceBucket: config.MINIO_SOURCE_BUCKET,
      mediaBucket: config.MINIO_MEDIA_BUCKET,
      kafkaBrokers: config.KAFKA_BROKERS,
      kafkaTopicPartitions: config.KAFKA_TOPIC_PARTITIONS,
      catalog: { address: config.CATALOG_ADDR, serviceKey: config.INTERNAL_SERVICE_KEYS[0]! },
      verifier: identityTokenVerifier(config.IDENTITY_ADDR),
      logger,
      limits: {
        maxSizeBytes: config.UPLOAD_MAX_SIZE_BYTES,
        allowedContentTypes: config.UPLOAD_ALLOWED_CONTENT_TYPES,
        chunkSizeBytes: config.UPLOAD_CHUNK_SIZE_BYTES,
        streamPartSizeBytes: config.UPLOAD_STREAM_PART_SIZE_BYTES,
        streamPartConcurrency: config.UPLOAD_STREAM_PART_CONCURRENCY,
        sessionTtlMs: config.UPLOAD_SESSION_TTL_SECONDS * 1000,
        maxStoredBytesPerAccount: config.UPLOAD_QUOTA_STORED_BYTES,
        maxOpenSessionsPerAccount: config.UPLOAD_QUOTA_OPEN_SESSIONS,
      },
      outboxPollMs: config.OUTBOX_POLL_MS,
      expiryIntervalMs: config.UPLOAD_EXPIRY_INTERVAL_SECONDS * 1000,
      purge: { graceMs: config.UPLOAD_DELETE_GRACE_SECONDS * 1000, intervalMs: config.UPLOAD_PURGE_INTERVAL_SECONDS * 1000, groupId: config.UPLOAD_PURGE_GROUP },
    });
    logger.info({ port: upload.port }, "upload service listening");
    return { stop: () => upload.stop() };
  },
});
