/**
 * ffprobe and ffmpeg as child processes: probing a source, the one-process
 * HLS ladder encode (also used, unchanged, as the benchmark's plain ffmpeg
 * baseline), and the images pass (poster, thumbnails, storyboard).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Rung } from "../domain/ladder.ts";
import type { StoryboardLayout } from "../domain/hls.ts";
import type { ProbeJson } from "../domain/source.ts";

/** Where the binaries are. */
export interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
}

/** A child process that failed; `stderrTail` is for logs only, never for users. */
export class FfmpegError extends Error {
  override name = "FfmpegError";
  readonly stderrTail: string;
  readonly exitCode: number | null;
  constructor(message: string, exitCode: number | null, stderrTail: string) {
    super(message);
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

interface RunOptions {
  signal?: AbortSignal | undefined;
  onStdoutLine?: ((line: string) => void) | undefined;
}

/** Runs a binary to completion; rejects with FfmpegError on a non-zero exit, kills it on abort. */
export function runProcess(binary: string, args: readonly string[], options: RunOptions = {}): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("aborted"));
      return;
    }
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let partial = "";
    let stderr = "";
    const onAbort = () => child.kill("SIGKILL");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (!options.onStdoutLine) {
        stdout += chunk;
        return;
      }
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onStdoutLine(line);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on("error", (err) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(err);
    });
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (options.signal?.aborted) reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("aborted"));
      else if (code === 0) resolve({ stdout });
      else reject(new FfmpegError(`${binary} exited with status ${String(code)}`, code, stderr.trim()));
    });
  });
}

/** ffprobe's JSON for a file, or undefined when ffprobe cannot read it at all. */
export async function probeFile(paths: FfmpegPaths, file: string, signal?: AbortSignal): Promise<ProbeJson | undefined> {
  try {
    const { stdout } = await runProcess(
      paths.ffprobe,
      ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file],
      { signal },
    );
    return JSON.parse(stdout) as ProbeJson;
  } catch (err) {
    if (err instanceof FfmpegError) return undefined;
    throw err;
  }
}

/** Encoder settings shared by every rung. */
export interface EncodeSettings {
  /** Segment (and GOP) length in seconds. */
  segmentSeconds: number;
  /** x264 preset, for example "veryfast". */
  preset: string;
  crf: number;
}

/** Options for the ladder encode. */
export interface LadderArgsOptions {
  input: string;
  outputDir: string;
  rungs: readonly Rung[];
  hasAudio: boolean;
  fps: number;
  settings: EncodeSettings;
  /** EVENT playlists (growing, for early playback) or plain VOD ones (the benchmark's baseline). */
  playlistType: "event" | "vod";
  /** Add `-progress pipe:1` (machine-readable progress on stdout). */
  progress: boolean;
}

/**
 * The ffmpeg arguments that encode the whole ladder in ONE process: the
 * source is decoded once, split, scaled per rung, and each rung is encoded
 * with libx264 (yuv420p, fixed GOP = fps × segment length, keyframes forced
 * at the same instants in every rung, no scene-cut keyframes) + AAC, into
 * HLS MPEG-TS segments `<rung>/seg_%05d.ts` and `<rung>/index.m3u8`.
 * ffmpeg autorotates, so the scaled sizes follow the displayed orientation.
 */
