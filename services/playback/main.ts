import { runService } from "../../lib/process/index.ts";
import { createMinioClient } from "../../lib/storage/minio.ts";
import { createCatalogVideos } from "./adapters/catalog-videos.ts";
import { registerEdgeMetrics } from "./adapters/edge-metrics.ts";
import { createMinioOrigin } from "./adapters/minio-origin.ts";
import { createRedisCache } from "./adapters/redis-cache.ts";
import { loadPlaybackConfig } from "./config.ts";
import { createEdgeStats } from "./domain/edge-stats.ts";
import { createPlaybackTokens } from "./domain/playback-token.ts";
import { createPurgeConsumer } from "./events/purge-consumer.ts";
import { createPlaybackServer } from "./server.ts";

runService({
  name: "playback",
  async start(logger) {
    const config = loadPlaybackConfig();
    const stats = createEdgeStats();
    const minio = createMinioClient({ endpoint: config.MINIO_ENDPOINT, accessKey: config.MINIO_ACCESS_KEY, secretKey: config.MINIO_SECRET_KEY });
    const redis = createRedisCache({ url: config.REDIS_URL, stats, logger });
    const server = createPlaybackServer({
      consumer: () => purge, // read once listening, after purge is built below
      logger,
      stats,
      catalog: createCatalogVideos({ address: config.CATALOG_ADDR }),
      origin: createMinioOrigin({ client: minio, bucket: config.MINIO_MEDIA_BUCKET }),
      shared: redis,
      tokens: createPlaybackTokens({
        secrets: config.PLAYBACK_TOKEN_SECRETS,
        ttlSeconds: config.PLAYBACK_TOKEN_TTL_SECONDS,
        durationMarginSeconds: config.PLAYBACK_TOKEN_DURATION_MARGIN_SECONDS,
        maxTtlSeconds: config.PLAYBACK_TOKEN_MAX_TTL_SECONDS,
      }),
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
    });
    registerEdgeMetrics(stats, () => server.cache.memoryBytes);

    const purge = config.PLAYBACK_PURGE_EVENTS
      ? createPurgeConsumer({
          brokers: config.KAFKA_BROKERS,
          instanceId: config.PLAYBACK_INSTANCE_ID,
          cache: server.cache,
          access: server.access,
          logger,
          partitions: config.KAFKA_TOPIC_PARTITIONS,
        })
      : undefined;
    // Purging matters, but Kafka being down (or a topic not created yet) must
    // not keep the edge from serving: keep trying to start in the background.
    let stopping = false;
    const startPurge = (attempt: number): void => {
      purge?.start().catch((err: unknown) => {
        if (stopping) return;
        logger.error({ err, attempt }, "purge consumer failed to start; retrying");
        setTimeout(() => startPurge(attempt + 1), Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5))).unref();
      });
    };
    startPurge(1);

    const grpcPort = await server.grpc.listen(config.PLAYBACK_HOST, config.PLAYBACK_GRPC_PORT);
    const httpPort = await server.listenHttp(config.PLAYBACK_HOST, config.PLAYBACK_HTTP_PORT);
    logger.info({ grpcPort, httpPort }, "playback listening");
    return {
      async stop() {
        stopping = true;
        await server.close();
        await purge?.stop().catch(() => undefined);
        await purge?.stopProducer().catch(() => undefined);
        await redis.close();
      },
    };
  },
});
