import type { HandlerContext } from "@connectrpc/connect";
import type { TokenVerifier } from "../../../lib/auth/index.ts";
import type { GetVideoResponse } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import type { Channels } from "../domain/channels.ts";
import type { Playlists } from "../domain/playlists.ts";
import type { Search } from "../domain/search.ts";
import type { VideoCache } from "../domain/video-cache.ts";
import type { Videos } from "../domain/videos.ts";

/** What the catalog's gRPC handlers need, wired by server.ts: the use cases and who is calling. */
export interface CatalogDeps {
  channels: Channels;
  videos: Videos;
  playlists: Playlists;
  search: Search;
  /** GetVideo answers, each encoded once (the same cache the use cases evict). */
  videoCache: VideoCache<GetVideoResponse>;
  verifier: TokenVerifier;
  /** Refuses (PERMISSION_DENIED) a call that does not carry an internal service's credential. */
  internalCaller: (context: Pick<HandlerContext, "requestHeader">) => void;
}
