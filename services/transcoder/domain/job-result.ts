/** What a transcode job reports and stores, and the errors it ends with. */

/** Progress as the job goes: percent encoded, and the rungs playable so far. */
export type ProgressListener = (percent: number, playable: readonly string[]) => void;

/** A finished rung, as video.transcoded reports it. */
export interface RenditionResult {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  codecs: string;
  /** Relative to the video's folder, for example "720p/index.m3u8". */
  playlistPath: string;
}

/** What a finished job stored. All keys are in the media bucket. */
export interface TranscodeResult {
  durationSeconds: number;
  renditions: RenditionResult[];
  masterKey: string;
  posterKey: string;
  thumbnailKeys: string[];
  storyboardSpriteKey: string;
  storyboardVttKey: string;
  /** Wall time of each phase in ms (for logs: where a job's time went). */
  phasesMs: { fetch: number; probe: number; encode: number; images: number; finish: number };
}

/** The media bucket folder of a video. */
export function videoPrefix(videoId: string): string {
  return `videos/${videoId}/`;
}

/** The job ran past its time limit (not an outage: a failed attempt). */
export class JobTimeLimitError extends Error {
  override name = "JobTimeLimitError";
  constructor(limitMs: number) {
    super(`the job took longer than its time limit (${Math.round(limitMs / 1000)} s)`);
  }
}

