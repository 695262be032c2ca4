import type { Logger } from "../../lib/logger.ts";
import { dialAddress, keepRetrying } from "../../lib/process/index.ts";
import { createMinioClient } from "../../lib/storage/minio.ts";
import { createCatalogVideos } from "./adapters/catalog-videos.ts";
import { registerEdgeMetrics } from "./adapters/edge-metrics.ts";
import { createMinioOrigin, type MinioOrigin } from "./adapters/minio-origin.ts";
import { createRedisCache, type RedisCache } from "./adapters/redis-cache.ts";
import { createEdgeStats } from "./domain/edge-stats.ts";
import { createPlaybackTokens, type PlaybackTokens, type PlaybackTokensOptions } from "./domain/playback-token.ts";
import { createPurgeConsumer } from "./events/purge-consumer.ts";
import { createPlaybackServer, defaultCacheSettings, type EdgeCacheSettings, type PlaybackServer } from "./server.ts";

export interface StartPlaybackOptions {
  /** Interface both listeners bind (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free port. */
  grpcPort: number;
  /** The HLS edge; 0 picks a free port. */
  httpPort: number;
  /** host:port of the catalog's VideoService. */
  catalogAddress: string;
  /** Deadline of one catalog call (default 2 s). */
  catalogTimeoutMs?: number;
  redisUrl: string;
  /** Prefix of the edge's Redis keys (tests give each edge its own). */
  redisPrefix?: string;
  minio: { endpoint: string; accessKey: string; secretKey: string };
  mediaBucket: string;
  tokens: PlaybackTokensOptions;
  /** Base URL players reach the edge at, put in GetPlaybackInfo's URLs. */
  publicUrl: string;
  /** Cache tuning; unset values take config.ts's defaults. */
  cache?: Partial<EdgeCacheSettings>;
  /** Share of edge requests traced (edge-tracing.ts); 0 or unset: none. */
  traceSampleRatio?: number;
  /** Time a client has to send its request headers (default 20 s). */
  headersTimeoutMs?: number;
  /**
   * Purging on video.deleted / video.visibility events; unset: no consumer
   * (isolated benches and tests that do not publish events).
   */
  purge?: { brokers: string[]; instanceId: string; partitions?: number };
  logger: Logger;
}

/** A running playback service: both listeners, and what tests read through. */
export interface RunningPlayback {
  /** host:port of the gRPC listener (PlaybackService, health). */
  grpcAddress: string;
  /** host:port of the HLS edge. */
  httpAddress: string;
  /** http://host:port of the HLS edge. */
  httpUrl: string;
  server: PlaybackServer;
  origin: MinioOrigin;
  redis: RedisCache;
  tokens: PlaybackTokens;
  /** Resolves true once the purge consumer runs; false without one (or when stopped before it ran). */
  purgeStarted: Promise<boolean>;
  /** Stops serving (draining for up to graceMs), then the purge consumer, then closes Redis. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the playback service — the gRPC listener, the HLS edge, and (when
 * configured) the purge consumer — from plain options, so main.ts, tests and
 * benches start it the same way. Kafka being down does not keep the edge from
 * serving: the purge consumer is started in the background with the shared
 * retry policy (lib/process keepRetrying) and shows on the health service
 * until it runs.
 */
export async function startPlayback(options: StartPlaybackOptions): Promise<RunningPlayback> {
  const host = options.host ?? "127.0.0.1";
  const { logger } = options;
  const stats = createEdgeStats();
  const origin = createMinioOrigin({ client: createMinioClient(options.minio), bucket: options.mediaBucket });
  const redis = createRedisCache({ url: options.redisUrl, stats, logger, ...(options.redisPrefix ? { prefix: options.redisPrefix } : {}) });
  const tokens = createPlaybackTokens(options.tokens);
  let purge: ReturnType<typeof createPurgeConsumer> | undefined;
  const server = createPlaybackServer({
    consumer: () => purge,
    logger,
    stats,
    catalog: createCatalogVideos({ address: options.catalogAddress, ...(options.catalogTimeoutMs ? { timeoutMs: options.catalogTimeoutMs } : {}) }),
    origin,
    shared: redis,
    tokens,
    publicUrl: options.publicUrl,
    cache: { ...defaultCacheSettings, ...options.cache },
    ...(options.traceSampleRatio !== undefined ? { traceSampleRatio: options.traceSampleRatio } : {}),
    ...(options.headersTimeoutMs !== undefined ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
  });
  registerEdgeMetrics(stats, () => server.cache.memoryBytes);

  let grpcPort: number;
  let httpPort: number;
  try {
    grpcPort = await server.grpc.listen(host, options.grpcPort);
    httpPort = await server.listenHttp(host, options.httpPort);
  } catch (err) {
    await server.close(0).catch(() => undefined);
    await redis.close();
    throw err;
  }

  if (options.purge) {
    purge = createPurgeConsumer({
      brokers: options.purge.brokers,
      instanceId: options.purge.instanceId,
      cache: server.cache,
      access: server.access,
      logger,
      ...(options.purge.partitions ? { partitions: options.purge.partitions } : {}),
    });
  }
  const consumer = purge;
  const retry = consumer ? keepRetrying(() => consumer.start(), { what: "purge consumer", logger }) : undefined;

  const address = (port: number) => dialAddress(host, port);
  return {
    grpcAddress: address(grpcPort),
    httpAddress: address(httpPort),
    httpUrl: `http://${address(httpPort)}`,
    server,
    origin,
    redis,
    tokens,
    purgeStarted: retry?.started ?? Promise.resolve(false),
    async stop(graceMs = 2000) {
      await server.close(graceMs);
      await retry?.stop();
      await consumer?.stop().catch((err: unknown) => logger.warn({ err }, "purge consumer stop failed"));
      await consumer?.stopProducer().catch(() => undefined);
      await redis.close();
    },
  };
}
