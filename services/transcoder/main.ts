/** The transcoder process: config → MinIO, Kafka → worker + health server. */
import { hostname } from "node:os";
import { createEventProducer } from "../../lib/kafka/index.ts";
import { runService } from "../../lib/process/index.ts";
import { createMinioClient, ensureBucket } from "../../lib/storage/minio.ts";
import { loadTranscoderConfig } from "./config.ts";
import { createTranscoder } from "./server.ts";

runService({
  name: "transcoder",
  // On SIGTERM a job in flight gets TRANSCODER_STOP_GRACE_MS to finish; after that it is abandoned
  // (ffmpeg killed, offset uncommitted) and redone by another worker.
  stopTimeoutMs: 20_000,
  async start(logger) {
    const config = loadTranscoderConfig();
    logger.level = config.LOG_LEVEL;
    const minio = createMinioClient({ endpoint: config.MINIO_ENDPOINT, accessKey: config.MINIO_ACCESS_KEY, secretKey: config.MINIO_SECRET_KEY });
    await ensureBucket(minio, config.MINIO_MEDIA_BUCKET);
    const clientId = `transcoder-${hostname()}-${process.pid}`;
    const producer = createEventProducer({ brokers: config.KAFKA_BROKERS, clientId, partitions: config.KAFKA_TOPIC_PARTITIONS });
    const transcoder = createTranscoder({
      brokers: config.KAFKA_BROKERS,
      groupId: config.TRANSCODER_GROUP_ID,
      clientId,
      producer,
      minio,
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
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      maxUnfinishedDeliveries: config.TRANSCODER_MAX_UNFINISHED_DELIVERIES,
      sessionTimeoutMs: config.TRANSCODER_SESSION_TIMEOUT_MS,
      concurrency: config.TRANSCODER_CONCURRENCY,
      stopGraceMs: config.TRANSCODER_STOP_GRACE_MS,
    });
    const port = await transcoder.health.listen(config.TRANSCODER_HOST, config.TRANSCODER_HEALTH_PORT);
    logger.info({ port }, "health listening");
    await transcoder.start();
    return {
      stopTimeoutMs: config.TRANSCODER_STOP_GRACE_MS + 15_000,
      async stop() {
        await transcoder.stop();
        await producer.disconnect();
        await transcoder.health.shutdown(2000);
      },
    };
  },
});
