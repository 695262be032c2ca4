/**
 * One transcode job: source from MinIO → ffprobe → the whole ladder in one
 * ffmpeg process → segments published to MinIO while they are written →
 * final VOD playlists; the same ffmpeg run writes the poster, thumbnails
 * and storyboard from the frames it decodes.
 *
 * Why this shape: one ffmpeg process decodes the source once for every
 * rung, so the ladder costs what the plain ffmpeg command costs (a "fast low
 * rung first" pass would decode twice and encode the low rung twice, i.e.
 * cost more than 1.1x). Since all rungs advance together and segments are
 * 2 s, every rung has its first segment a few seconds in. Measured with
 * bench/pipeline on the shared 2-core machine (60 s 1080p30 source, 5 rungs,
 * load average 10-15 from other work): plain ffmpeg 179 s, pipeline 163 s
 * FinishUpload → video.transcoded (wall times are dominated by the other
 * load, so the ratio is only "about 1"), first playable rung after 9.7 s at
 * 4% encoded. Segments are 2 s (the shortest allowed) so the first one needs
 * only 2 s of encoded video.
 *
 * Publication order is what keeps players safe: a segment is uploaded first,
 * then the media playlist naming it, then (once) the master naming that
 * playlist. A re-run (after SIGKILL, or a redelivered event) writes the same
 * keys; segment n always covers the same time span (keyframes are forced at
 * multiples of the segment length), and a rung's playlist is not republished
 * until the re-run has at least as many stored segments as the playlist
 * already published names (a finished one is left alone until the end), so
 * no published playlist ever names a missing one.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../../lib/logger.ts";
import { ATTR_VIDEO_ID, phaseSpans } from "../../../lib/telemetry/spans.ts";
import { encodeLadder, listThumbnails, probeFile, type EncodeSettings, type FfmpegPaths, type ImageOutputs } from "../adapters/ffmpeg.ts";
import type { MediaStore } from "../adapters/media-store.ts";
import {
  measureBandwidth,
  parseMediaPlaylist,
  planStoryboard,
  renderMasterPlaylist,
  renderMediaPlaylist,
  renderStoryboardVtt,
  type Segment,
  type Variant,
} from "../domain/hls.ts";
import { codecsFor, nominalBandwidth, planLadder, type Rung } from "../domain/ladder.ts";
import { interpretProbe, UnplayableSourceError } from "../domain/source.ts";
import { jobTimeLimitMs, tooLongReason, type TimeLimits } from "../domain/time-limit.ts";

/** What the job needs from outside. */
export interface TranscodeJobDeps {
  store: MediaStore;
  ffmpeg: FfmpegPaths;
  settings: EncodeSettings;
  /** Folder for per-job temporary folders (deleted after each job). */
  workRoot: string;
  logger: Logger;
  /** The job's time limit (scaled by the source's length) and the longest source accepted. */
  limits?: TimeLimits;
}

/** A job's input: the uploaded source. */
export interface TranscodeJobInput {
  videoId: string;
  sourceBucket: string;
  sourceKey: string;
}

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

interface StoredSegment extends Segment {
  bytes: number;
}

