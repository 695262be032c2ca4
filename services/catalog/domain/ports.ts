/**
 * What the catalog's use cases need from the outside world. The PostgreSQL
 * adapters (adapters/*-store.ts, adapters/video-change-feed.ts) implement
 * these; runtime.ts and server.ts choose them.
 */
import type { ChannelRecord, PlaylistItemRecord, PlaylistRecord, RenditionRecord, VideoRecord, VisibilityValue } from "./model.ts";

/** Fields a channel update may change. */
export interface ChannelChanges {
  handle?: string;
  title?: string;
  description?: string;
}

/** Channels in PostgreSQL (catalog.channels). Deleted channels are invisible. */
export interface ChannelStore {
  create(input: { ownerId: string; handle: string; title: string; description: string }): Promise<ChannelRecord>;
  get(id: string): Promise<ChannelRecord | undefined>;
  getByHandle(handle: string): Promise<ChannelRecord | undefined>;
  /** The live channels among these ids, in no particular order. */
  getMany(ids: string[]): Promise<ChannelRecord[]>;
  /** Newest first; `after` is the previous page's last (create_time, id). */
  list(options: { ownerId?: string; after?: [string, string]; limit: number }): Promise<ChannelRecord[]>;
  update(id: string, changes: ChannelChanges): Promise<ChannelRecord>;
  /** Soft-deletes the channel and its videos, emitting video.deleted for each video. */
  delete(id: string): Promise<string[]>;
  /**
   * account.deleted: soft-deletes every channel and video of the owner
   * (video.deleted for each, in the same transaction) and deletes the owner's
   * playlists. Returns the deleted videos' ids; a second call finds nothing.
   */
  deleteAllOf(ownerId: string): Promise<string[]>;
}

/** Fields a playlist update may change. */
export interface PlaylistChanges {
  title?: string;
  description?: string;
  visibility?: VisibilityValue;
}

/**
 * Playlists and their items in PostgreSQL. Positions stay dense (0..n-1):
 * every add, remove and move shifts the others inside one transaction that
 * holds the playlist's row lock.
 */
export interface PlaylistStore {
  create(input: { ownerId: string; title: string; description: string; visibility: VisibilityValue }): Promise<PlaylistRecord>;
  get(id: string): Promise<PlaylistRecord | undefined>;
  /** An owner's playlists, newest first; `everything` includes private ones. */
  list(options: { ownerId: string; everything: boolean; after?: [string, string]; limit: number }): Promise<PlaylistRecord[]>;
  update(id: string, changes: PlaylistChanges): Promise<PlaylistRecord | undefined>;
  delete(id: string): Promise<void>;
  /** Inserts at position (clamped to the end; end when undefined). */
  addItem(playlistId: string, videoId: string, position: number | undefined): Promise<PlaylistItemRecord>;
  removeItem(playlistId: string, itemId: string): Promise<void>;
  moveItem(playlistId: string, itemId: string, newPosition: number): Promise<PlaylistItemRecord>;
  /** Items by position after `afterPosition`, with their (non-deleted) videos. */
  listItems(playlistId: string, afterPosition: number, limit: number): Promise<PlaylistItemRecord[]>;
}

/** How search results are ordered. */
export type SearchOrder = "relevance" | "newest" | "most_viewed";

/** A search: the text, filters, order and the previous page's last sort key. */
export interface SearchQuery {
  text: string;
  channelId?: string;
  minDurationMs?: number;
  maxDurationMs?: number;
  uploadedAfter?: Date;
  uploadedBefore?: Date;
  order: SearchOrder;
  /** The last row's [sort value, id] from the previous page. */
  after?: [number | string, string];
  limit: number;
}

/** A hit and the sort value it was ordered by (for the next page's cursor). */
export interface SearchHit {
  video: VideoRecord;
  sortValue: number | string;
}

/** Full-text + trigram search over public, ready, non-deleted videos. */
export interface SearchStore {
  search(query: SearchQuery): Promise<SearchHit[]>;
}

/** Metadata fields an update may change. */
export interface VideoChanges {
  title?: string;
  description?: string;
  tags?: string[];
  language?: string;
}

/** How the public feed is ordered. */
export type FeedOrder = "latest" | "most_viewed";

/**
 * The previous feed page's last sort key: [create_time, id] for "latest",
 * [view_count, create_time, id] for "most_viewed".
 */
export type FeedKey = [string, string] | [number, string, string];

/** What video.transcoded says about a finished video. */
export interface TranscodedResult {
  durationMs: number;
  renditions: RenditionRecord[];
  posterPath: string;
}

/**
 * Videos in PostgreSQL (catalog.videos). Soft-deleted videos are invisible to
 * every read. The pipeline's updates are monotonic (status only moves
 * forward, progress only grows), so replaying events changes nothing.
 */
export interface VideoStore {
  create(input: { channelId: string; ownerId: string; title: string; description: string; tags: string[]; language: string; visibility: VisibilityValue }): Promise<VideoRecord>;
  get(id: string): Promise<VideoRecord | undefined>;
  /** A channel's videos, newest first. `everything` includes non-public and unfinished ones (the owner's view). */
  listByChannel(options: { channelId: string; everything: boolean; after?: [string, string]; limit: number }): Promise<VideoRecord[]>;
  /** Publicly listed videos of every channel, newest or most viewed first (ties: newest, then id). */
  listFeed(options: { order: FeedOrder; after?: FeedKey; limit: number }): Promise<VideoRecord[]>;
  update(id: string, changes: VideoChanges): Promise<VideoRecord | undefined>;
  /** Soft-deletes and enqueues video.deleted in the same transaction; false when already gone. */
  delete(id: string): Promise<boolean>;
  /** Changes visibility and enqueues video.visibility when it changed. */
  setVisibility(id: string, visibility: VisibilityValue): Promise<VideoRecord | undefined>;
  /**
   * Counts a view unless this viewer was already counted in this period
   * bucket, or (with `perClient`) the client's address already counted `max`
   * other viewers of this video in it.
   */
  recordView(id: string, viewer: string, periodBucket: number, perClient?: { key: string; max: number }): Promise<{ counted: boolean; viewCount: number } | undefined>;
  /** video.uploaded: UPLOADING → PROCESSING. True when something changed. */
  markProcessing(id: string): Promise<boolean>;
  /** video.progress: progress only grows; playable only turns on. */
  applyProgress(id: string, percent: number, playable: boolean): Promise<boolean>;
  /** video.transcoded: → READY with duration, renditions and poster, unless already final. */
  markReady(id: string, result: TranscodedResult): Promise<boolean>;
  /** video.failed: → FAILED with the reason, unless already final. */
  markFailed(id: string, reason: string): Promise<boolean>;
  /** Videos still UPLOADING that were created before `createdBefore` → FAILED with the reason (at most `limit`); their ids. */
  failAbandonedUploads(createdBefore: Date, reason: string, limit: number): Promise<string[]>;
}

/**
 * One shared LISTEN connection per process, fanned out in memory: WatchVideo
 * streams subscribe to one video; caches subscribe to every change. After a
 * reconnect every listener is told "*" (anything may have changed meanwhile).
 */
export interface VideoChangeFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Calls listener on each change of this video; returns the unsubscribe function. */
  subscribe(videoId: string, listener: () => void): () => void;
  /** Calls listener with the changed video's id, or "*" after a reconnect. */
  onAnyChange(listener: (videoId: string) => void): void;
}
