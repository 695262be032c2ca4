/**
 * How long one transcode may take, and which sources are too long to take
 * at all. A fixed limit either cuts long videos off or lets a stuck short one
 * hold a worker for hours: the limit is a base (fetch, probe, images,
 * publishing) plus an allowance per second of source.
 */
export interface TimeLimits {
  /** Allowed whatever the source's length (TRANSCODER_JOB_TIMEOUT_MS). */
  baseMs: number;
  /** Allowed per second of source (TRANSCODER_JOB_MS_PER_SOURCE_SECOND). */
  perSourceSecondMs: number;
  /** Longest source accepted, in seconds (TRANSCODER_MAX_SOURCE_SECONDS). */
  maxSourceSeconds: number;
}

/** The time limit of a job whose source lasts `durationSeconds`. */
export function jobTimeLimitMs(limits: TimeLimits, durationSeconds: number): number {
  return Math.round(limits.baseMs + Math.max(0, durationSeconds) * limits.perSourceSecondMs);
}

/** Why a source is refused for its length, in words a person can read; undefined when it is accepted. */
export function tooLongReason(limits: TimeLimits, durationSeconds: number): string | undefined {
  if (durationSeconds <= limits.maxSourceSeconds) return undefined;
  return `the video is too long: ${formatDuration(durationSeconds)}, the longest accepted is ${formatDuration(limits.maxSourceSeconds)}`;
}

function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} min`;
  if (minutes > 0) return `${minutes} min ${String(rest).padStart(2, "0")} s`;
  return `${rest} s`;
}
