import { createServer, type Server } from "node:http";
import { createGrpcServer, HEALTH_KAFKA_CONSUMER, registerService, type GrpcServer } from "../../lib/grpc/index.ts";
import type { EventConsumer } from "../../lib/kafka/index.ts";
import type { Logger } from "../../lib/logger.ts";
import { PlaybackService } from "../../gen/xtream/playback/v1/playback_service_pb.js";
import type { CatalogVideos } from "./adapters/catalog-videos.ts";
import { createEdgeStats, type EdgeStats } from "./domain/edge-stats.ts";
import type { PlaybackTokens } from "./domain/playback-token.ts";
import type { MediaOrigin, SharedCache } from "./domain/ports.ts";
import { createTieredCache, type TieredCache } from "./domain/tiered-cache.ts";
import { createVideoAccess, type VideoAccess } from "./domain/video-access.ts";
import { createEdgeHandler, type EdgeHandler } from "./edge/edge-handler.ts";
import { sampleEdgeRequests } from "./edge/edge-tracing.ts";
import { createPlaybackInfoService } from "./rpc/playback-info.ts";

/** Cache tuning (see config.ts for what each means). */
export interface EdgeCacheSettings {
  memoryMaxBytes: number;
  memoryMaxObjectBytes: number;
  sharedMaxObjectBytes: number;
  sharedTtlMs: number;
  volatileTtlMs: number;
  prefetchCount: number;
  prefetchConcurrency: number;
  visibilityTtlMs: number;
}

export interface PlaybackServerDeps {
  logger: Logger;
  catalog: CatalogVideos;
  origin: MediaOrigin;
  shared: SharedCache & { ready?(): boolean };
  tokens: PlaybackTokens;
  publicUrl: string;
  cache: EdgeCacheSettings;
  stats?: EdgeStats;
  /** Share of edge requests traced (edge-tracing.ts); 0 turns it off. */
  traceSampleRatio?: number;
  /** Time a client has to send a request's headers before it gets 408 and is dropped (default 20 s). */
  headersTimeoutMs?: number;
  /** The purge consumer, once built: drives the "kafka-consumer" health name and liveness. */
  consumer?: () => Pick<EventConsumer, "healthy" | "failed"> | undefined;
  /** How often health is re-checked (default 5 s). */
  healthIntervalMs?: number;
}

/** The playback service, built but not listening: gRPC server, HTTP edge, and their parts. */
export interface PlaybackServer {
  grpc: GrpcServer;
  http: Server;
  edge: EdgeHandler;
  cache: TieredCache;
  access: VideoAccess;
  stats: EdgeStats;
  /** Binds the HTTP edge; resolves with the bound port (useful with port 0). */
  listenHttp(host: string, port: number): Promise<number>;
  /** Stops both servers, draining for up to graceMs. */
  close(graceMs?: number): Promise<void>;
}

/** Defaults matching config.ts (runtime.ts fills unset settings from them). */
export const defaultCacheSettings: EdgeCacheSettings = {
  memoryMaxBytes: 256 * 1024 * 1024,
  memoryMaxObjectBytes: 16 * 1024 * 1024,
  sharedMaxObjectBytes: 4 * 1024 * 1024,
  sharedTtlMs: 3600_000,
  volatileTtlMs: 1000,
  prefetchCount: 3,
  prefetchConcurrency: 2,
  visibilityTtlMs: 10_000,
};

/** Wires the domain, the edge and the gRPC service from their dependencies. */
export function createPlaybackServer(deps: PlaybackServerDeps): PlaybackServer {
  const stats = deps.stats ?? createEdgeStats();
  const settings = deps.cache;
  const edgeRef: { current?: EdgeHandler } = {};
  const cache = createTieredCache({
    origin: deps.origin,
    shared: deps.shared,
    stats,
    memoryMaxBytes: settings.memoryMaxBytes,
    memoryMaxObjectBytes: settings.memoryMaxObjectBytes,
    sharedMaxObjectBytes: settings.sharedMaxObjectBytes,
    sharedTtlMs: settings.sharedTtlMs,
    volatileTtlMs: settings.volatileTtlMs,
    prefetchCount: settings.prefetchCount,
    prefetchConcurrency: settings.prefetchConcurrency,
    busy: () => (edgeRef.current?.pending ?? 0) > 16,
  });
  const access = createVideoAccess({
    directory: deps.catalog,
    tokens: deps.tokens,
    ttlMs: settings.visibilityTtlMs,
    errorTtlMs: 1000,
    onLookupError: (err) => deps.logger.warn({ err }, "catalog lookup failed; only tokens open videos meanwhile"),
  });
  const edge = createEdgeHandler({
    cache,
    access,
    stats,
    logger: deps.logger,
    describe: () => ({ memoryBytes: cache.memoryBytes, redisReady: deps.shared.ready?.() ?? null, videoStates: access.sizes }),
  });
  edgeRef.current = edge;
  // A client that trickles its headers (slowloris) is answered 408 and dropped
  // once headersTimeout passes; node:http checks every connectionsCheckingInterval.
  const headersTimeout = deps.headersTimeoutMs ?? 20_000;
  const http = createServer(
    {
      keepAliveTimeout: 65_000,
      headersTimeout,
      requestTimeout: Math.max(30_000, headersTimeout),
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(headersTimeout / 4))),
      // The edge never reads a request body (GET, HEAD, OPTIONS): a request
      // without one starts ended, and Node skips its stream life cycle.
      optimizeEmptyRequests: true,
    },
    sampleEdgeRequests(edge.handle, deps.traceSampleRatio ?? 0),
  );
  const grpc = createGrpcServer({
    services: [registerService(PlaybackService, createPlaybackInfoService({ catalog: deps.catalog, tokens: deps.tokens, publicUrl: deps.publicUrl }))],
    logger: deps.logger,
    // Serving does not need Kafka; a crashed purge consumer shows on its own health name.
    checks: { [HEALTH_KAFKA_CONSUMER]: () => deps.consumer?.()?.healthy() ?? false },
    liveness: () => !(deps.consumer?.()?.failed() ?? false),
    ...(deps.healthIntervalMs ? { readinessIntervalMs: deps.healthIntervalMs } : {}),
  });
  return {
    grpc,
    http,
    edge,
    cache,
    access,
    stats,
    async listenHttp(host, port) {
      await new Promise<void>((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, host, () => {
          http.off("error", reject);
          resolve();
        });
      });
      const address = http.address();
      return typeof address === "object" && address ? address.port : port;
    },
    async close(graceMs = 2000) {
      // Stop accepting, let responses in flight finish, then cut keep-alive
      // connections (an idle player connection would otherwise hold close for its timeout).
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const force = setTimeout(() => http.closeAllConnections(), graceMs);
      await Promise.all([closed, grpc.shutdown(graceMs)]);
      clearTimeout(force);
    },
  };
}
