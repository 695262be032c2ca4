import { runService } from "../../lib/process/index.ts";
import { loadPlaybackConfig } from "./config.ts";
import { startPlayback } from "./runtime.ts";

runService({
  name: "playback",
  async start(logger) {
    const config = loadPlaybackConfig();
    const playback = await startPlayback({
      host: config.PLAYBACK_HOST,
      grpcPort: config.PLAYBACK_GRPC_PORT,
      httpPort: config.PLAYBACK_HTTP_PORT,
      catalogAddress: config.CATALOG_ADDR,
      redisUrl: config.REDIS_URL,
      minio: { endpoint: config.MINIO_ENDPOINT, accessKey: config.MINIO_ACCESS_KEY, secretKey: config.MINIO_SECRET_KEY },
      mediaBucket: config.MINIO_MEDIA_BUCKET,
      tokens: {
        secrets: config.PLAYBACK_TOKEN_SECRETS,
        ttlSeconds: config.PLAYBACK_TOKEN_TTL_SECONDS,
        durationMarginSeconds: config.PLAYBACK_TOKEN_DURATION_MARGIN_SECONDS,
        maxTtlSeconds: config.PLAYBACK_TOKEN_MAX_TTL_SECONDS,
      },
      publicUrl: config.PLAYBACK_PUBLIC_URL,
      cache: {
        memoryMaxBytes: config.PLAYBACK_MEMORY_CACHE_BYTES,
        memoryMaxObjectBytes: config.PLAYBACK_MEMORY_MAX_OBJECT_BYTES,
        sharedMaxObjectBytes: config.PLAYBACK_REDIS_MAX_OBJECT_BYTES,
        sharedTtlMs: config.PLAYBACK_REDIS_TTL_SECONDS * 1000,
        volatileTtlMs: config.PLAYBACK_VOLATILE_TTL_MS,
        prefetchCount: config.PLAYBACK_PREFETCH_SEGMENTS,
        prefetchConcurrency: config.PLAYBACK_PREFETCH_CONCURRENCY,
        visibilityTtlMs: config.PLAYBACK_VISIBILITY_TTL_MS,
      },
      traceSampleRatio: config.PLAYBACK_TRACE_SAMPLE_RATIO,
      headersTimeoutMs: config.PLAYBACK_HEADERS_TIMEOUT_MS,
      ...(config.PLAYBACK_PURGE_EVENTS
        ? { purge: { brokers: config.KAFKA_BROKERS, instanceId: config.PLAYBACK_INSTANCE_ID, partitions: config.KAFKA_TOPIC_PARTITIONS } }
        : {}),
      logger,
    });
    logger.info({ grpc: playback.grpcAddress, http: playback.httpAddress }, "playback listening");
    return { stop: () => playback.stop() };
  },
});
