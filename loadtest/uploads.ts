// uploads: concurrent resumable uploads through the gateway while viewers play.
// The viewers run for the whole time; uploads start a third of the way in, so
// the segment p99 before and during the uploads come from the same run.
// The uploaded files are generated random bytes, not video: the transcoder
// turns each away after one ffprobe, so the scenario loads the upload path
// (gateway → upload → MinIO multipart, outbox) and not transcoding; the videos
// are deleted at the end.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConnectError } from "@connectrpc/connect";
import { bearer, createPublicApi } from "./lib/api.ts";
import { ensureCatalogue } from "./lib/catalogue.ts";
import { edgeNotes } from "./lib/edge-metrics.ts";
import type { Row, ScenarioResult } from "./lib/report.ts";
import { DATA_DIR, latencyScale, log } from "./lib/run-tools.ts";
import { uploadFile } from "./lib/upload.ts";
import type { ScenarioOptions } from "./run.ts";
import { edgeJson, playViewers, SEGMENT_P99_MS } from "./viewers.ts";

/** Concurrent uploaders, the file size, and at most this many uploads each (bounded in count as in time). */
const UPLOADERS = 3;
const FILE_MIB = 20;
const MAX_UPLOADS_EACH = 10;
/** Healthy: every upload completes, at no less than this many MiB/s in all. */
const MIN_MIB_PER_SECOND = 2;

export async function uploads(options: ScenarioOptions): Promise<ScenarioResult> {
  const catalogue = options.catalogue ?? (await ensureCatalogue({ gatewayUrl: options.targets.gatewayUrl, clips: options.clips }));
  const durationSeconds = options.durationSeconds ?? 30;
  const file = join(DATA_DIR, `upload-${FILE_MIB}MiB.bin`);
  if (!existsSync(file)) {
    await mkdir(DATA_DIR, { recursive: true });
    await writeFile(file, randomBytes(FILE_MIB * 2 ** 20));
  }
  // k6 takes about a second to start; uploads begin a third of the way into its run.
  const uploadsStart = Date.now() + 1500 + (durationSeconds * 1000) / 3;
  const uploadsEnd = Date.now() + 1000 + durationSeconds * 1000 - 2000;

  const api = createPublicApi(options.targets.gatewayUrl);
  const token = catalogue.owner.accessToken;
  const done: { ms: number; bytes: number }[] = [];
  const errors: Record<string, number> = {};
  const videoIds: string[] = [];
  let firstStart = 0;
  let lastEnd = 0;
  const uploader = async (worker: number) => {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, uploadsStart - Date.now())));
    for (let n = 0; n < (options.uploadsEach ?? MAX_UPLOADS_EACH) && Date.now() < uploadsEnd; n++) {
      const started = Date.now();
      firstStart ||= started;
      try {
        // Stop an upload still running well after the viewers are done.
        const signal = AbortSignal.timeout(Math.max(5000, uploadsEnd - started + 10_000));
        const videoId = await uploadFile(api, token, { channelId: catalogue.channelId, title: `Load test upload ${worker}.${n}`, path: file, sizeBytes: FILE_MIB * 2 ** 20, signal, contentType: "application/octet-stream" });
        videoIds.push(videoId);
        done.push({ ms: Date.now() - started, bytes: FILE_MIB * 2 ** 20 });
      } catch (err) {
        const name = codeName(ConnectError.from(err).code);
        errors[name] = (errors[name] ?? 0) + 1;
        log(`upload ${worker}.${n} failed: ${ConnectError.from(err).message}`);
      }
      lastEnd = Date.now();
    }
  };
  const [{ run, edge }] = await Promise.all([
    playViewers(options, catalogue, { UPLOADS_START_MS: String(uploadsStart) }),
    Promise.all(Array.from({ length: UPLOADERS }, (_, worker) => uploader(worker))),
  ]);

  // Leave the catalogue as it was.
  for (const videoId of videoIds) await api.videos.deleteVideo({ videoId }, bearer(token)).catch(() => undefined);

  const seconds = Math.max(0.001, (lastEnd - firstStart) / 1000);
  const mib = done.reduce((sum, d) => sum + d.bytes, 0) / 2 ** 20;
  const sorted = done.map((d) => d.ms).sort((a, b) => a - b);
  const pick = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);
  const uploadRow: Row = { name: `upload (${FILE_MIB} MiB)`, requests: done.length, rps: done.length / seconds, p50Ms: pick(50), p95Ms: pick(95), p99Ms: pick(99), errors };
  const trend = (name: string) => run.metrics[name]?.values["p(99)"] ?? NaN;
  const before = trend("segment_before_uploads");
  const during = trend("segment_during_uploads");
  const limit = SEGMENT_P99_MS * latencyScale();
  const held = during < limit;
  const failures = [...run.broken];
  if (Object.keys(errors).length > 0) failures.push(`uploads failed: ${JSON.stringify(errors)}`);
  if (done.length === 0) failures.push("no upload completed");
  else if (mib / seconds < MIN_MIB_PER_SECOND) failures.push(`upload throughput ${(mib / seconds).toFixed(1)} MiB/s, under ${MIN_MIB_PER_SECOND} MiB/s`);
  return {
    scenario: "uploads",
    rows: [...run.rows, uploadRow],
    failures,
    notes: [
      `uploads: ${done.length} × ${FILE_MIB} MiB by ${UPLOADERS} uploaders in ${seconds.toFixed(1)} s = ${(mib / seconds).toFixed(1)} MiB/s`,
      `viewers: segment p99 ${before.toFixed(1)} ms before uploads, ${during.toFixed(1)} ms during (${held ? "held" : "NOT held"} under ${limit} ms)`,
      ...edgeNotes(edge),
    ],
    figures: {
      duration_s: run.durationSeconds,
      vus: options.vus ?? 40,
      uploads: done.length,
      upload_mib_per_s: mib / seconds,
      segment_p99_before_ms: before,
      segment_p99_during_ms: during,
      viewers_p99_held: held,
      ...edgeJson(edge),
    },
  };
}

const codeName = (code: number) => ["ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists", "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated"][code] ?? String(code);
