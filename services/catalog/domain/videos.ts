import { invalidArgument, notFound, permissionDenied, resourceExhausted } from "../../../lib/errors.ts";
import { readableVideo, requireOwner } from "./access.ts";
import { parseUpdateMask } from "./field-mask.ts";
import { isTerminal, Visibility, type ChannelRecord, type VideoRecord } from "./model.ts";
import { decodePageToken, isUuid, pageSize, toPage, type Page, type PageRequest } from "./page-token.ts";
import type { ChannelStore, FeedKey, FeedOrder, VideoChangeFeed, VideoChanges, VideoStore } from "./ports.ts";
import { createStreamSlots } from "./stream-slots.ts";
import { checkLanguage, checkTags, checkText, checkVisibility } from "./validation.ts";
import type { VideoCache } from "./video-cache.ts";

const UPDATABLE = ["title", "description", "tags", "language"] as const;
const FEED_PAGE_SIZE = 24;

/** Who is asking: the signed-in account, or an anonymous client known by its address. */
export interface Viewer {
  userId: string | undefined;
  /** The client's address (the gateway's x-forwarded-for entry, or the transport peer). */
  address: string;
}

/** A new video's metadata; visibility 0 (unspecified) means PRIVATE. */
export interface NewVideo {
  channelId: string;
  title: string;
  description: string;
  tags: string[];
  language: string;
  visibility: number;
}

/** The metadata an update may carry; `paths` (its field mask) says which fields apply. */
export interface VideoEdit {
  id: string;
  title: string;
  description: string;
  tags: readonly string[];
  language: string;
}

export interface VideosOptions {
  channels: ChannelStore;
  videos: VideoStore;
  feed: Pick<VideoChangeFeed, "subscribe">;
  /** The GetVideo cache: writes evict; views read through it. */
  cache: Pick<VideoCache<unknown>, "load" | "evict">;
  /** A viewer's view counts once per period. */
  viewPeriodMs: number;
  /** Anonymous viewers one client address may count per video and period. */
  anonViewersPerAddress: number;
  watch: {
    /** Open WatchVideo streams per caller (account, or address when anonymous) in this process. */
    streamsPerCaller: number;
    /** A stream ends after this long; clients reconnect. */
    maxLifetimeMs: number;
    /** A stream re-reads at least this often, notification or not. */
    pollMs: number;
  };
}

/** The video use cases: who may do what to a video, paging, the watch loop and view counting. */
export interface Videos {
  /** Creates a video in the caller's channel (the upload service opens one per upload). */
  create(callerId: string, input: NewVideo): Promise<VideoRecord>;
  /** A channel's videos: all of them for its owner, publicly listed ones for everyone else. */
  listByChannel(callerId: string | undefined, channelId: string, page: PageRequest): Promise<Page<VideoRecord>>;
  /** The public feed, the same for every caller, with the channels of the page's videos. */
  listFeed(order: FeedOrder, page: PageRequest): Promise<Page<VideoRecord> & { channels: ChannelRecord[] }>;
  update(callerId: string, edit: VideoEdit, paths: readonly string[]): Promise<VideoRecord>;
  delete(callerId: string, id: string): Promise<void>;
  setVisibility(callerId: string, id: string, visibility: number): Promise<VideoRecord>;
  /**
   * The video now and after every change the caller may see, until it is
   * final, deleted, the signal aborts or the stream's lifetime ends.
   */
  watch(viewer: Viewer, id: string, signal: AbortSignal): AsyncGenerator<VideoRecord>;
  /** Counts a view (once per viewer and period); anonymous viewers name themselves with viewerId. */
  recordView(viewer: Viewer, viewerId: string, id: string): Promise<{ counted: boolean; viewCount: number }>;
}

