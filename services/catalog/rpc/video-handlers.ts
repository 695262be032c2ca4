import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { optionalCaller, requireCaller } from "../../../lib/auth/index.ts";
import { peerAddress } from "../../../lib/grpc/index.ts";
import { FeedOrder, type VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { canReadVideo, readableVideo } from "../domain/access.ts";
import type { Viewer } from "../domain/videos.ts";
import { toChannel, toVideo } from "./convert.ts";
import type { CatalogDeps } from "./deps.ts";

/** The client's address: the last x-forwarded-for entry (the gateway's) or the transport peer. */
function clientAddress(context: HandlerContext): string {
  const forwarded = context.requestHeader.get("x-forwarded-for")?.split(",").map((part) => part.trim()).filter(Boolean).at(-1);
  return (forwarded ?? peerAddress(context) ?? "unknown").slice(0, 64);
}

/** VideoService: protobuf requests to the video use cases (domain/videos.ts) and back. */
export function createVideoHandlers(deps: CatalogDeps): Partial<ServiceImpl<typeof VideoService>> {
  const { videos, verifier, videoCache } = deps;
  const viewer = async (context: HandlerContext): Promise<Viewer> => ({
    userId: (await optionalCaller(context, verifier))?.userId,
    address: clientAddress(context),
  });

  return {
    async createVideo(request, context) {
      // Only the upload service creates videos, for an upload it is opening: a
      // video row then always has an upload behind it (or ends FAILED).
      deps.internalCaller(context);
      const caller = await requireCaller(context, verifier);
      return { video: toVideo(await videos.create(caller.userId, request)) };
    },

    getVideo(request, context) {
      // The platform's hottest read (the edge asks for every playback decision,
      // anonymously): a cache hit anyone may see is answered synchronously,
      // with the response encoded once per entry (lib/grpc sends it in the same tick).
      if (!context.requestHeader.has("authorization")) {
        const hit = videoCache.peek(request.videoId);
        if (hit && canReadVideo(hit.video, undefined)) return hit.response;
      }
      return (async () => {
        const caller = await optionalCaller(context, verifier);
        const entry = await videoCache.load(request.videoId);
        readableVideo(entry?.video, caller?.userId);
        return entry!.response;
      })();
    },

    async listVideos(request, context) {
      const caller = await optionalCaller(context, verifier);
      const page = await videos.listByChannel(caller?.userId, request.channelId, request);
      return { videos: page.items.map(toVideo), nextPageToken: page.nextPageToken };
    },

    async listFeed(request) {
      // The same for every caller (public videos only), so the caller is not read.
      const page = await videos.listFeed(request.order === FeedOrder.MOST_VIEWED ? "most_viewed" : "latest", request);
      return { videos: page.items.map(toVideo), channels: page.channels.map(toChannel), nextPageToken: page.nextPageToken };
    },

    async updateVideo(request, context) {
      const caller = await requireCaller(context, verifier);
      return { video: toVideo(await videos.update(caller.userId, request.video!, request.updateMask?.paths ?? [])) };
    },

    async deleteVideo(request, context) {
      const caller = await requireCaller(context, verifier);
      await videos.delete(caller.userId, request.videoId);
      return {};
    },

    async setVideoVisibility(request, context) {
      const caller = await requireCaller(context, verifier);
      return { video: toVideo(await videos.setVisibility(caller.userId, request.videoId, request.visibility)) };
    },

    async *watchVideo(request, context) {
      for await (const video of videos.watch(await viewer(context), request.videoId, context.signal)) yield { video: toVideo(video) };
    },

    async recordView(request, context) {
      const result = await videos.recordView(await viewer(context), request.viewerId, request.videoId);
      return { counted: result.counted, viewCount: BigInt(result.viewCount) };
    },
  };
}
