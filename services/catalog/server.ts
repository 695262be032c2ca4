import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServiceKeyCheck, type TokenVerifier } from "../../lib/auth/index.ts";
import { runMigrations, type Pool } from "../../lib/db/index.ts";
import { createGrpcServer, HEALTH_KAFKA_CONSUMER, registerService, type GrpcServer } from "../../lib/grpc/index.ts";
import type { EventConsumer } from "../../lib/kafka/index.ts";
import type { Logger } from "../../lib/logger.ts";
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import { PlaylistService } from "../../gen/xtream/catalog/v1/playlist_service_pb.js";
import { SearchService } from "../../gen/xtream/catalog/v1/search_service_pb.js";
import { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import { createChannelStore } from "./adapters/channel-store.ts";
import { createPlaylistStore } from "./adapters/playlist-store.ts";
import { createSearchStore } from "./adapters/search-store.ts";
import { createVideoChangeFeed } from "./adapters/video-change-feed.ts";
import { createVideoStore } from "./adapters/video-store.ts";
import { createStreamSlots } from "./domain/stream-slots.ts";
import { createTtlCache } from "./domain/video-cache.ts";
import { createChannelHandlers } from "./handlers/channel-handlers.ts";
import type { CachedVideo, CatalogDeps } from "./handlers/deps.ts";
import { installGetVideoFastPath } from "./handlers/get-video-fast-path.ts";
import { createPlaylistHandlers } from "./handlers/playlist-handlers.ts";
import { createSearchHandlers } from "./handlers/search-handlers.ts";
import { createVideoHandlers } from "./handlers/video-handlers.ts";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/** Applies the catalog's migrations (schema "catalog"); safe to call on every start. */
export async function migrateCatalog(pool: Pool): Promise<string[]> {
  return runMigrations(pool, { schema: "catalog", dir: MIGRATIONS_DIR });
}

/** What the catalog server needs. Run migrateCatalog(pool) first. */
export interface CatalogServerOptions {
  /** PostgreSQL pool with the catalog schema migrated. One connection is held for LISTEN while listening. */
  pool: Pool;
  /** Verifies callers' access tokens (jwksFromIdentity in production, createTestTokens in tests). */
  verifier: TokenVerifier;
  /** Credentials of the services allowed to call internal RPCs (CreateVideo: the upload service). */
  serviceKeys: readonly string[];
  logger: Logger;
  /** A viewer's view counts once per period (default 1 h). */
  viewPeriodMs?: number;
  /** Anonymous viewers one client address may count per video and period (default 3). */
  anonViewersPerAddress?: number;
  /** GetVideo cache entry lifetime (default 5 s; 0 disables the cache). */
  cacheTtlMs?: number;
  /** GetVideo cache size (default 10 000 videos). */
  cacheMaxEntries?: number;
  /** WatchVideo re-reads at least this often, notification or not (default 10 s). */
  watchPollMs?: number;
  /** WatchVideo streams one caller (account, or address when anonymous) may hold open in this process (default 10). */
  watchStreamsPerCaller?: number;
  /** A WatchVideo stream ends after this long; clients reconnect (default 1 h). */
  watchMaxLifetimeMs?: number;
  /** Serve GetVideo through the lean grpc-js handler (default true; false uses the generic adapter). */
  fastGetVideo?: boolean;
  /** The event consumer: drives the "kafka-consumer" health name and liveness. */
  consumer?: Pick<EventConsumer, "healthy" | "failed">;
  /** How often health is re-checked (default 5 s). */
  healthIntervalMs?: number;
}

/**
 * Builds the catalog gRPC server (ChannelService, VideoService,
 * PlaylistService, SearchService) without listening. listen() also starts the
 * shared LISTEN connection that drives WatchVideo and cache eviction;
 * shutdown() stops it. Events (video.*) are consumed separately by
 * jobs/event-consumer.ts; video.deleted / video.visibility go out through the
 * shared outbox relay (lib/outbox, schema "catalog").
 */
export function createCatalogServer(options: CatalogServerOptions): GrpcServer {
  const { pool, logger } = options;
  const feed = createVideoChangeFeed({ pool, logger });
  const deps: CatalogDeps = {
    channels: createChannelStore({ pool }),
    videos: createVideoStore({ pool }),
    playlists: createPlaylistStore({ pool }),
    search: createSearchStore({ pool }),
    verifier: options.verifier,
    internalCaller: createServiceKeyCheck(options.serviceKeys, "videos are created by starting an upload (UploadService.StartUpload); CreateVideo is internal"),
    logger,
    feed,
    videoCache: createTtlCache<CachedVideo>({ ttlMs: options.cacheTtlMs ?? 5000, maxEntries: options.cacheMaxEntries ?? 10_000 }),
    cacheEpoch: { value: 0 },
    viewPeriodMs: options.viewPeriodMs ?? 3_600_000,
    anonViewersPerAddress: options.anonViewersPerAddress ?? 3,
    watchPollMs: options.watchPollMs ?? 10_000,
    watchSlots: createStreamSlots(options.watchStreamsPerCaller ?? 10),
    watchLimits: { perCaller: options.watchStreamsPerCaller ?? 10, maxLifetimeMs: options.watchMaxLifetimeMs ?? 3_600_000 },
  };
  feed.onAnyChange((videoId) => {
    deps.cacheEpoch.value++;
    if (videoId === "*") deps.videoCache.clear();
    else deps.videoCache.delete(videoId);
  });

  const grpc = createGrpcServer({
    logger,
    services: [
      registerService(ChannelService, createChannelHandlers(deps)),
      registerService(VideoService, createVideoHandlers(deps)),
      registerService(PlaylistService, createPlaylistHandlers(deps)),
      registerService(SearchService, createSearchHandlers(deps)),
    ],
    readiness: async () => {
      await pool.query("SELECT 1");
      return true;
    },
    // Reads do not need Kafka: a crashed event consumer shows on its own health name.
    checks: { [HEALTH_KAFKA_CONSUMER]: () => options.consumer?.healthy() ?? false },
    liveness: () => !(options.consumer?.failed() ?? false),
    ...(options.healthIntervalMs ? { readinessIntervalMs: options.healthIntervalMs } : {}),
  });

  if (options.fastGetVideo ?? true) installGetVideoFastPath(grpc.server, deps);

  let feedStarted = false;
  return {
    server: grpc.server,
    async listen(host, port) {
      if (!feedStarted) {
        await feed.start();
        feedStarted = true;
      }
      return grpc.listen(host, port);
    },
    async shutdown(graceMs) {
      await grpc.shutdown(graceMs);
      if (feedStarted) await feed.stop();
      feedStarted = false;
    },
  };
}
