import type { ChannelRecord, PlaylistRecord, RenditionRecord, VideoRecord, VideoStatusValue, VisibilityValue } from "../domain/model.ts";

/** Anything that runs a query: the pool or a client inside a transaction. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The video columns every read selects (alias v). */
export const VIDEO_COLUMNS = `v.id, v.channel_id, v.owner_id, v.title, v.description, v.tags, v.language, v.visibility, v.status,
  v.failure_reason, v.progress_percent, v.playable, v.duration_ms, v.renditions, v.poster_path, v.view_count, v.create_time, v.update_time`;

/** A videos row as pg returns it. */
export interface VideoRow {
  id: string;
  channel_id: string;
  owner_id: string;
  title: string;
  description: string;
  tags: string[];
  language: string;
  visibility: number;
  status: number;
  failure_reason: string;
  progress_percent: number;
  playable: boolean;
  duration_ms: number | null;
  renditions: RenditionRecord[];
  poster_path: string;
  view_count: number;
  create_time: Date;
  update_time: Date;
}

/** Maps a videos row to the domain record. */
export function videoFromRow(row: VideoRow): VideoRecord {
  return {
    id: row.id,
    channelId: row.channel_id,
    ownerId: row.owner_id,
    title: row.title,
    description: row.description,
    tags: row.tags,
    language: row.language,
    visibility: row.visibility as VisibilityValue,
    status: row.status as VideoStatusValue,
    failureReason: row.failure_reason,
    progressPercent: row.progress_percent,
    playable: row.playable,
    durationMs: row.duration_ms,
    renditions: row.renditions,
    posterPath: row.poster_path,
    viewCount: row.view_count,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/** The channel columns every read selects. */
export const CHANNEL_COLUMNS = "id, owner_id, handle, title, description, create_time";

/** A channels row as pg returns it. */
export interface ChannelRow {
  id: string;
  owner_id: string;
  handle: string;
  title: string;
  description: string;
  create_time: Date;
}

/** Maps a channels row to the domain record. */
export function channelFromRow(row: ChannelRow): ChannelRecord {
  return { id: row.id, ownerId: row.owner_id, handle: row.handle, title: row.title, description: row.description, createTime: row.create_time };
}

/** The playlist columns every read selects. */
export const PLAYLIST_COLUMNS = "id, owner_id, title, description, visibility, item_count, create_time, update_time";

/** A playlists row as pg returns it. */
export interface PlaylistRow {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  visibility: number;
  item_count: number;
  create_time: Date;
  update_time: Date;
}

/** Maps a playlists row to the domain record. */
export function playlistFromRow(row: PlaylistRow): PlaylistRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    description: row.description,
    visibility: row.visibility as VisibilityValue,
    itemCount: row.item_count,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/** True when err is PostgreSQL's unique_violation (optionally on one constraint/index). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pgErr = err as { code?: string; constraint?: string };
  return pgErr.code === "23505" && (constraint === undefined || pgErr.constraint === constraint);
}
