import type { HandlerContext } from "@connectrpc/connect";
import type { TokenVerifier } from "../../../lib/auth/index.ts";
import type { Logger } from "../../../lib/logger.ts";
import type { GetVideoResponse } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import type { ChannelStore } from "../adapters/channel-store.ts";
import type { PlaylistStore } from "../adapters/playlist-store.ts";
import type { SearchStore } from "../adapters/search-store.ts";
import type { VideoChangeFeed } from "../adapters/video-change-feed.ts";
import type { VideoStore } from "../adapters/video-store.ts";
import type { VideoRecord } from "../domain/model.ts";
import type { StreamSlots } from "../domain/stream-slots.ts";
import type { TtlCache } from "../domain/video-cache.ts";

/** A cached GetVideo answer: the record for access checks, the response ready to send. */
export interface CachedVideo {
  video: VideoRecord;
  response: GetVideoResponse;
}

/** What the catalog's handlers need, wired by server.ts. */
export interface CatalogDeps {
  channels: ChannelStore;
  videos: VideoStore;
  playlists: PlaylistStore;
  search: SearchStore;
  verifier: TokenVerifier;
  /** Refuses (PERMISSION_DENIED) a call that does not carry an internal service's credential. */
  internalCaller: (context: Pick<HandlerContext, "requestHeader">) => void;
  logger: Logger;
  feed: VideoChangeFeed;
  videoCache: TtlCache<CachedVideo>;
  /** Bumped on every eviction, so a read racing a write never caches stale data. */
  cacheEpoch: { value: number };
  /** A viewer's view counts once per this period. */
  viewPeriodMs: number;
  /** Anonymous viewers one client address may count per video and view period. */
  anonViewersPerAddress: number;
  /** How often WatchVideo re-reads even without a notification. */
  watchPollMs: number;
  /** Open WatchVideo streams per caller in this process. */
  watchSlots: StreamSlots;
  watchLimits: { perCaller: number; maxLifetimeMs: number };
}
