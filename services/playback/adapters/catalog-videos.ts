import { Code, ConnectError } from "@connectrpc/connect";
import { createServiceClient } from "../../../lib/grpc/index.ts";
import { notFound, permissionDenied, unauthenticated, unavailable } from "../../../lib/errors.ts";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { VideoStatus, Visibility, type Video } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import type { VideoDirectory, VideoInfo } from "../domain/ports.ts";

export interface CatalogVideosOptions {
  /** host:port of the catalog service. */
  address: string;
  /** Deadline of one catalog call. */
  timeoutMs?: number;
}

/** The catalog as playback uses it: anonymous lookups for the edge, the caller's view for GetPlaybackInfo. */
export interface CatalogVideos extends VideoDirectory {
  /** The video as the caller (by their authorization header) may see it; domain errors otherwise. */
  getForCaller(videoId: string, authorization: string | null): Promise<Video>;
}

/** Creates the catalog adapter over VideoService.GetVideo. */
export function createCatalogVideos(options: CatalogVideosOptions): CatalogVideos {
  const timeoutMs = options.timeoutMs ?? 2000;
  // One HTTP/2 connection for every call; the caller's token travels per call.
  const client = createServiceClient(VideoService, { address: options.address });
  return {
    async lookup(videoId): Promise<VideoInfo | undefined> {
      try {
        const { video } = await client.getVideo({ videoId }, { timeoutMs });
        if (!video) return undefined;
        return { visibility: visibilityOf(video.visibility), complete: video.status === VideoStatus.READY };
      } catch (err) {
        if (err instanceof ConnectError && (err.code === Code.NotFound || err.code === Code.PermissionDenied)) return undefined;
        throw err;
      }
    },
    async getForCaller(videoId, authorization) {
      try {
        const headers = authorization ? { authorization } : undefined;
        const { video } = await client.getVideo({ videoId }, { timeoutMs, headers });
        if (!video) throw notFound("video not found");
        return video;
      } catch (err) {
        if (!(err instanceof ConnectError)) throw err;
        switch (err.code) {
          case Code.NotFound:
            throw notFound("video not found");
          case Code.Unauthenticated:
            throw unauthenticated();
          case Code.PermissionDenied:
            throw permissionDenied();
          default:
            throw unavailable("the catalog is unavailable; try again");
        }
      }
    },
  };
}

/** The domain's visibility from the catalog's enum (unspecified counts as private). */
export function visibilityOf(visibility: Visibility): VideoInfo["visibility"] {
  if (visibility === Visibility.PUBLIC) return "public";
  if (visibility === Visibility.UNLISTED) return "unlisted";
  return "private";
}