/** Runs one job to the end; throws UnplayableSourceError for input no retry can fix. */
export async function runTranscodeJob(deps: TranscodeJobDeps, input: TranscodeJobInput, onProgress: ProgressListener, outerSignal: AbortSignal): Promise<TranscodeResult> {
  const { store, logger } = deps;
  // The job's own time limit: the base until the source's length is known, then scaled by it.
  const limit = new AbortController();
  const signal = AbortSignal.any([outerSignal, limit.signal]);
  const startedAt = Date.now();
  let limitTimer: NodeJS.Timeout | undefined;
  const setLimit = (ms: number) => {
    clearTimeout(limitTimer);
    limitTimer = setTimeout(() => limit.abort(new JobTimeLimitError(ms)), Math.max(0, ms - (Date.now() - startedAt)));
  };
  if (deps.limits) setLimit(deps.limits.baseMs);
  const prefix = videoPrefix(input.videoId);
  const phasesMs = { fetch: 0, probe: 0, encode: 0, images: 0, finish: 0 };
  // Each phase is also a span: transcode.fetch, .probe, .encode, .images, .finish (in Jaeger under "transcode").
  const spans = phaseSpans("transcode", { [ATTR_VIDEO_ID]: input.videoId });
  let phaseStart = performance.now();
  const endPhase = (phase: keyof typeof phasesMs, next?: keyof typeof phasesMs, attributes?: Record<string, string | number>) => {
    const at = performance.now();
    phasesMs[phase] = Math.round(at - phaseStart);
    phaseStart = at;
    if (next) spans.next(next, attributes);
    else spans.end();
  };
  spans.next("fetch");
  try {
    return await runPhases();
  } catch (err) {
    spans.end(err);
    // ffmpeg killed by the limit reports its own error: say what really happened.
    if (limit.signal.aborted) throw limit.signal.reason as JobTimeLimitError;
    throw err;
  } finally {
    clearTimeout(limitTimer);
  }

  async function runPhases(): Promise<TranscodeResult> {
    const size = await store.sourceSize(input.sourceBucket, input.sourceKey);
    if (size === undefined) throw new UnplayableSourceError("the uploaded file is missing");
    if (size === 0) throw new UnplayableSourceError("the file is empty");

    await mkdir(deps.workRoot, { recursive: true });
    const dir = await mkdtemp(join(deps.workRoot, `job-${input.videoId}-`));
    try {
      const sourceFile = join(dir, "source");
      await store.downloadSource(input.sourceBucket, input.sourceKey, sourceFile);
      signal.throwIfAborted();
      endPhase("fetch", "probe");
      const probe = await probeFile(deps.ffmpeg, sourceFile, signal);
      if (!probe) throw new UnplayableSourceError("the file is not a video that can be read (unknown or damaged format)");
      const source = interpretProbe(probe, size);
      if (deps.limits) {
        const tooLong = tooLongReason(deps.limits, source.duration);
        if (tooLong) throw new UnplayableSourceError(tooLong);
        setLimit(jobTimeLimitMs(deps.limits, source.duration));
      }
      const rungs = planLadder(source);
      endPhase("probe", "encode", { "transcode.rungs": rungs.map((rung) => rung.name).join(","), "transcode.source_seconds": source.duration });
      logger.info({ videoId: input.videoId, source, rungs: rungs.map((rung) => rung.name) }, "transcoding");

      const outDir = join(dir, "out");
      for (const rung of rungs) await mkdir(join(outDir, rung.name), { recursive: true });
      const imageRung = rungs.find((rung) => Math.min(rung.width, rung.height) <= 720) ?? rungs[rungs.length - 1];
      if (!imageRung) throw new Error("empty ladder");

      const images = planImages(join(dir, "images"), imageRung, source.duration, deps.settings.segmentSeconds);
      await mkdir(images.outputDir, { recursive: true });

      const publishers = await Promise.all(rungs.map((rung) => createRungPublisher(deps, prefix, outDir, rung)));
      const variants = (measured: boolean): Variant[] =>
        publishers
          .filter((publisher) => publisher.playable())
          .map((publisher) => {
            const bandwidth = measured ? measureBandwidth(publisher.stored) : undefined;
            return {
              uri: `${publisher.rung.name}/index.m3u8`,
              bandwidth: bandwidth?.peak ?? nominalBandwidth(publisher.rung, source.hasAudio),
              ...(bandwidth ? { averageBandwidth: bandwidth.average } : {}),
              width: publisher.rung.width,
              height: publisher.rung.height,
              codecs: codecsFor(publisher.rung, source.hasAudio),
              frameRate: source.fps,
            };
          });

      // Every run starts with a 0% report (so a redone job is visible as a second run).
      onProgress(0, []);
      let encoded = 0;
      let lastPercent = 0;
      let lastPlayable = "";
      const report = () => {
        const percent = Math.min(99, Math.floor((encoded / source.duration) * 100));
        const playable = publishers.filter((publisher) => publisher.playable()).map((publisher) => publisher.rung.name);
        const key = playable.join(",");
        if (percent >= lastPercent + 5 || key !== lastPlayable) {
          lastPercent = percent;
          lastPlayable = key;
          onProgress(percent, playable);
        }
      };

      let masterCount = 0;
      const syncAll = async (final: boolean) => {
        await Promise.all(publishers.map((publisher) => publisher.sync(final)));
        const playable = publishers.filter((publisher) => publisher.playable()).length;
        if (playable > masterCount) {
          masterCount = playable;
          await store.putText(`${prefix}master.m3u8`, renderMasterPlaylist(variants(false)));
        }
        report();
      };

      // The watcher failing (MinIO unreachable) stops ffmpeg too; ffmpeg failing stops the watcher.
      const local = new AbortController();
      const jobSignal = AbortSignal.any([signal, local.signal]);
      let finished = false;
      const encoding = encodeLadder(
        deps.ffmpeg,
        { input: sourceFile, outputDir: outDir, rungs, hasAudio: source.hasAudio, fps: source.fps, settings: deps.settings, playlistType: "event", progress: true, images },
        (seconds) => {
          encoded = seconds;
        },
        jobSignal,
      ).finally(() => {
        finished = true;
      });
      const watching = (async () => {
        while (!finished) {
          await syncAll(false);
          await sleep(200);
        }
      })().catch((err: unknown) => {
        local.abort(err);
        throw err;
      });
      const outcomes = await Promise.allSettled([watching, encoding]);
      for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
      signal.throwIfAborted();
      await syncAll(false);

      const first = publishers[0];
      const encodedSeconds = first ? first.stored.reduce((sum, segment) => sum + segment.duration, 0) : 0;
      if (encodedSeconds < Math.min(source.duration * 0.9, source.duration - 1)) {
        throw new UnplayableSourceError(
          `the file is truncated or damaged: only ${encodedSeconds.toFixed(1)} s of its ${source.duration.toFixed(1)} s could be decoded`,
        );
      }

      endPhase("encode", "images");
      const stills = await storeImages(deps, prefix, images, encodedSeconds);
      endPhase("images", "finish");
      for (const publisher of publishers) await publisher.sync(true);
      await store.putText(`${prefix}master.m3u8`, renderMasterPlaylist(variants(true)));
      endPhase("finish");

      return {
        durationSeconds: encodedSeconds,
        renditions: publishers.map((publisher) => ({
          name: publisher.rung.name,
          width: publisher.rung.width,
          height: publisher.rung.height,
          bandwidth: measureBandwidth(publisher.stored).peak,
          codecs: codecsFor(publisher.rung, source.hasAudio),
          playlistPath: `${publisher.rung.name}/index.m3u8`,
        })),
        masterKey: `${prefix}master.m3u8`,
        ...stills,
        phasesMs,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

interface RungPublisher {
  rung: Rung;
  stored: StoredSegment[];
  /** True once a playlist of this rung naming at least one segment is in MinIO. */
  playable(): boolean;
  /** Uploads newly finished segments, then republishes the playlist (VOD with ENDLIST when final). */
  sync(final: boolean): Promise<void>;
}

async function createRungPublisher(deps: TranscodeJobDeps, prefix: string, outDir: string, rung: Rung): Promise<RungPublisher> {
  const key = `${prefix}${rung.name}/index.m3u8`;
  // A playlist left by an earlier run of this job names segments that exist; keep it until we store as many.
  const previous = await deps.store.getText(key);
  const parsed = previous ? parseMediaPlaylist(previous) : undefined;
  const floor = parsed?.segments.length ?? 0;
  // A finished playlist (a redelivered job) stays as it is until this run's own final version.
  const keepUntilFinal = parsed?.ended ?? false;
  const stored: StoredSegment[] = [];
  let published = 0;
  const local = join(outDir, rung.name);
  return {
    rung,
    stored,
    playable: () => published > 0 || floor > 0,
    async sync(final) {
      let text: string;
      try {
        text = await readFile(join(local, "index.m3u8"), "utf8");
      } catch {
        return; // ffmpeg has not written the playlist yet
      }
      const { segments } = parseMediaPlaylist(text);
      for (const segment of segments.slice(stored.length)) {
        if (segment.uri.includes("/") || segment.uri.includes("..")) throw new Error(`unexpected segment name ${segment.uri}`);
        const file = join(local, segment.uri);
        const bytes = await deps.store.putFile(`${prefix}${rung.name}/${segment.uri}`, file);
        stored.push({ ...segment, bytes });
        await rm(file, { force: true });
      }
      if (final || (!keepUntilFinal && stored.length > published && stored.length >= floor)) {
        await deps.store.putText(key, renderMediaPlaylist({ segments: stored, targetSeconds: deps.settings.segmentSeconds, complete: final }));
        published = stored.length;
      }
    },
  };
}

/** Where and how the encode makes the stills: sized like the image rung (at most 720p). */
function planImages(outputDir: string, rung: Rung, duration: number, segmentSeconds: number): ImageOutputs {
  const thumbnailCount = 5;
  return {
    outputDir,
    width: rung.width,
    height: rung.height,
    // The poster at 10% of the video, on a segment boundary (a keyframe of every rung).
    posterAtSeconds: Math.floor((duration * 0.1) / segmentSeconds) * segmentSeconds,
    thumbnailCount,
    thumbnailGapSeconds: Math.max(segmentSeconds, Math.floor(duration / thumbnailCount / segmentSeconds) * segmentSeconds),
    storyboard: planStoryboard(duration, rung.width, rung.height, segmentSeconds),
  };
}

/** Uploads the stills the encode wrote, and the storyboard's WebVTT. */
async function storeImages(
  deps: TranscodeJobDeps,
  prefix: string,
  images: ImageOutputs,
  duration: number,
): Promise<Pick<TranscodeResult, "posterKey" | "thumbnailKeys" | "storyboardSpriteKey" | "storyboardVttKey">> {
  const posterKey = `${prefix}poster.jpg`;
  const storyboardSpriteKey = `${prefix}storyboard.jpg`;
  const storyboardVttKey = `${prefix}storyboard.vtt`;
  await deps.store.putFile(posterKey, join(images.outputDir, "poster.jpg"));
  const thumbnailKeys: string[] = [];
  for (const name of await listThumbnails(images.outputDir)) {
    const key = `${prefix}thumbs/${name}`;
    await deps.store.putFile(key, join(images.outputDir, name));
    thumbnailKeys.push(key);
  }
  await deps.store.putFile(storyboardSpriteKey, join(images.outputDir, "storyboard.jpg"));
  await deps.store.putText(storyboardVttKey, renderStoryboardVtt(images.storyboard, duration, "storyboard.jpg"));
  return { posterKey, thumbnailKeys, storyboardSpriteKey, storyboardVttKey };
}
