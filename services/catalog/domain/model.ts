/**
 * The catalog's domain records. Visibility and status use the same numbers as
 * the xtream.catalog.v1 enums, so handlers convert without tables.
 */

/** Who may see a video or playlist. */
export const Visibility = { PUBLIC: 1, UNLISTED: 2, PRIVATE: 3 } as const;
export type VisibilityValue = (typeof Visibility)[keyof typeof Visibility];

/** Where a video is in its life. */
export const VideoStatus = { UPLOADING: 1, PROCESSING: 2, READY: 3, FAILED: 4, DELETED: 5 } as const;
export type VideoStatusValue = (typeof VideoStatus)[keyof typeof VideoStatus];

/** A channel a user publishes under. */
export interface ChannelRecord {
  id: string;
  ownerId: string;
  handle: string;
  title: string;
  description: string;
  createTime: Date;
}

/** One rung of a video's HLS ladder, as stored. */
export interface RenditionRecord {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  codecs: string;
  playlistPath: string;
}

/** A video's metadata and processing state. */
export interface VideoRecord {
  id: string;
  channelId: string;
  ownerId: string;
  title: string;
  description: string;
  tags: string[];
  language: string;
  visibility: VisibilityValue;
  status: VideoStatusValue;
  failureReason: string;
  progressPercent: number;
  playable: boolean;
  durationMs: number | null;
  renditions: RenditionRecord[];
  posterPath: string;
  viewCount: number;
  createTime: Date;
  updateTime: Date;
}

/** An ordered list of videos. */
export interface PlaylistRecord {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  visibility: VisibilityValue;
  itemCount: number;
  createTime: Date;
  updateTime: Date;
}

/** One entry of a playlist, with its video when the caller may see it. */
export interface PlaylistItemRecord {
  id: string;
  playlistId: string;
  videoId: string;
  position: number;
  video: VideoRecord | undefined;
}

/** True when the video's status is final: nothing the pipeline says changes it any more. */
export function isTerminal(status: VideoStatusValue): boolean {
  return status === VideoStatus.READY || status === VideoStatus.FAILED || status === VideoStatus.DELETED;
}
