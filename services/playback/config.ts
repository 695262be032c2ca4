import { hostname } from "node:os";
import { common, loadConfig, z } from "../../lib/config.ts";

const bytes = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const MiB = 1024 * 1024;

/** One edge request in a hundred gets a span by default (edge/edge-tracing.ts); benches run with it. */
export const DEFAULT_TRACE_SAMPLE_RATIO = 0.01;

/** The playback service's configuration, parsed once at start-up. */
export const playbackConfigSchema = z.object({
  PLAYBACK_HOST: common.host,
  PLAYBACK_GRPC_PORT: common.port(50055),
  PLAYBACK_HTTP_PORT: common.port(8081),
  /** Base URL players reach the edge at (put in GetPlaybackInfo's URLs). */
  PLAYBACK_PUBLIC_URL: z.string().url().default("http://127.0.0.1:8081"),
  /** Time an HLS client has to send its request headers (slowloris defence). */
  PLAYBACK_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
  CATALOG_ADDR: z.string().min(1).default("127.0.0.1:50052"),
  REDIS_URL: common.redisUrl,
  KAFKA_BROKERS: common.kafkaBrokers,
  KAFKA_TOPIC_PARTITIONS: common.kafkaTopicPartitions,
  MINIO_ENDPOINT: common.minioEndpoint,
  MINIO_ACCESS_KEY: common.secret,
  MINIO_SECRET_KEY: common.secret,
  MINIO_MEDIA_BUCKET: z.string().min(3).default("xtream-media"),
  /** Token signing secrets, comma-separated, current first (older ones still verify). */
  PLAYBACK_TOKEN_SECRETS: z
    .string()
    .min(1)
    .transform((value) => value.split(",").map((secret) => secret.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(32, "each secret needs at least 32 characters")).min(1)),
  /** Shortest lifetime of a token from GetPlaybackInfo. */
  PLAYBACK_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(7200),
  /** A token lasts at least the video's length plus this margin (pauses, buffering)… */
  PLAYBACK_TOKEN_DURATION_MARGIN_SECONDS: z.coerce.number().int().min(0).max(86_400).default(1800),
  /** …but never longer than this (a leaked link stops working within this time). */
  PLAYBACK_TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().min(30).max(7 * 86_400).default(43_200),
  /** In-process cache bound; 0 turns the memory tier off (every hit then comes from Redis). */
  PLAYBACK_MEMORY_CACHE_BYTES: bytes(256 * MiB),
  PLAYBACK_MEMORY_MAX_OBJECT_BYTES: bytes(16 * MiB),
  /** Objects larger than this skip Redis. */
  PLAYBACK_REDIS_MAX_OBJECT_BYTES: bytes(4 * MiB),
  PLAYBACK_REDIS_TTL_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** Cache lifetime of objects that still change (growing playlists). */
  PLAYBACK_VOLATILE_TTL_MS: z.coerce.number().int().min(0).default(1000),
  PLAYBACK_PREFETCH_SEGMENTS: z.coerce.number().int().min(0).max(10).default(3),
  PLAYBACK_PREFETCH_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(2),
  /** How long an anonymous catalog answer about a video's visibility is trusted. */
  PLAYBACK_VISIBILITY_TTL_MS: z.coerce.number().int().min(0).default(10_000),
  /** Share of edge requests traced with one span each (0 = none, 1 = all); see edge/edge-tracing.ts. */
  PLAYBACK_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(DEFAULT_TRACE_SAMPLE_RATIO),
  /** Names this edge instance for its purge consumer group (stable across restarts: the host or pod name). */
  PLAYBACK_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/)
    .default(hostname()),
  /** Consume video.deleted / video.visibility to purge caches (off only for isolated benches). */
  PLAYBACK_PURGE_EVENTS: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
  LOG_LEVEL: common.logLevel,
}).refine((config) => config.PLAYBACK_TOKEN_MAX_TTL_SECONDS >= config.PLAYBACK_TOKEN_TTL_SECONDS, {
  message: "PLAYBACK_TOKEN_MAX_TTL_SECONDS must be at least PLAYBACK_TOKEN_TTL_SECONDS",
  path: ["PLAYBACK_TOKEN_MAX_TTL_SECONDS"],
});

export type PlaybackConfig = z.infer<typeof playbackConfigSchema>;

/** Reads the configuration from the environment; stops the process on a bad value. */
export function loadPlaybackConfig(env?: Record<string, string | undefined>): PlaybackConfig {
  return loadConfig(playbackConfigSchema, env);
}
