import type { Video } from "@gen/xtream/catalog/v1/resources_pb.js";
import { VideoStatus } from "@gen/xtream/catalog/v1/resources_pb.js";
import { api } from "../api/clients.js";
import { isTransient } from "../api/errors.js";

/**
 * A video's status as it changes (WatchVideo, server streaming over Connect),
 * reconnecting after a dropped stream; ends after READY or FAILED.
 */
export async function* watchStatus(videoId: string, signal: AbortSignal): AsyncGenerator<Video> {
  let failures = 0;
  while (!signal.aborted) {
    try {
      for await (const message of api.videos.watchVideo({ videoId }, { signal })) {
        failures = 0;
        if (!message.video) continue;
        yield message.video;
        if (message.video.status === VideoStatus.READY || message.video.status === VideoStatus.FAILED) return;
      }
      return; // the server ended the stream
    } catch (err) {
      if (signal.aborted || !isTransient(err) || ++failures > 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** failures)));
    }
  }
}
