/** The transcoder's OpenTelemetry metrics: jobs by outcome, job duration, time to first playable rung. */
import { serviceMeter } from "../../../lib/telemetry/metrics.ts";

/** How a job ended. */
export type JobOutcome = "transcoded" | "unplayable" | "error";

/** Records job metrics; a no-op unless OTLP export is configured. */
export interface TranscoderMetrics {
  jobEnded(outcome: JobOutcome, seconds: number): void;
  firstPlayable(seconds: number): void;
}

/** Creates the transcoder's instruments. */
export function createTranscoderMetrics(): TranscoderMetrics {
  const meter = serviceMeter("transcoder");
  const jobs = meter.createCounter("xtream.transcoder.jobs", { description: "Transcode job attempts, by outcome" });
  const duration = meter.createHistogram("xtream.transcoder.job.duration", { unit: "s", description: "Wall time of a transcode job attempt" });
  const playable = meter.createHistogram("xtream.transcoder.first_playable", { unit: "s", description: "From job start to the first playable rung" });
  return {
    jobEnded(outcome, seconds) {
      jobs.add(1, { outcome });
      duration.record(seconds, { outcome });
    },
    firstPlayable(seconds) {
      playable.record(seconds);
    },
  };
}
