import type { GetVideoResponse } from "@gen/xtream/catalog/v1/video_service_pb.js";
import type { GetPlaybackInfoResponse } from "@gen/xtream/playback/v1/playback_service_pb.js";
import { api } from "../api/clients.js";

/** The two calls a watch page starts with, settled. */
export type WatchLoad = [PromiseSettledResult<GetVideoResponse>, PromiseSettledResult<GetPlaybackInfoResponse>];

const started = new Map<string, Promise<WatchLoad>>();

/**
 * Starts a watch page's two calls before the app has rendered (main.tsx calls
 * it when the first URL is /watch/<id>), so they overlap with parsing the app.
 * Calls made while the session is being restored wait for its token.
 */
export function prefetchWatch(videoId: string): void {
  started.set(videoId, Promise.allSettled([api.videos.getVideo({ videoId }), api.playback.getPlaybackInfo({ videoId })]));
}

/** The watch page's two calls: the prefetched ones once, otherwise fresh. */
export function loadWatch(videoId: string, signal: AbortSignal): Promise<WatchLoad> {
  const prefetched = started.get(videoId);
  started.delete(videoId);
  return prefetched ?? Promise.allSettled([api.videos.getVideo({ videoId }, { signal }), api.playback.getPlaybackInfo({ videoId }, { signal })]);
}
