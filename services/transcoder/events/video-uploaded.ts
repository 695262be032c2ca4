/**
 * The transcoder's entry in the typed Kafka registry: `video.uploaded` →
 * a transcode job, with `video.progress`, `video.transcoded` and, when every
 * attempt failed, `video.failed` with a reason a person can read.
 */
import { randomUUID } from "node:crypto";
import { durationFromMs, timestampDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { eventHandler, PermanentError, type EventHandler, type EventMeta, type EventProducer } from "../../../lib/kafka/index.ts";
import type { Logger } from "../../../lib/logger.ts";
import { ATTR_VIDEO_ID, inSpan } from "../../../lib/telemetry/spans.ts";
import type { VideoUploaded } from "../../../gen/xtream/events/v1/video_events_pb.js";
import { createTranscoderMetrics } from "../adapters/transcoder-metrics.ts";
import { UnplayableSourceError } from "../domain/source.ts";
import { videoPrefix } from "../domain/job-result.ts";
import { runTranscodeJob, type TranscodeJobDeps } from "../domain/transcode-job.ts";
import type { TranscoderTopics } from "./topics.ts";

/** Options for the video.uploaded handler. */
export interface VideoUploadedHandlerOptions {
  job: TranscodeJobDeps;
  producer: EventProducer;
  topics: TranscoderTopics;
  logger: Logger;
  /** Attempts for a failure of unknown kind before the dead-letter topic (outages are waited out, bad input fails at once). */
  attempts: number;
  /** Limit for one attempt. */
  timeoutMs: number;
  backoffMs: number;
  /** Told when a job starts and ends (metrics, tests). */
  onJob?: (videoId: string, phase: "start" | "done" | "error") => void;
  /** Take only the events this accepts; the others are skipped. */
  accept?: (event: VideoUploaded) => boolean;
}

// Video ids become object keys and folder names: accept only plain ids.
const VIDEO_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** What video.failed says for a failure that is not the file's fault. */
export const TRANSIENT_FAILURE_REASON = "the video could not be processed; please try uploading it again later";

/** Builds the registry entry for video.uploaded. */
export function createVideoUploadedHandler(options: VideoUploadedHandlerOptions): EventHandler {
  const { producer, topics } = options;
  const metrics = createTranscoderMetrics();
  /** One attempt: the job, its progress events and video.transcoded. */
  const transcode = async (event: VideoUploaded, meta: EventMeta, log: Logger) => {
    options.onJob?.(event.videoId, "start");
    const started = performance.now();
    let playableSeen = false;
    // Progress events are best effort and sent in order; the job never waits for Kafka.
    let progressChain = Promise.resolve();
    const sendProgress = (percent: number, playable: readonly string[]) => {
      if (!playableSeen && playable.length > 0) {
        playableSeen = true;
        metrics.firstPlayable((performance.now() - started) / 1000);
      }
      progressChain = progressChain.then(() =>
        producer
          .publish(topics.videoProgress, event.videoId, {
            videoId: event.videoId,
            percent,
            playableRenditions: [...playable],
            eventId: randomUUID(),
            eventTime: timestampNow(),
          })
          .catch((err: unknown) => log.warn({ err }, "could not publish progress")),
      );
    };
    try {
      const result = await runTranscodeJob(
        options.job,
        { videoId: event.videoId, sourceBucket: event.sourceBucket, sourceKey: event.sourceKey },
        sendProgress,
        meta.signal,
      );
      // Deleted while it was transcoding (its objects may already have been purged): take back what it published.
      if (await options.job.store.isDeleted(event.videoId)) {
        await options.job.store.removePrefix(videoPrefix(event.videoId));
        options.onJob?.(event.videoId, "done");
        log.info("the video was deleted while transcoding; its outputs were removed");
        return;
      }
      sendProgress(100, result.renditions.map((rendition) => rendition.name));
      await progressChain;
      await inSpan("transcode.publish", { [ATTR_VIDEO_ID]: event.videoId, "messaging.destination.name": topics.videoTranscoded.name }, () =>
        producer.publish(topics.videoTranscoded, event.videoId, {
          videoId: event.videoId,
          duration: durationFromMs(Math.round(result.durationSeconds * 1000)),
          renditions: result.renditions.map((rendition) => ({ ...rendition, bandwidth: BigInt(rendition.bandwidth) })),
          masterPlaylistKey: result.masterKey,
          posterKey: result.posterKey,
          thumbnailKeys: result.thumbnailKeys,
          storyboardSpriteKey: result.storyboardSpriteKey,
          storyboardVttKey: result.storyboardVttKey,
          eventId: randomUUID(),
          eventTime: timestampNow(),
        }),
      );
      options.onJob?.(event.videoId, "done");
      metrics.jobEnded("transcoded", (performance.now() - started) / 1000);
      log.info({ duration: result.durationSeconds, renditions: result.renditions.length, phasesMs: result.phasesMs }, "transcoded");
    } catch (err) {
      await progressChain;
      options.onJob?.(event.videoId, "error");
      metrics.jobEnded(err instanceof UnplayableSourceError ? "unplayable" : "error", (performance.now() - started) / 1000);
      if (err instanceof UnplayableSourceError) throw new PermanentError(err.message, { cause: err });
      // The job's own time limit is not an outage to wait out: it counts as a failed attempt (no cause, so it is not classified as one).
      // eslint-disable-next-line preserve-caught-error -- a cause would make classifyError see the TimeoutError and wait
      if ((meta.signal.reason as Error | undefined)?.name === "TimeoutError") throw new Error("the job took longer than its time limit");
      throw err;
    }
  };

  return eventHandler({
    topic: topics.videoUploaded,
    attempts: options.attempts,
    timeoutMs: options.timeoutMs,
    backoffMs: options.backoffMs,
    async handle(event, meta) {
      if (options.accept && !options.accept(event)) return;
      if (!VIDEO_ID.test(event.videoId)) throw new PermanentError("the event has no valid video id");
      if (!event.sourceBucket || !event.sourceKey) throw new PermanentError("the event names no source file");
      const log = options.logger.child({ videoId: event.videoId, attempt: meta.attempt });
      // A redelivered (or late) video.uploaded of a deleted video publishes nothing.
      if (await options.job.store.isDeleted(event.videoId)) {
        log.info("the video was deleted; nothing to transcode");
        return;
      }
      // From FinishUpload to this attempt's start: the outbox relay, Kafka and the wait for a free worker.
      if (meta.attempt === 1 && event.uploadTime) metrics.queued(Math.max(0, Date.now() - timestampDate(event.uploadTime).getTime()) / 1000);
      const attributes = { [ATTR_VIDEO_ID]: event.videoId, "transcode.attempt": meta.attempt, "transcode.source_bytes": Number(event.sizeBytes) };
      await inSpan("transcode", attributes, () => transcode(event, meta, log));
    },
    async onFinalFailure(event, error, meta) {
      if (!event || !VIDEO_ID.test(event.videoId)) return;
      // Nothing half-written stays visible: clear whatever this video's attempts stored.
      await options.job.store.removePrefix(videoPrefix(event.videoId)).catch((err: unknown) => {
        options.logger.warn({ err, videoId: event.videoId }, "could not clear a failed video's outputs");
      });
      const reason = error instanceof PermanentError ? error.message : TRANSIENT_FAILURE_REASON;
      await producer.publish(topics.videoFailed, event.videoId, {
        videoId: event.videoId,
        reason,
        attempts: meta.attempt,
        eventId: randomUUID(),
        eventTime: timestampNow(),
      });
    },
  });
}
