/** The playback domain's ports: what it needs from storage, Redis and the catalog. */

/** An object as cached in every tier. */
export interface MediaObject {
  body: Buffer;
  /** A strong validator, quoted: `"…"`. The same on every edge (a content hash). */
  etag: string;
  /** True when the object will not change any more (segments, finished playlists). */
  final: boolean;
}

/** The origin: the media bucket. */
export interface MediaOrigin {
  /** The object's bytes, or undefined when there is no such object. Throws when storage fails. */
  get(key: string): Promise<Buffer | undefined>;
}

/**
 * The shared (second) tier. Implementations never throw: a failing or absent
 * Redis is a miss, so playback keeps serving from the origin.
 */
export interface SharedCache {
  get(key: string): Promise<MediaObject | undefined>;
  /** Stores an object for ttlMs, remembering it under its video for purging. */
  set(videoId: string, key: string, object: MediaObject, ttlMs: number): Promise<void>;
  /** Deletes every object of the video. */
  purgeVideo(videoId: string): Promise<void>;
}

/** Who may watch a video, as the catalog says. */
export type Visibility = "public" | "unlisted" | "private";

/** What the edge needs to know about a video. */
export interface VideoInfo {
  visibility: Visibility;
  /** True once the whole ladder is published (the master playlist stops changing). */
  complete: boolean;
}

/**
 * The catalog as seen anonymously: public and unlisted videos are found,
 * private (and unknown, deleted) ones are not (undefined). Throws when the
 * catalog cannot be reached.
 */
export interface VideoDirectory {
  lookup(videoId: string): Promise<VideoInfo | undefined>;
}
