import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { optionalCaller, requireCaller } from "../../../lib/auth/index.ts";
import { invalidArgument, notFound, permissionDenied, resourceExhausted } from "../../../lib/errors.ts";
import { encodeOnce, peerAddress } from "../../../lib/grpc/index.ts";
import { Visibility as ProtoVisibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { FeedOrder as ProtoFeedOrder, GetVideoResponseSchema, type VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { readableVideo, requireOwner } from "../domain/access.ts";
import { parseUpdateMask } from "../domain/field-mask.ts";
import { isTerminal, Visibility, type VideoRecord } from "../domain/model.ts";
import { decodePageToken, encodePageToken, isUuid, pageSize } from "../domain/page-token.ts";
import { checkLanguage, checkTags, checkText, checkVisibility } from "../domain/validation.ts";
import type { FeedKey, FeedOrder, VideoChanges } from "../adapters/video-store.ts";
import { evict } from "./channel-handlers.ts";
import { toChannel, toVideo } from "./convert.ts";
import type { CachedVideo, CatalogDeps } from "./deps.ts";

const UPDATABLE = ["title", "description", "tags", "language"] as const;
const FEED_PAGE_SIZE = 24;

/** The client's address: the last x-forwarded-for entry (the gateway's) or the transport peer. */
function clientAddress(context: HandlerContext): string {
  const forwarded = context.requestHeader.get("x-forwarded-for")?.split(",").map((part) => part.trim()).filter(Boolean).at(-1);
  return (forwarded ?? peerAddress(context) ?? "unknown").slice(0, 64);
}

/** A video through the GetVideo cache; entries carry the response, encoded once. */
export async function loadCachedVideo(deps: CatalogDeps, id: string): Promise<CachedVideo | undefined> {
  const hit = deps.videoCache.get(id);
  if (hit) return hit;
  const epoch = deps.cacheEpoch.value;
  const video = await deps.videos.get(id);
  if (!video) return undefined;
  // The response is shared by every caller allowed to see it: encode it once.
  const entry = { video, response: encodeOnce(GetVideoResponseSchema, create(GetVideoResponseSchema, { video: toVideo(video) })) };
  // A write that raced this read bumped the epoch: then do not cache what may be stale.
  if (deps.cacheEpoch.value === epoch) deps.videoCache.set(id, entry);
  return entry;
}

/** VideoService: metadata, status, visibility, live status streams and view counts. */
export function createVideoHandlers(deps: CatalogDeps): Partial<ServiceImpl<typeof VideoService>> {
  const { channels, videos, verifier } = deps;

  const load = (id: string) => loadCachedVideo(deps, id);

  /** The video for a change by the caller: NOT_FOUND when gone, PERMISSION_DENIED when not theirs. */
  const ownVideo = async (id: string, context: HandlerContext): Promise<VideoRecord> => {
    const caller = await requireCaller(context, verifier);
    return requireOwner(await videos.get(id), caller.userId, "video");
  };

  return {
    async createVideo(request, context) {
      // Only the upload service creates videos, for an upload it is opening: a
      // video row then always has an upload behind it (or ends FAILED).
      deps.internalCaller(context);
      const caller = await requireCaller(context, verifier);
      const channel = await channels.get(request.channelId);
      if (!channel) throw notFound("channel not found");
      if (channel.ownerId !== caller.userId) throw permissionDenied("only the channel's owner may add videos to it");
      const video = await videos.create({
        channelId: channel.id,
        ownerId: caller.userId,
        title: request.title,
        description: request.description,
        tags: request.tags,
        language: request.language,
        visibility: request.visibility === ProtoVisibility.UNSPECIFIED ? Visibility.PRIVATE : checkVisibility("visibility", request.visibility),
      });
      return { video: toVideo(video) };
    },

    async getVideo(request, context) {
      const caller = await optionalCaller(context, verifier);
      const entry = await load(request.videoId);
      readableVideo(entry?.video, caller?.userId);
      return entry!.response;
    },

    async listVideos(request, context) {
      const caller = await optionalCaller(context, verifier);
      const channel = await channels.get(request.channelId);
      if (!channel) throw notFound("channel not found");
      const everything = caller?.userId === channel.ownerId;
      const scope = `videos:${channel.id}:${everything ? "all" : "public"}`;
      const after = decodePageToken(request.pageToken, scope, ["time", "uuid"]) as [string, string] | undefined;
      const limit = pageSize(request.pageSize, 20, 100);
      const rows = await videos.listByChannel({ channelId: channel.id, everything, ...(after ? { after } : {}), limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        videos: page.map(toVideo),
        nextPageToken: rows.length > limit && last ? encodePageToken({ scope, key: [last.createTime.toISOString(), last.id] }) : "",
      };
    },

    async listFeed(request) {
      // The same for every caller (public videos only), so the caller is not read.
      const order: FeedOrder = request.order === ProtoFeedOrder.MOST_VIEWED ? "most_viewed" : "latest";
      const scope = `feed:${order}`;
      const after = decodePageToken(request.pageToken, scope, order === "latest" ? ["time", "uuid"] : ["number", "time", "uuid"]) as FeedKey | undefined;
      const limit = pageSize(request.pageSize, FEED_PAGE_SIZE, 100);
      const rows = await videos.listFeed({ order, ...(after ? { after } : {}), limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const key = (video: VideoRecord) => (order === "latest" ? [video.createTime.toISOString(), video.id] : [video.viewCount, video.createTime.toISOString(), video.id]);
      return {
        videos: page.map(toVideo),
        channels: (await channels.getMany([...new Set(page.map((video) => video.channelId))])).map(toChannel),
        nextPageToken: rows.length > limit && last ? encodePageToken({ scope, key: key(last) }) : "",
      };
    },

    async updateVideo(request, context) {
      const input = request.video!;
      if (!isUuid(input.id)) throw invalidArgument("video.id: must be a UUID");
      const fields = parseUpdateMask(request.updateMask?.paths ?? [], UPDATABLE);
      await ownVideo(input.id, context);
      const changes: VideoChanges = {};
      if (fields.has("title")) changes.title = checkText("video.title", input.title, 1, 200);
      if (fields.has("description")) changes.description = checkText("video.description", input.description, 0, 10_000);
      if (fields.has("tags")) changes.tags = checkTags("video.tags", input.tags);
      if (fields.has("language")) changes.language = checkLanguage("video.language", input.language);
      const video = await videos.update(input.id, changes);
      evict(deps, input.id);
      if (!video) throw notFound("video not found");
      return { video: toVideo(video) };
    },

    async deleteVideo(request, context) {
      await ownVideo(request.videoId, context);
      await videos.delete(request.videoId);
      evict(deps, request.videoId);
      return {};
    },

    async setVideoVisibility(request, context) {
      await ownVideo(request.videoId, context);
      const video = await videos.setVisibility(request.videoId, checkVisibility("visibility", request.visibility));
      evict(deps, request.videoId);
      if (!video) throw notFound("video not found");
      return { video: toVideo(video) };
    },

    async *watchVideo(request, context) {
      const caller = await optionalCaller(context, verifier);
      const id = request.videoId;
      // Streams per caller (account, or address when anonymous) are capped, and each has a maximum lifetime.
      const release = deps.watchSlots.acquire(caller ? `user:${caller.userId}` : `address:${clientAddress(context)}`);
      if (!release) throw resourceExhausted(`concurrent WatchVideo streams limit reached: ${deps.watchLimits.perCaller} open; close one first`);
      const endAt = Date.now() + deps.watchLimits.maxLifetimeMs;
      let wake: (() => void) | undefined;
      const changes = { pending: false };
      const unsubscribe = deps.feed.subscribe(id, () => {
        changes.pending = true;
        wake?.();
      });
      const onAbort = () => wake?.();
      context.signal.addEventListener("abort", onAbort);
      try {
        let lastSent = "";
        for (let first = true; !context.signal.aborted && Date.now() < endAt; first = false) {
          changes.pending = false;
          const video = await videos.get(id);
          if (!first && !video) return; // deleted while watching: the stream simply ends
          readableVideo(video, caller?.userId);
          const state = `${video!.status}|${video!.progressPercent}|${video!.playable}|${video!.failureReason}|${video!.visibility}`;
          if (state !== lastSent) {
            lastSent = state;
            yield { video: toVideo(video!) };
          }
          if (isTerminal(video!.status)) return;
          if (!changes.pending) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.max(0, Math.min(deps.watchPollMs, endAt - Date.now())));
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
        }
      } finally {
        context.signal.removeEventListener("abort", onAbort);
        unsubscribe();
        release();
      }
    },

    async recordView(request, context) {
      const caller = await optionalCaller(context, verifier);
      let viewer: string;
      if (caller) viewer = `user:${caller.userId}`;
      else if (request.viewerId !== "") viewer = `anon:${request.viewerId}`;
      else throw invalidArgument("viewer_id: required when not signed in");
      const entry = await load(request.videoId);
      readableVideo(entry?.video, caller?.userId);
      // An anonymous viewer id is the client's own choice: its address bounds how many count.
      const perClient = caller ? undefined : { key: clientAddress(context), max: deps.anonViewersPerAddress };
      const result = await videos.recordView(request.videoId, viewer, Math.floor(Date.now() / deps.viewPeriodMs), perClient);
      if (!result) throw notFound("video not found");
      // No cache eviction: a count shows within the GetVideo cache TTL, and a
      // popular video would otherwise be evicted (and reloaded) on every view.
      return { counted: result.counted, viewCount: BigInt(result.viewCount) };
    },
  };
}
