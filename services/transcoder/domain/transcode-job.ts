/**
 * The transcode use case: source from the media store → probe → the whole
 * ladder in one encoder run (which also makes the stills from the frames it
 * decodes) → segments published while they are written → final VOD
 * playlists and the master.
 *
 * Why one encoder run: the source is decoded once for every rung, so the
 * ladder costs what the plain ffmpeg command costs; all rungs advance
 * together, and with 2 s segments every rung has its first segment a few
 * seconds in (bench/pipeline measures both).
 *
 * Publication order keeps players safe (domain/rung-publisher.ts): a segment
 * is uploaded first, then the media playlist naming it, then (once) the master
 * naming that playlist. A re-run (after SIGKILL, or a redelivered event)
 * writes the same keys, and segment n always covers the same time span
 * (keyframes are forced at multiples of the segment length).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../../lib/logger.ts";
import { ATTR_VIDEO_ID, phaseSpans } from "../../../lib/telemetry/spans.ts";
import { measureBandwidth, renderMasterPlaylist, type Variant } from "./hls.ts";
import { JobTimeLimitError, videoPrefix, type ProgressListener, type TranscodeResult } from "./job-result.ts";
import { codecsFor, nominalBandwidth, planLadder } from "./ladder.ts";
import type { EncodeSettings, Encoder, MediaStore } from "./ports.ts";
import { createRungPublisher } from "./rung-publisher.ts";
import { interpretProbe, UnplayableSourceError } from "./source.ts";
import { planImages, storeImages } from "./stills.ts";
import { jobTimeLimitMs, tooLongReason, type TimeLimits } from "./time-limit.ts";

/** What the job needs from outside. */
export interface TranscodeJobDeps {
  store: MediaStore;
  encoder: Encoder;
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
      const probe = await deps.encoder.probe(sourceFile, signal);
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

      const publishers = await Promise.all(rungs.map((rung) => createRungPublisher({ store, segmentSeconds: deps.settings.segmentSeconds }, prefix, outDir, rung)));
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
      const encoding = deps.encoder.encodeLadder(
        { input: sourceFile, outputDir: outDir, rungs, hasAudio: source.hasAudio, fps: source.fps, settings: deps.settings, images },
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
      const stills = await storeImages(store, prefix, images, encodedSeconds);
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