export function ladderArgs(options: LadderArgsOptions): string[] {
  const { rungs, settings } = options;
  const seconds = settings.segmentSeconds;
  const gop = Math.max(1, Math.round(options.fps * seconds));
  const labels = rungs.map((_, index) => `s${index}`);
  const graph = [
    `[0:v:0]split=${rungs.length}${labels.map((label) => `[${label}]`).join("")}`,
    ...rungs.map((rung, index) => `[s${index}]scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1,format=yuv420p[v${index}]`),
  ].join(";");
  const args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", options.input, "-filter_complex", graph];
  rungs.forEach((rung, index) => {
    args.push("-map", `[v${index}]`);
    if (options.hasAudio) args.push("-map", "0:a:0");
    args.push(
      "-c:v", "libx264", "-preset", settings.preset, "-profile:v", "high", "-level:v", rung.level,
      "-crf", String(settings.crf), "-maxrate", String(rung.maxrate), "-bufsize", String(rung.bufsize),
      "-g", String(gop), "-keyint_min", String(gop), "-sc_threshold", "0",
      "-force_key_frames", `expr:gte(t,n_forced*${seconds})`,
    );
    if (options.hasAudio) args.push("-c:a", "aac", "-b:a", String(rung.audioBitrate), "-ac", "2", "-ar", "48000");
    args.push(
      "-max_muxing_queue_size", "4096",
      "-f", "hls", "-hls_time", String(seconds), "-hls_list_size", "0",
      ...(options.playlistType === "event" ? ["-hls_playlist_type", "event"] : ["-hls_playlist_type", "vod"]),
      "-hls_flags", "independent_segments+temp_file",
      "-hls_segment_filename", join(options.outputDir, rung.name, "seg_%05d.ts"),
      join(options.outputDir, rung.name, "index.m3u8"),
    );
  });
  if (options.progress) args.push("-progress", "pipe:1", "-nostats");
  return args;
}

/** Runs the ladder encode, reporting encoded seconds as ffmpeg goes. */
export async function encodeLadder(
  paths: FfmpegPaths,
  options: LadderArgsOptions,
  onProgress: (encodedSeconds: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  await runProcess(paths.ffmpeg, ladderArgs({ ...options, progress: true }), {
    signal,
    onStdoutLine(line) {
      const match = /^out_time_(?:us|ms)=(\d+)/.exec(line);
      if (match?.[1]) onProgress(Number(match[1]) / 1_000_000);
    },
  });
}

/** What the images pass makes. */
export interface ImagesOptions {
  /** A local media playlist of one rung (its keyframes are every segmentSeconds). */
  rungPlaylist: string;
  outputDir: string;
  duration: number;
  segmentSeconds: number;
  posterWidth: number;
  posterHeight: number;
  thumbnailCount: number;
  storyboard: StoryboardLayout;
}

/**
 * Makes the poster (the first keyframe at or after 10% of the video),
 * thumbnails (`thumb_000.jpg`…, evenly spread) and the storyboard sprite
 * (`storyboard.jpg`, one tile per `storyboard.interval` seconds) in one
 * ffmpeg run that decodes only the rung's keyframes: cheap next to the ladder.
 */
export async function makeImages(paths: FfmpegPaths, options: ImagesOptions, signal?: AbortSignal): Promise<{ thumbnails: string[] }> {
  const step = options.segmentSeconds;
  const posterAt = Math.floor((options.duration * 0.1) / step) * step;
  const thumbGap = Math.max(step, Math.floor(options.duration / options.thumbnailCount / step) * step);
  const board = options.storyboard;
  const every = (gap: number) => `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${gap - 0.05})'`;
  const graph = [
    "[0:v:0]split=3[p][t][b]",
    `[p]select='gte(t\\,${Math.max(0, posterAt - 0.05)})',scale=${options.posterWidth}:${options.posterHeight}[poster]`,
    `[t]${every(thumbGap)},scale=${options.posterWidth}:${options.posterHeight}[thumbs]`,
    `[b]${every(board.interval)},scale=${board.tileWidth}:${board.tileHeight},setsar=1,tile=${board.columns}x${board.rows}[board]`,
  ].join(";");
  await runProcess(
    paths.ffmpeg,
    [
      "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
      "-skip_frame", "nokey", "-i", options.rungPlaylist,
      "-filter_complex", graph,
      "-map", "[poster]", "-frames:v", "1", "-q:v", "3", "-update", "1", join(options.outputDir, "poster.jpg"),
      "-map", "[thumbs]", "-frames:v", String(options.thumbnailCount), "-q:v", "4", "-fps_mode", "vfr", "-start_number", "0", join(options.outputDir, "thumb_%03d.jpg"),
      "-map", "[board]", "-frames:v", "1", "-q:v", "5", "-update", "1", join(options.outputDir, "storyboard.jpg"),
    ],
    { signal },
  );
  const { readdir } = await import("node:fs/promises");
  const thumbnails = (await readdir(options.outputDir)).filter((name) => /^thumb_\d{3}\.jpg$/.test(name)).sort();
  return { thumbnails };
}
