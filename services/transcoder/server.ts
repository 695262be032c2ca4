/**
 * Builds the transcoder without starting it: a Kafka consumer-group worker
 * on video.uploaded, and a gRPC server with only health and reflection.
 * main.ts starts it; tests start it in-process with their own topics.
 */
import { createGrpcServer, HEALTH_KAFKA_CONSUMER, type GrpcServer } from "../../lib/grpc/index.ts";
import { createEventConsumer, type EventConsumer, type EventProducer } from "../../lib/kafka/index.ts";
import type { Logger } from "../../lib/logger.ts";
import type { MinioClient } from "../../lib/storage/minio.ts";
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { VideoUploaded } from "../../gen/xtream/events/v1/video_events_pb.js";
import { createFfmpegEncoder, type FfmpegPaths } from "./adapters/ffmpeg.ts";
import { createMediaStore } from "./adapters/media-store.ts";
import type { EncodeSettings } from "./domain/ports.ts";
import { createVideoUploadedHandler } from "./events/video-uploaded.ts";
import { transcoderTopics, type TranscoderTopics } from "./events/topics.ts";
import { jobTimeLimitMs, type TimeLimits } from "./domain/time-limit.ts";

/** Everything the transcoder is built from. */
export interface TranscoderOptions {
  brokers: string[];
  groupId: string;
  clientId: string;
  producer: EventProducer;
  minio: MinioClient;
  mediaBucket: string;
  ffmpeg: FfmpegPaths;
  settings: EncodeSettings;
  workRoot: string;
  logger: Logger;
  /** Prepended to every topic name read or written (isolates tests; "" in production). */
  topicPrefix?: string;
  attempts?: number;
  timeoutMs?: number;
  backoffMs?: number;
  sessionTimeoutMs?: number;
  /** Jobs run at once by this process (one partition each). */
  concurrency?: number;
  onJob?: (videoId: string, phase: "start" | "done" | "error") => void;
  /** Take only the events this accepts; others are skipped (tests that share the platform's topics). */
  accept?: (event: VideoUploaded) => boolean;
  /** Where a new group starts reading (default: the beginning). */
  fromBeginning?: boolean;
  /**
   * The job's time limit scaled by the source's length, and the longest source accepted (over it:
   * video.failed with a reason). Without it one attempt may take `timeoutMs`, whatever the length.
   */
  limits?: TimeLimits;
  /** How often the health status is re-checked (default 5 s). */
  healthIntervalMs?: number;
  /** How long stop() lets a running job finish before killing ffmpeg (default 0). */
  stopGraceMs?: number;
  /** Longest wait between two tries while MinIO or Kafka is down (default 30 s). */
  maxBackoffMs?: number;
  /** Partitions of video.uploaded when this creates it. */
  partitions?: number;
  /** Attempts at one job that may end with the process gone before the event is dead-lettered. */
  maxUnfinishedDeliveries?: number;
}

/** A built transcoder. */
export interface Transcoder {
  /** The health/reflection server (not listening yet). */
  health: GrpcServer;
  consumer: EventConsumer;
  topics: TranscoderTopics;
  /** Joins the consumer group and starts taking jobs. */
  start(): Promise<void>;
  /**
   * Takes no new job, lets the one in flight finish for up to `graceMs` (default: the
   * stopGraceMs option, else 0), then kills ffmpeg, leaving the job uncommitted so another
   * worker redoes it; leaves the group.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Removes job folders left by killed workers (SIGKILL skips cleanup). Only
 * folders older than the job time limit go: a live job on another worker
 * sharing the folder is never that old.
 */
async function removeStaleJobDirs(workRoot: string, olderThanMs: number, logger: Logger): Promise<void> {
  let names: string[];
  try {
    names = await readdir(workRoot);
  } catch {
    return;
  }
  for (const name of names.filter((entry) => entry.startsWith("job-"))) {
    const path = join(workRoot, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > olderThanMs) {
      await rm(path, { recursive: true, force: true });
      logger.info({ path }, "removed a stale job folder");
    }
  }
}

/** Builds the transcoder worker and its health server. */
export function createTranscoder(options: TranscoderOptions): Transcoder {
  const topics = transcoderTopics(options.topicPrefix);
  const store = createMediaStore({ client: options.minio, mediaBucket: options.mediaBucket });
  const { limits } = options;
  // With limits the job keeps its own (scaled) time; the consumer's limit only backs it up.
  const attemptTimeoutMs = limits ? jobTimeLimitMs(limits, limits.maxSourceSeconds) + 60_000 : (options.timeoutMs ?? 30 * 60_000);
  const handler = createVideoUploadedHandler({
    job: { store, encoder: createFfmpegEncoder(options.ffmpeg), settings: options.settings, workRoot: options.workRoot, logger: options.logger, ...(limits ? { limits } : {}) },
    producer: options.producer,
    topics,
    logger: options.logger,
    attempts: options.attempts ?? 3,
    timeoutMs: attemptTimeoutMs,
    backoffMs: options.backoffMs ?? 2000,
    ...(options.onJob ? { onJob: options.onJob } : {}),
    ...(options.accept ? { accept: options.accept } : {}),
  });
  const consumer = createEventConsumer({
    brokers: options.brokers,
    groupId: options.groupId,
    clientId: options.clientId,
    handlers: [handler],
    logger: options.logger,
    producer: options.producer,
    concurrency: options.concurrency ?? 1,
    ...(options.fromBeginning !== undefined ? { fromBeginning: options.fromBeginning } : {}),
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    ...(options.maxBackoffMs ? { maxBackoffMs: options.maxBackoffMs } : {}),
    ...(options.partitions ? { partitions: options.partitions } : {}),
    ...(options.maxUnfinishedDeliveries ? { maxUnfinishedDeliveries: options.maxUnfinishedDeliveries } : {}),
  });
  let consuming = false;
  const health = createGrpcServer({
    services: [],
    logger: options.logger,
    // A crashed consumer takes no jobs: not ready; one kafkajs gave up on is restarted (liveness).
    readiness: async () => consuming && consumer.healthy(),
    checks: { [HEALTH_KAFKA_CONSUMER]: () => consuming && consumer.healthy() },
    liveness: () => !consumer.failed(),
    ...(options.healthIntervalMs ? { readinessIntervalMs: options.healthIntervalMs } : {}),
  });
  return {
    health,
    consumer,
    topics,
    async start() {
      await removeStaleJobDirs(options.workRoot, attemptTimeoutMs, options.logger);
      await consumer.start();
      consuming = true;
    },
    async stop(graceMs = options.stopGraceMs ?? 0) {
      consuming = false;
      await consumer.stop(graceMs);
    },
  };
}