/** Creates the video use cases over the stores and the GetVideo cache. */
export function createVideos(options: VideosOptions): Videos {
  const { channels, videos, cache } = options;
  const slots = createStreamSlots(options.watch.streamsPerCaller);

  /** The video for a change by the caller: NOT_FOUND when gone, PERMISSION_DENIED when not theirs. */
  const ownVideo = async (id: string, callerId: string) => requireOwner(await videos.get(id), callerId, "video");

  return {
    async create(callerId, input) {
      const channel = await channels.get(input.channelId);
      if (!channel) throw notFound("channel not found");
      if (channel.ownerId !== callerId) throw permissionDenied("only the channel's owner may add videos to it");
      return videos.create({
        channelId: channel.id,
        ownerId: callerId,
        title: input.title,
        description: input.description,
        tags: input.tags,
        language: input.language,
        visibility: input.visibility === 0 ? Visibility.PRIVATE : checkVisibility("visibility", input.visibility),
      });
    },

    async listByChannel(callerId, channelId, page) {
      const channel = await channels.get(channelId);
      if (!channel) throw notFound("channel not found");
      const everything = callerId === channel.ownerId;
      const scope = `videos:${channel.id}:${everything ? "all" : "public"}`;
      const after = decodePageToken(page.pageToken, scope, ["time", "uuid"]) as [string, string] | undefined;
      const limit = pageSize(page.pageSize, 20, 100);
      const rows = await videos.listByChannel({ channelId: channel.id, everything, ...(after ? { after } : {}), limit: limit + 1 });
      return toPage(rows, limit, scope, (last) => [last.createTime.toISOString(), last.id]);
    },

    async listFeed(order, page) {
      const scope = `feed:${order}`;
      const after = decodePageToken(page.pageToken, scope, order === "latest" ? ["time", "uuid"] : ["number", "time", "uuid"]) as FeedKey | undefined;
      const limit = pageSize(page.pageSize, FEED_PAGE_SIZE, 100);
      const rows = await videos.listFeed({ order, ...(after ? { after } : {}), limit: limit + 1 });
      const result = toPage(rows, limit, scope, (last) =>
        order === "latest" ? [last.createTime.toISOString(), last.id] : [last.viewCount, last.createTime.toISOString(), last.id],
      );
      return { ...result, channels: await channels.getMany([...new Set(result.items.map((video) => video.channelId))]) };
    },

    async update(callerId, edit, paths) {
      if (!isUuid(edit.id)) throw invalidArgument("video.id: must be a UUID");
      const fields = parseUpdateMask(paths, UPDATABLE);
      await ownVideo(edit.id, callerId);
      const changes: VideoChanges = {};
      if (fields.has("title")) changes.title = checkText("video.title", edit.title, 1, 200);
      if (fields.has("description")) changes.description = checkText("video.description", edit.description, 0, 10_000);
      if (fields.has("tags")) changes.tags = checkTags("video.tags", edit.tags);
      if (fields.has("language")) changes.language = checkLanguage("video.language", edit.language);
      const video = await videos.update(edit.id, changes);
      cache.evict(edit.id);
      if (!video) throw notFound("video not found");
      return video;
    },

    async delete(callerId, id) {
      await ownVideo(id, callerId);
      await videos.delete(id);
      cache.evict(id);
    },

    async setVisibility(callerId, id, visibility) {
      await ownVideo(id, callerId);
      const video = await videos.setVisibility(id, checkVisibility("visibility", visibility));
      cache.evict(id);
      if (!video) throw notFound("video not found");
      return video;
    },

    async *watch(viewer, id, signal) {
      // Streams per caller (account, or address when anonymous) are capped, and each has a maximum lifetime.
      const release = slots.acquire(viewer.userId ? `user:${viewer.userId}` : `address:${viewer.address}`);
      if (!release) throw resourceExhausted(`concurrent WatchVideo streams limit reached: ${options.watch.streamsPerCaller} open; close one first`);
      const endAt = Date.now() + options.watch.maxLifetimeMs;
      let wake: (() => void) | undefined;
      const changes = { pending: false };
      const unsubscribe = options.feed.subscribe(id, () => {
        changes.pending = true;
        wake?.();
      });
      const onAbort = () => wake?.();
      signal.addEventListener("abort", onAbort);
      try {
        let lastSent = "";
        for (let first = true; !signal.aborted && Date.now() < endAt; first = false) {
          changes.pending = false;
          const video = await videos.get(id);
          if (!first && !video) return; // deleted while watching: the stream simply ends
          const seen = readableVideo(video, viewer.userId);
          const state = `${seen.status}|${seen.progressPercent}|${seen.playable}|${seen.failureReason}|${seen.visibility}`;
          if (state !== lastSent) {
            lastSent = state;
            yield seen;
          }
          if (isTerminal(seen.status)) return;
          if (!changes.pending) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.max(0, Math.min(options.watch.pollMs, endAt - Date.now())));
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
        }
      } finally {
        signal.removeEventListener("abort", onAbort);
        unsubscribe();
        release();
      }
    },

    async recordView(viewer, viewerId, id) {
      let counted: string;
      if (viewer.userId) counted = `user:${viewer.userId}`;
      else if (viewerId !== "") counted = `anon:${viewerId}`;
      else throw invalidArgument("viewer_id: required when not signed in");
      const entry = await cache.load(id);
      readableVideo(entry?.video, viewer.userId);
      // An anonymous viewer id is the client's own choice: its address bounds how many count.
      const perClient = viewer.userId ? undefined : { key: viewer.address, max: options.anonViewersPerAddress };
      const result = await videos.recordView(id, counted, Math.floor(Date.now() / options.viewPeriodMs), perClient);
      if (!result) throw notFound("video not found");
      // No cache eviction: a count shows within the GetVideo cache TTL, and a
      // popular video would otherwise be evicted (and reloaded) on every view.
      return result;
    },
  };
}
