/**
 * ffprobe and ffmpeg as child processes: probing a source, and the
 * one-process HLS ladder encode, which also makes the stills (poster,
 * thumbnails, storyboard) from the frames it decodes anyway. Without the
 * stills, the same arguments are the benchmark's plain ffmpeg baseline.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Encoder, ImageOutputs, LadderJob } from "../domain/ports.ts";
import type { ProbeJson } from "../domain/source.ts";


/**
 * The container formats (demuxers) a video upload may be in. Anything else — above all
 * playlists (hls, concat) and image sequences, which make ffmpeg open further files or
 * URLs named inside the upload — is refused before a byte of it is demuxed.
 */
export const ALLOWED_DEMUXERS = ["mov", "mp4", "matroska", "webm", "avi", "mpegts", "mpeg", "flv", "ogg", "asf"] as const;

/**
 * Input options for an untrusted source: local files only (no http, tcp, data, pipe…),
 * and only the demuxers in ALLOWED_DEMUXERS.
 */
export const UNTRUSTED_INPUT_ARGS: readonly string[] = ["-protocol_whitelist", "file", "-format_whitelist", ALLOWED_DEMUXERS.join(",")];

/**
 * The whole environment of an ffmpeg or ffprobe child: a fixed search path and locale.
 * Nothing of the transcoder's own environment (MinIO keys, Kafka addresses) reaches a
 * process that parses untrusted files. FFMPEG_PATH/FFPROBE_PATH outside this path must be absolute.
 */
export const CHILD_ENV: Readonly<Record<string, string>> = { PATH: "/usr/local/bin:/usr/bin:/bin", LC_ALL: "C" };

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
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], env: CHILD_ENV });
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

/**
 * Longest ffprobe may take on one file. Probing reads a few MB of a local file, so a probe this
 * slow means a file crafted to keep the demuxer busy: it is treated as unreadable (a permanent
 * failure), not as an outage to retry.
 */
export const PROBE_TIMEOUT_MS = 60_000;

/** ffprobe's JSON for a file, or undefined when ffprobe cannot read it at all (or not within timeoutMs). */
export async function probeFile(paths: FfmpegPaths, file: string, signal?: AbortSignal, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeJson | undefined> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const { stdout } = await runProcess(
      paths.ffprobe,
      ["-v", "error", ...UNTRUSTED_INPUT_ARGS, "-print_format", "json", "-show_format", "-show_streams", file],
      { signal: signal ? AbortSignal.any([signal, timeout]) : timeout },
    );
    return JSON.parse(stdout) as ProbeJson;
  } catch (err) {
    if (err instanceof FfmpegError) return undefined;
    if (timeout.aborted && !signal?.aborted) return undefined;
    throw err;
  }
}

/** Options for the ladder's ffmpeg arguments. */
export interface LadderArgsOptions extends LadderJob {
  /** EVENT playlists (growing, for early playback) or plain VOD ones (the benchmark's baseline). */
  playlistType: "event" | "vod";
  /** Add `-progress pipe:1` (machine-readable progress on stdout). */
  progress: boolean;
}

/** A select expression: at most `count` frames, `gap` seconds apart, the first at or after `from` seconds. */
function selectEvery(count: number, gap: number, from = 0): string {
  return `select='lt(selected_n\\,${count})*gte(t-start_t\\,${from})*(isnan(prev_selected_t)+gte(t-prev_selected_t\\,${Math.max(0, gap - 0.05)}))'`;
}

function imageGraph(images: ImageOutputs): string[] {
  const board = images.storyboard;
  const size = `scale=${images.width}:${images.height}:flags=bicubic,setsar=1`;
  return [
    `[ip]${selectEvery(1, 0, images.posterAtSeconds)},${size}[poster]`,
    `[it]${selectEvery(images.thumbnailCount, images.thumbnailGapSeconds)},${size}[thumbs]`,
    `[ib]${selectEvery(board.count, board.interval)},scale=${board.tileWidth}:${board.tileHeight},setsar=1,tile=${board.columns}x${board.rows}[board]`,
  ];
}

function imageOutputArgs(images: ImageOutputs): string[] {
  const dir = images.outputDir;
  return [
    "-map", "[poster]", "-q:v", "3", "-update", "1", join(dir, "poster.jpg"),
    "-map", "[thumbs]", "-q:v", "4", "-fps_mode", "passthrough", "-start_number", "0", join(dir, "thumb_%03d.jpg"),
    "-map", "[board]", "-q:v", "5", "-update", "1", join(dir, "storyboard.jpg"),
  ];
}

/**
 * The ffmpeg arguments that encode the whole ladder in ONE process: the
 * source is decoded once, split, scaled per rung, and each rung is encoded
 * with libx264 (yuv420p, fixed GOP = fps × segment length, keyframes forced
 * at the same instants in every rung, no scene-cut keyframes) + AAC, into
 * HLS MPEG-TS segments `<rung>/seg_%05d.ts` and `<rung>/index.m3u8`; with
 * `images`, three more branches of the same split make the stills.
 * ffmpeg autorotates, so the scaled sizes follow the displayed orientation.
 */
export function ladderArgs(options: LadderArgsOptions): string[] {
  const { rungs, settings } = options;
  const seconds = settings.segmentSeconds;
  const gop = Math.max(1, Math.round(options.fps * seconds));
  const labels = [...rungs.map((_, index) => `s${index}`), ...(options.images ? ["ip", "it", "ib"] : [])];
  const graph = [
    `[0:v:0]split=${labels.length}${labels.map((label) => `[${label}]`).join("")}`,
    ...rungs.map((rung, index) => `[s${index}]scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1,format=yuv420p[v${index}]`),
    ...(options.images ? imageGraph(options.images) : []),
  ].join(";");
  const args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...UNTRUSTED_INPUT_ARGS, "-i", options.input, "-filter_complex", graph];
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
  if (options.images) args.push(...imageOutputArgs(options.images));
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

/** The encoder port (domain/ports.ts) on ffmpeg and ffprobe. */
export function createFfmpegEncoder(paths: FfmpegPaths): Encoder {
  return {
    probe: (file, signal) => probeFile(paths, file, signal),
    encodeLadder: (job, onProgress, signal) => encodeLadder(paths, { ...job, playlistType: "event", progress: true }, onProgress, signal),
  };
}
