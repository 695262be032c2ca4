/** The transcoder's configuration, parsed once at start-up. */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { common, loadConfig, z } from "../../lib/config.ts";
import type { Logger } from "../../lib/logger.ts";
import type { StartTranscoderOptions } from "./runtime.ts";

const schema = z.object({
  TRANSCODER_HEALTH_PORT: common.port(50054),
  TRANSCODER_HOST: common.host,
  LOG_LEVEL: common.logLevel,
  KAFKA_BROKERS: common.kafkaBrokers,
  KAFKA_TOPIC_PARTITIONS: common.kafkaTopicPartitions,
  TRANSCODER_GROUP_ID: z.string().min(1).default("xtream-transcoder"),
  /** Prepended to topic names; only for isolating test runs. */
  TRANSCODER_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(""),
  TRANSCODER_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(1),
  TRANSCODER_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** A job's time limit before the source's length is added (fetch, probe, images, publishing). */
  TRANSCODER_JOB_TIMEOUT_MS: z.coerce.number().int().min(10_000).default(10 * 60_000),
  /** Added to the limit per second of source; generous next to what a 1080p veryfast encode needs, so only a stuck job reaches it. */
  TRANSCODER_JOB_MS_PER_SOURCE_SECOND: z.coerce.number().int().min(100).default(6000),
  /** Longer sources end FAILED with a reason saying so (default 4 h). */
  TRANSCODER_MAX_SOURCE_SECONDS: z.coerce.number().int().min(1).default(4 * 3600),
  TRANSCODER_BACKOFF_MS: z.coerce.number().int().min(0).default(2000),
  /** Longest wait between two tries while MinIO or Kafka is down (the job waits as long as the outage lasts). */
  TRANSCODER_MAX_BACKOFF_MS: z.coerce.number().int().min(100).default(30_000),
  /** Jobs that may end with the worker gone (killed, out of memory) before the event is dead-lettered. */
  TRANSCODER_MAX_UNFINISHED_DELIVERIES: z.coerce.number().int().min(1).max(100).default(3),
  /** On SIGTERM, how long a running job may finish before ffmpeg is killed (the chart grants 120 s). */
  TRANSCODER_STOP_GRACE_MS: z.coerce.number().int().min(0).default(100_000),
  TRANSCODER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(15_000),
  TRANSCODER_WORK_DIR: z.string().min(1).default(join(tmpdir(), "xtream-transcoder")),
  TRANSCODER_SEGMENT_SECONDS: z.coerce.number().int().min(2).max(4).default(2),
  TRANSCODER_X264_PRESET: z.enum(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]).default("veryfast"),
  TRANSCODER_CRF: z.coerce.number().int().min(15).max(35).default(23),
  MINIO_ENDPOINT: common.minioEndpoint,
  MINIO_ACCESS_KEY: z.string().min(1),
  MINIO_SECRET_KEY: z.string().min(1),
  MINIO_MEDIA_BUCKET: z.string().min(3).default("xtream-media"),
  FFMPEG_PATH: z.string().min(1).default("ffmpeg"),
  FFPROBE_PATH: z.string().min(1).default("ffprobe"),
});

/** The transcoder's parsed configuration. */
export type TranscoderConfig = z.infer<typeof schema>;

/** Reads the configuration from the environment (or the given variables). */
export function loadTranscoderConfig(env?: Record<string, string | undefined>): TranscoderConfig {
  return loadConfig(schema, env);
}

/** The options startTranscoder (runtime.ts) gets from the configuration: what main.ts and bench/pipeline run. */
export function transcoderOptions(config: TranscoderConfig, logger: Logger): StartTranscoderOptions {
  return {
    host: config.TRANSCODER_HOST,
    healthPort: config.TRANSCODER_HEALTH_PORT,
    kafkaBrokers: config.KAFKA_BROKERS,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    groupId: config.TRANSCODER_GROUP_ID,
    minio: { endpoint: config.MINIO_ENDPOINT, accessKey: config.MINIO_ACCESS_KEY, secretKey: config.MINIO_SECRET_KEY },
    mediaBucket: config.MINIO_MEDIA_BUCKET,
    ffmpeg: { ffmpeg: config.FFMPEG_PATH, ffprobe: config.FFPROBE_PATH },
    settings: { segmentSeconds: config.TRANSCODER_SEGMENT_SECONDS, preset: config.TRANSCODER_X264_PRESET, crf: config.TRANSCODER_CRF },
    workRoot: config.TRANSCODER_WORK_DIR,
    logger,
    topicPrefix: config.TRANSCODER_TOPIC_PREFIX,
    attempts: config.TRANSCODER_ATTEMPTS,
    timeoutMs: config.TRANSCODER_JOB_TIMEOUT_MS,
    limits: {
      baseMs: config.TRANSCODER_JOB_TIMEOUT_MS,
      perSourceSecondMs: config.TRANSCODER_JOB_MS_PER_SOURCE_SECOND,
      maxSourceSeconds: config.TRANSCODER_MAX_SOURCE_SECONDS,
    },
    backoffMs: config.TRANSCODER_BACKOFF_MS,
    maxBackoffMs: config.TRANSCODER_MAX_BACKOFF_MS,
    maxUnfinishedDeliveries: config.TRANSCODER_MAX_UNFINISHED_DELIVERIES,
    sessionTimeoutMs: config.TRANSCODER_SESSION_TIMEOUT_MS,
    concurrency: config.TRANSCODER_CONCURRENCY,
    stopGraceMs: config.TRANSCODER_STOP_GRACE_MS,
  };
}
