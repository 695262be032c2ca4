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
  /** The transcoder's bucket: deleted videos' published objects are removed from it. */
  MINIO_MEDIA_BUCKET: z.string().min(3).default("xtream-media"),
  /** How long a deleted video's source and published objects are kept before removal. */
  UPLOAD_DELETE_GRACE_SECONDS: z.coerce.number().int().min(0).default(3600),
  /** How often due removals are looked for. */
  UPLOAD_PURGE_INTERVAL_SECONDS: z.coerce.number().int().positive().default(30),
  /** Consumer group of video.deleted. */
  UPLOAD_PURGE_GROUP: z.string().min(1).default("xtream-upload-purge"),
  IDENTITY_ADDR: z.string().min(1),
  CATALOG_ADDR: z.string().min(1),
  /** Credentials for catalog's internal CreateVideo; the first is sent (lib/auth/service-key.ts). */
  INTERNAL_SERVICE_KEYS: common.serviceKeys,
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
  /** Per-account quota: source bytes stored (completed uploads of live videos + open sessions' declared sizes). */
  UPLOAD_QUOTA_STORED_BYTES: bytes(defaultLimits.maxStoredBytesPerAccount),
  /** Per-account quota: upload sessions open at once. */
  UPLOAD_QUOTA_OPEN_SESSIONS: z.coerce.number().int().positive().default(defaultLimits.maxOpenSessionsPerAccount),
  UPLOAD_EXPIRY_INTERVAL_SECONDS: z.coerce.number().int().positive().default(60),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
});

export type UploadConfig = z.infer<typeof uploadConfigSchema>;

/** Parses the environment; a bad value stops start-up naming the variable. */
export function loadUploadConfig(env?: Record<string, string | undefined>): UploadConfig {
  return loadConfig(uploadConfigSchema, env);
}
