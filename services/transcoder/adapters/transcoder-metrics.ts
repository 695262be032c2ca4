/** The transcoder's OpenTelemetry metrics: jobs by outcome, job duration, queue time, time to first playable rung. */
import { serviceMeter } from "../../../lib/telemetry/metrics.ts";

/** How a job ended. */
export type JobOutcome = "transcoded" | "unplayable" | "error";

/** Records job metrics; a no-op unless OTLP export is configured. */
export interface TranscoderMetrics {
  jobEnded(outcome: JobOutcome, seconds: number): void;
  firstPlayable(seconds: number): void;
  /** From FinishUpload (the event's upload_time) to the first attempt's start. */
  queued(seconds: number): void;
}

/** Creates the transcoder's instruments. */
export function createTranscoderMetrics(): TranscoderMetrics {
  const meter = serviceMeter("transcoder");
  const jobs = meter.createCounter("xtream.transcoder.jobs", { description: "Transcode job attempts, by outcome" });
  const duration = meter.createHistogram("xtream.transcoder.job.duration", { unit: "s", description: "Wall time of a transcode job attempt" });
  const playable = meter.createHistogram("xtream.transcoder.first_playable", { unit: "s", description: "From job start to the first playable rung" });
  const queue = meter.createHistogram("xtream.transcoder.queue_time", {
    unit: "s",
    description: "From FinishUpload to the start of the transcode (outbox relay, Kafka, waiting for a worker)",
    advice: { explicitBucketBoundaries: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800] },
  });
  return {
    queued(seconds) {
      queue.record(seconds);
    },
    jobEnded(outcome, seconds) {
      jobs.add(1, { outcome });
      duration.record(seconds, { outcome });
    },
    firstPlayable(seconds) {
      playable.record(seconds);
    },
  };
}
