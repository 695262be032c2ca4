/**
 * What the transcode use case needs from outside: a media store (MinIO in
 * adapters/media-store.ts) and an encoder (ffmpeg in adapters/ffmpeg.ts).
 */
import type { StoryboardLayout } from "./hls.ts";
import type { Rung } from "./ladder.ts";
import type { ProbeJson } from "./source.ts";

/** Reads sources and writes media objects. */
export interface MediaStore {
  /** Size of a source object, or undefined when it does not exist. */
  sourceSize(bucket: string, key: string): Promise<number | undefined>;
  /** Downloads a source object to a local file. */
  downloadSource(bucket: string, key: string, file: string): Promise<void>;
  /** Uploads a local file to the media bucket; resolves with its size. */
  putFile(key: string, file: string): Promise<number>;
  /** Writes a small text object (a playlist, a WebVTT file) to the media bucket. */
  putText(key: string, text: string): Promise<void>;
  /** Reads a text object of the media bucket, or undefined when absent. */
  getText(key: string): Promise<string | undefined>;
  /** Removes every object under a prefix of the media bucket. */
  removePrefix(prefix: string): Promise<void>;
  /** Whether the video was deleted (its tombstone exists: lib/storage/media-keys.ts). */
  isDeleted(videoId: string): Promise<boolean>;
}

/** Encoder settings shared by every rung. */
export interface EncodeSettings {
  /** Segment (and GOP) length in seconds. */
  segmentSeconds: number;
  /** x264 preset, for example "veryfast". */
  preset: string;
  crf: number;
}

/**
 * Stills taken from the decoded source inside the ladder run: `poster.jpg`
 * (the first frame at or after posterAtSeconds), `thumb_000.jpg`… (up to
 * thumbnailCount, thumbnailGapSeconds apart, from the start) and
 * `storyboard.jpg` (one tile every storyboard.interval seconds).
 */
export interface ImageOutputs {
  outputDir: string;
  /** Size of the poster and thumbnails. */
  width: number;
  height: number;
  posterAtSeconds: number;
  thumbnailCount: number;
  thumbnailGapSeconds: number;
  storyboard: StoryboardLayout;
}

/** One ladder encode: every rung as HLS under `<outputDir>/<rung>/` (index.m3u8 + seg_%05d.ts). */
export interface LadderJob {
  /** A local file holding the untrusted upload. */
  input: string;
  outputDir: string;
  rungs: readonly Rung[];
  hasAudio: boolean;
  fps: number;
  settings: EncodeSettings;
  /** Also write the stills; omitted, only the ladder is encoded. */
  images?: ImageOutputs | undefined;
}

/** Probes and encodes untrusted sources. */
export interface Encoder {
  /** What the file holds, or undefined when it is not a media file this encoder may read. */
  probe(file: string, signal?: AbortSignal): Promise<ProbeJson | undefined>;
  /** Encodes the ladder into growing (EVENT) playlists, reporting encoded seconds as it goes. */
  encodeLadder(job: LadderJob, onProgress: (encodedSeconds: number) => void, signal?: AbortSignal): Promise<void>;
}
