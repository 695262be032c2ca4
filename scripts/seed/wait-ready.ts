/**
 * Follows a video's processing live through WatchVideo (server streaming)
 * until it is READY or FAILED. A broken stream is reopened after a GetVideo,
 * so a gateway restart or a dropped connection only costs a second.
 */
import { ConnectError } from "@connectrpc/connect";
import { VideoStatus, type Video } from "../../gen/xtream/catalog/v1/resources_pb.js";
import type { SeedApi } from "./api.ts";

/** Called with every status update the stream (or a GetVideo) brings. */
export type VideoListener = (video: Video) => void;

/** Resolves with the video once READY; rejects when it FAILED, or at the deadline. */
export async function waitUntilReady(api: SeedApi, videoId: string, options: { timeoutMs: number; onUpdate?: VideoListener }): Promise<Video> {
  const deadline = Date.now() + options.timeoutMs;
  let last: Video | undefined;
  const settled = (video: Video): Video | null => {
    last = video;
    options.onUpdate?.(video);
    if (video.status === VideoStatus.READY) return video;
    if (video.status === VideoStatus.FAILED) throw new Error(`"${video.title}" failed to transcode: ${video.failureReason || "no reason given"}`);
    if (video.status === VideoStatus.DELETED) throw new Error(`"${video.title}" was deleted while the seed waited for it`);
    return null;
  };
  while (Date.now() < deadline) {
    try {
      for await (const { video } of api.videos.watchVideo({ videoId }, { timeoutMs: Math.max(1, deadline - Date.now()) })) {
        if (video && settled(video)) return video;
      }
    } catch (err) {
      if (!(err instanceof ConnectError)) throw err;
      // The stream broke (or hit the deadline): read the status once, then reopen it.
    }
    const { video } = await api.videos.getVideo({ videoId });
    if (video && settled(video)) return video;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`"${last?.title ?? videoId}" was not READY within ${Math.round(options.timeoutMs / 1000)} s (last status ${last ? VideoStatus[last.status] : "unknown"}, ${last?.progressPercent ?? 0}%)`);
}
