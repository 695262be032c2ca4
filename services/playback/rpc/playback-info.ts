import type { ServiceImpl } from "@connectrpc/connect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { failedPrecondition } from "../../../lib/errors.ts";
import type { PlaybackService } from "../../../gen/xtream/playback/v1/playback_service_pb.js";
import { VideoStatus, Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import type { CatalogVideos } from "../adapters/catalog-videos.ts";
import { isServableFile } from "../domain/media-path.ts";
import type { PlaybackTokens } from "../domain/playback-token.ts";

export interface PlaybackInfoOptions {
  catalog: Pick<CatalogVideos, "getForCaller">;
  tokens: PlaybackTokens;
  /** The edge's public base URL, e.g. http://127.0.0.1:8081. */
  publicUrl: string;
}

/**
 * PlaybackService: where a video's HLS lives. The catalog decides whether the
 * caller may see the video (their authorization is forwarded); private and
 * unlisted videos get a token, already carried in every URL's path.
 */
export function createPlaybackInfoService(options: PlaybackInfoOptions): Partial<ServiceImpl<typeof PlaybackService>> {
  const publicUrl = options.publicUrl.replace(/\/+$/, "");
  return {
    async getPlaybackInfo(request, context) {
      const video = await options.catalog.getForCaller(request.videoId, context.requestHeader.get("authorization"));
      const complete = video.status === VideoStatus.READY;
      if (!complete && !video.playable) throw failedPrecondition("the video is not playable yet");
      const needsToken = video.visibility !== Visibility.PUBLIC;
      // A token outlives the video's length (plus a margin, capped): a long private video plays to the end.
      const mediaSeconds = video.duration ? Number(video.duration.seconds) + video.duration.nanos / 1e9 : 0;
      const audience = video.visibility === Visibility.UNLISTED ? "unlisted" : "owner";
      const issued = needsToken ? options.tokens.issue(video.id, Date.now(), mediaSeconds, audience) : undefined;
      const base = `${publicUrl}/v/${video.id}${issued ? `/t/${issued.token}` : ""}`;
      const url = (file: string) => `${base}/${file}`;
      const poster = video.posterPath && isServableFile(video.posterPath) ? video.posterPath : "poster.jpg";
      return {
        videoId: video.id,
        masterPlaylistUrl: url("master.m3u8"),
        posterUrl: complete || video.posterPath ? url(poster) : "",
        storyboardVttUrl: complete ? url("storyboard.vtt") : "",
        renditions: video.renditions.map((rendition) => ({
          name: rendition.name,
          width: rendition.width,
          height: rendition.height,
          bandwidth: rendition.bandwidth,
          codecs: rendition.codecs,
          playlistUrl: url(
            rendition.playlistPath && isServableFile(rendition.playlistPath) ? rendition.playlistPath : `${rendition.name}/index.m3u8`,
          ),
        })),
        duration: video.duration,
        token: issued?.token ?? "",
        tokenExpireTime: issued ? timestampFromMs(issued.expiresAtMs) : undefined,
        complete,
      };
    },
  };
}
