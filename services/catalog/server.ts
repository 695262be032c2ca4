import { createServiceKeyCheck, type TokenVerifier } from "../../lib/auth/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { createGrpcServer, encodeOnce, HEALTH_KAFKA_CONSUMER, registerService, type GrpcServer } from "../../lib/grpc/index.ts";
import type { EventConsumer } from "../../lib/kafka/index.ts";
import type { Logger } from "../../lib/logger.ts";
import { create } from "@bufbuild/protobuf";
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import { PlaylistService } from "../../gen/xtream/catalog/v1/playlist_service_pb.js";
import { SearchService } from "../../gen/xtream/catalog/v1/search_service_pb.js";
import { GetVideoResponseSchema, VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import { createChannelStore } from "./adapters/channel-store.ts";
import { createPlaylistStore } from "./adapters/playlist-store.ts";
import { createSearchStore } from "./adapters/search-store.ts";
import { createVideoChangeFeed } from "./adapters/video-change-feed.ts";
import { createVideoStore } from "./adapters/video-store.ts";
import { createChannels } from "./domain/channels.ts";
import { createPlaylists } from "./domain/playlists.ts";
import { createSearch } from "./domain/search.ts";
import { createVideoCache } from "./domain/video-cache.ts";
import { createVideos } from "./domain/videos.ts";
import { createChannelHandlers } from "./rpc/channel-handlers.ts";
import { toVideo } from "./rpc/convert.ts";
import { createPlaylistHandlers } from "./rpc/playlist-handlers.ts";
import { createSearchHandlers } from "./rpc/search-handlers.ts";
import { createVideoHandlers } from "./rpc/video-handlers.ts";

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
  /** The event consumer: drives the "kafka-consumer" health name and liveness. */
  consumer?: Pick<EventConsumer, "healthy" | "failed">;
  /** How often health is re-checked (default 5 s). */
  healthIntervalMs?: number;
}

/**
 * Builds the catalog gRPC server (ChannelService, VideoService,
 * PlaylistService, SearchService) over the PostgreSQL adapters, without
 * listening. listen() also starts the shared LISTEN connection that drives
 * WatchVideo and GetVideo cache eviction; shutdown() stops it.
 */
export function createCatalogServer(options: CatalogServerOptions): GrpcServer {
  const { pool, logger } = options;
  const feed = createVideoChangeFeed({ pool, logger });
  const channelStore = createChannelStore({ pool });
  const videoStore = createVideoStore({ pool });
  // The response is shared by every caller allowed to see it: encode it once.
  const videoCache = createVideoCache({
    read: (id) => videoStore.get(id),
    respond: (video) => encodeOnce(GetVideoResponseSchema, create(GetVideoResponseSchema, { video: toVideo(video) })),
    ttlMs: options.cacheTtlMs ?? 5000,
    maxEntries: options.cacheMaxEntries ?? 10_000,
  });
  // Writes in any catalog process reach every other one through NOTIFY.
  feed.onAnyChange((videoId) => (videoId === "*" ? videoCache.evictAll() : videoCache.evict(videoId)));
  const deps = {
    channels: createChannels({ channels: channelStore, cache: videoCache }),
    videos: createVideos({
      channels: channelStore,
      videos: videoStore,
      feed,
      cache: videoCache,
      viewPeriodMs: options.viewPeriodMs ?? 3_600_000,
      anonViewersPerAddress: options.anonViewersPerAddress ?? 3,
      watch: {
        streamsPerCaller: options.watchStreamsPerCaller ?? 10,
        maxLifetimeMs: options.watchMaxLifetimeMs ?? 3_600_000,
        pollMs: options.watchPollMs ?? 10_000,
      },
    }),
    playlists: createPlaylists({ playlists: createPlaylistStore({ pool }), videos: videoStore }),
    search: createSearch({ search: createSearchStore({ pool }) }),
    videoCache,
    verifier: options.verifier,
    internalCaller: createServiceKeyCheck(options.serviceKeys, "videos are created by starting an upload (UploadService.StartUpload); CreateVideo is internal"),
  };

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
