/**
 * The edge's URL space, mapped 1:1 onto the shared media layout in the media
 * bucket (`videos/<videoId>/…`). Only whitelisted file names are reachable:
 * no traversal, no encoded characters, no arbitrary object keys.
 *
 *   /v/<videoId>/<file>              public videos
 *   /v/<videoId>/t/<token>/<file>    private and unlisted videos (the token rides
 *                                    in the path so relative playlist URIs keep it)
 */

/** What kind of object a file is; decides content type and caching. */
export type MediaKind = "master" | "media-playlist" | "segment" | "init" | "image" | "vtt";

/** A request path that passed validation. */
export interface MediaPath {
  videoId: string;
  /** The playback token carried in the path, when there is one. */
  token: string | undefined;
  /** The file inside the video's folder, e.g. "720p/seg_00003.ts". */
  file: string;
  kind: MediaKind;
  /** For files inside a rung folder ("720p"), the rung. */
  rung: string | undefined;
  /** For segments: the index in the file name (seg_00003 → 3). */
  segmentIndex: number | undefined;
}

/** Rungs of the ladder the transcoder may write. */
export const RUNGS = ["1080p", "720p", "480p", "360p", "240p"] as const;

const VIDEO_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// <kid>.<expiry>[.u].<signature>: ".u" marks a token issued with an unlisted video's link.
const TOKEN = "[A-Za-z0-9_-]{1,40}\\.[A-Za-z0-9_-]{1,20}(?:\\.u)?\\.[A-Za-z0-9_-]{16,100}";
const PREFIX = new RegExp(`^/v/(${VIDEO_ID})/(?:t/(${TOKEN})/)?`);
const RUNG_FILE = new RegExp(`^(${RUNGS.join("|")})/(index\\.m3u8|init\\.mp4|seg_(\\d{5,6})\\.(?:ts|m4s))$`);
const ROOT_FILES: Record<string, MediaKind> = {
  "master.m3u8": "master",
  "poster.jpg": "image",
  "storyboard.jpg": "image",
  "storyboard.vtt": "vtt",
};
const THUMB = /^thumbs\/thumb_\d{3,5}\.jpg$/;

/**
 * Parses and validates a request path (without the query string). Returns
 * undefined for anything that is not one of the media layout's files; the
 * edge answers 404 to those.
 */
export function parseMediaPath(path: string): MediaPath | undefined {
  if (path.length > 400) return undefined;
  const prefix = PREFIX.exec(path);
  if (!prefix) return undefined;
  const videoId = prefix[1] as string;
  const token = prefix[2];
  const file = path.slice(prefix[0].length);
  const rootKind = ROOT_FILES[file];
  if (rootKind && Object.hasOwn(ROOT_FILES, file)) {
    return { videoId, token, file, kind: rootKind, rung: undefined, segmentIndex: undefined };
  }
  if (THUMB.test(file)) return { videoId, token, file, kind: "image", rung: undefined, segmentIndex: undefined };
  const rungFile = RUNG_FILE.exec(file);
  if (!rungFile) return undefined;
  const rung = rungFile[1];
  const name = rungFile[2] as string;
  if (rungFile[3] !== undefined) {
    return { videoId, token, file, kind: "segment", rung, segmentIndex: Number(rungFile[3]) };
  }
  return { videoId, token, file, kind: name === "init.mp4" ? "init" : "media-playlist", rung, segmentIndex: undefined };
}

/** The object key in the media bucket for a validated path. */
export function objectKey(videoId: string, file: string): string {
  return `videos/${videoId}/${file}`;
}

/** Whether a file name (relative to the video's folder) is one the edge serves. */
export function isServableFile(file: string): boolean {
  return parseMediaPath(`/v/00000000-0000-0000-0000-000000000000/${file}`) !== undefined;
}

/** Content type per kind. */
export function contentTypeOf(kind: MediaKind, file: string): string {
  switch (kind) {
    case "master":
    case "media-playlist":
      return "application/vnd.apple.mpegurl";
    case "segment":
      return file.endsWith(".m4s") ? "video/mp4" : "video/mp2t";
    case "init":
      return "video/mp4";
    case "image":
      return "image/jpeg";
    case "vtt":
      return "text/vtt; charset=utf-8";
  }
}
