import { notFound, permissionDenied } from "../../../lib/errors.ts";
import { Visibility, type PlaylistRecord, type VideoRecord } from "./model.ts";

/**
 * Access rules, in one place:
 * - a video's owner sees it in every state but DELETED;
 * - anyone (also anonymous) may read a PUBLIC or UNLISTED video by id
 *   (the edge relies on this for unlisted links); a PRIVATE one is NOT_FOUND
 *   for everyone else, so its existence does not leak;
 * - listings (channel pages, the public feed) show others only PUBLIC videos
 *   with something to watch: READY, or PROCESSING with a first rung
 *   (video-store's PUBLICLY_LISTED); search shows only READY ones;
 * - only the owner may change anything (PERMISSION_DENIED for others).
 */
export function canReadVideo(video: Pick<VideoRecord, "ownerId" | "visibility">, callerId: string | undefined): boolean {
  return video.visibility !== Visibility.PRIVATE || video.ownerId === callerId;
}

/** The video, or NOT_FOUND when it does not exist or the caller may not see it. */
export function readableVideo<V extends Pick<VideoRecord, "ownerId" | "visibility">>(video: V | undefined, callerId: string | undefined): V {
  if (!video || !canReadVideo(video, callerId)) throw notFound("video not found");
  return video;
}

/** Throws unless the caller owns the thing (NOT_FOUND when it does not exist at all). */
export function requireOwner<T extends { ownerId: string }>(thing: T | undefined, callerId: string, what: string): T {
  if (!thing) throw notFound(`${what} not found`);
  if (thing.ownerId !== callerId) throw permissionDenied(`only the owner may change this ${what}`);
  return thing;
}

/** A private playlist is visible to its owner only; public and unlisted ones to anyone with the id. */
export function canReadPlaylist(playlist: Pick<PlaylistRecord, "ownerId" | "visibility">, callerId: string | undefined): boolean {
  return playlist.visibility !== Visibility.PRIVATE || playlist.ownerId === callerId;
}
