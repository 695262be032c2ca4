/** The transcoder process: config → startTranscoder (runtime.ts). */
import { runService } from "../../lib/process/index.ts";
import { loadTranscoderConfig } from "./config.ts";
import { startTranscoder } from "./runtime.ts";

runService({
  name: "transcoder",
  stopTimeoutMs: 20_000,
  async start(logger) {
    const config = loadTranscoderConfig();
    logger.level = config.LOG_LEVEL;
    const transcoder = await startTranscoder({
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
    });
    logger.info({ port: transcoder.healthPort }, "health listening");
    return {
      // A job in flight gets TRANSCODER_STOP_GRACE_MS to finish; then ffmpeg is killed and the job is redone elsewhere.
      stopTimeoutMs: config.TRANSCODER_STOP_GRACE_MS + 15_000,
      stop: () => transcoder.stop(),
    };
  },
});
