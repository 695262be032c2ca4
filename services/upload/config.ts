import { common, loadConfig, z } from "../../lib/config.ts";
import { defaultLimits, MiB } from "./domain/index.ts";

const bytes = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The upload service's configuration, read once from the environment. */
export const uploadConfigSchema = z.object({
  UPLOAD_GRPC_HOST: common.host,
  UPLOAD_GRPC_PORT: common.port(50053),
  LOG_LEVEL: common.logLevel,
  DATABASE_URL: common.databaseUrl,
  KAFKA_BROKERS: common.kafkaBrokers,
  KAFKA_TOPIC_PARTITIONS: common.kafkaTopicPartitions,
  MINIO_ENDPOINT: common.minioEndpoint,
  MINIO_ACCESS_KEY: common.secret,
  MINIO_SECRET_KEY: common.secret,
  MINIO_SOURCE_BUCKET: z.string().min(3).default("xtream-sources"),
  IDENTITY_ADDR: z.string().min(1),
  CATALOG_ADDR: z.string().min(1),
  /** Largest accepted file (default 10 GiB). */
  UPLOAD_MAX_SIZE_BYTES: bytes(defaultLimits.maxSizeBytes),
  /** Comma-separated media types; "video/*" accepts the whole family. */
  UPLOAD_ALLOWED_CONTENT_TYPES: z
    .string()
    .default(defaultLimits.allowedContentTypes.join(","))
    .transform((value) => value.split(",").map((type) => type.trim()).filter(Boolean)),
  /** Resumable chunk size; at least 5 MiB (the storage's smallest part). */
  UPLOAD_CHUNK_SIZE_BYTES: bytes(defaultLimits.chunkSizeBytes).refine((value) => value >= 5 * MiB, "must be at least 5 MiB"),
  UPLOAD_STREAM_PART_SIZE_BYTES: bytes(defaultLimits.streamPartSizeBytes).refine((value) => value >= 5 * MiB, "must be at least 5 MiB"),
  UPLOAD_STREAM_PART_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(defaultLimits.streamPartConcurrency),
  UPLOAD_SESSION_TTL_SECONDS: z.coerce.number().int().positive().default(defaultLimits.sessionTtlMs / 1000),
  UPLOAD_EXPIRY_INTERVAL_SECONDS: z.coerce.number().int().positive().default(60),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
});

export type UploadConfig = z.infer<typeof uploadConfigSchema>;

/** Parses the environment; a bad value stops start-up naming the variable. */
export function loadUploadConfig(env?: Record<string, string | undefined>): UploadConfig {
  return loadConfig(uploadConfigSchema, env);
}
