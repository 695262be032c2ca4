/**
 * ./dev.sh bench pipeline — the transcoding pipeline against the plain
 * ffmpeg command, in one run, on a 60 s 1080p30 source made with ffmpeg:
 *  - ffmpeg_s: the plain ffmpeg command producing the same ladder (same
 *    rungs, same encoder settings, HLS to local disk);
 *  - pipeline_s: FinishUpload (resumable session, through the upload service)
 *    → outbox → Kafka video.uploaded → transcoder → video.transcoded;
 *  - first_playable_s: FinishUpload → the first video.progress naming a
 *    playable rendition (sent after its segment, media playlist and master
 *    playlist are stored in MinIO);
 *  - upload_ratio: throughput of the client-streaming Upload RPC over a
 *    direct MinIO putObject of the same file (median of 3 each);
 *  - upload_rss_mb_*: peak RSS (VmHWM) of a fresh upload-service process
 *    after streaming a 10 MiB, a 256 MiB, a 1 GiB and a 4 GiB upload in 4 MiB
 *    messages (the largest the RPC takes), and 10 MiB and 1 GiB in 64 KiB ones.
 * `--only=transcode,upload,memory` runs some of the parts (the JSON then has
 * only their figures), for iterating on one of them.
 * `--rounds=N` (default 5) repeats (a) and (b) N times in alternating order
 * (AB, BA, AB…) and reports medians (other work on a shared machine makes single wall times drift:
 * one run here gave per-round ratios of 1.15, 1.08, 1.03, 1.01 and 0.99, so three were too few).
 * The transcoder is the stack's own (./dev.sh up starts services/transcoder);
 * if none runs, one is started here. Last line: one JSON object.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { topics } from "../../lib/kafka/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { createMinioClient, ensureBucket } from "../../lib/storage/minio.ts";
import { portOpen, stackEnv } from "../../lib/testing/index.ts";
import { loadTranscoderConfig, transcoderOptions } from "../../services/transcoder/config.ts";
import { startTranscoder } from "../../services/transcoder/runtime.ts";
import { collectEvents, plainLadder } from "../../services/transcoder/testing.ts";
import { createUploadClient, fileChunks, putChunks, startResumable, syntheticChunks, uploadStream } from "./upload-client.ts";
import { processEnv } from "../../scripts/stack/process-profile.ts";
import { startJsonChild, stopChild } from "../lib/child.ts";
import { processCpuMs } from "../lib/cpu.ts";
import { median } from "../lib/stats.ts";

const env = stackEnv();
const root = process.cwd();
const benchDir = join(root, ".data", "bench");
const source = join(benchDir, "src-1080p30-60s.mp4");
const settings = { segmentSeconds: 2, preset: "veryfast", crf: 23 }; // the transcoder's defaults (services/transcoder/config.ts)
/** Message sizes for the streaming RPC: its largest (4 MiB, less room for the framing) and a small one. */
const BIG_CHUNK = 4 * 1024 * 1024 - 64;
const SMALL_CHUNK = 64 * 1024;
const log = (message: string) => console.log(`[pipeline] ${message}`);
const seconds = (ms: number) => Math.round(ms / 10) / 100;
const children: ChildProcess[] = [];
/** Stops the transcoder this run started in-process, if any. */
let stopInProcess: () => Promise<void> = async () => undefined;


/**
 * Starts the upload service (+ catalog) in a child process; resolves once it prints its address.
 * `{ events: false }` keeps its uploads from reaching Kafka (see upload-child.ts).
 */
async function startUploadChild({ events = true } = {}): Promise<{ child: ChildProcess; port: number; token: string; channelId: string }> {
  // With the process flags the upload service is deployed with (its processEnv in k8s/xtream/values.yaml).
  const profile = processEnv("upload");
  const env = { ...process.env, ...profile, NODE_OPTIONS: [process.env["NODE_OPTIONS"], profile["NODE_OPTIONS"]].filter(Boolean).join(" ") };
  const args = [join(root, "bench/pipeline/upload-child.ts"), ...(events ? [] : ["--no-events"])];
  const { child, info } = await startJsonChild<{ port: number; token: string; channelId: string }>(args, { env });
  children.push(child);
  return { child, ...info };
}

/**
 * Follows the CPU time (user + system) of every ffmpeg process whose command
 * line contains `marker`, by sampling /proc: a load-independent view of the
 * work done, next to wall times that other work on the machine stretches.
 */
function followFfmpegCpu(marker: string): { stop(): Promise<number> } {
  const seen = new Map<string, number>();
  let running = true;
  let scans = 0;
  // Scanning every process is itself work on a busy 2-core machine: the
  // matching pids are re-read every 250 ms, /proc is rescanned once a second.
  const sample = async () => {
    const { readdir } = await import("node:fs/promises");
    const pids = scans++ % 4 === 0 ? (await readdir("/proc")).filter((name) => /^\d+$/.test(name)) : [...seen.keys()];
    for (const pid of pids) {
      try {
        if (!seen.has(pid)) {
          const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
          if (!cmdline.includes("ffmpeg") || !cmdline.includes(marker)) continue;
        }
        seen.set(pid, processCpuMs(Number(pid)) / 1000);
      } catch {
        // the process ended between listing and reading
      }
    }
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen.values()].reduce((sum, value) => sum + value, 0);
    },
  };
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

async function main(): Promise<void> {
  await mkdir(benchDir, { recursive: true });
  log(`load average at start: ${loadavg().map((value) => value.toFixed(1)).join(" ")} on ${cpus().length} cores (other work on the machine skews wall times)`);
  if (!existsSync(source)) {
    log("generating the 60 s 1080p30 source (testsrc2 + sine), cached in .data/bench/");
    const made = spawnSync(env.ffmpegPath, [
      "-hide_banner", "-loglevel", "error", "-y",
      "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-t", "60", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", `${source}.tmp.mp4`,
    ]);
    if (made.status !== 0) throw new Error("could not generate the source");
    spawnSync("mv", [`${source}.tmp.mp4`, source]);
  }
  const sourceSize = (await stat(source)).size;
  const minio = createMinioClient({ endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey });
  await ensureBucket(minio, env.minioSourceBucket);

  // The transcoder under test: the stack's, or our own if none is running.
  const healthPort = Number(process.env["TRANSCODER_HEALTH_PORT"] ?? 50054);
  if (await portOpen(healthPort)) {
    log(`using the stack's transcoder (health port ${healthPort})`);
  } else {
    log("no transcoder running: starting one in-process (services/transcoder/runtime.ts, configured as main.ts is)");
    const transcoder = await startTranscoder(transcoderOptions(loadTranscoderConfig(), createLogger("transcoder", "warn")));
    await transcoder.consuming;
    stopInProcess = () => transcoder.stop(0);
  }
  const events = await collectEvents(env.kafkaBrokers, [topics.videoProgress, topics.videoTranscoded, topics.videoFailed]);

  const baseline = await plainLadder({ ffmpeg: env.ffmpegPath, ffprobe: env.ffprobePath }, source, settings);

  // (a) the plain ffmpeg command, same ladder and settings, to local disk.
  const plainFfmpeg = async (): Promise<number> => {
    const work = await mkdtemp(join(tmpdir(), "bench-pipeline-"));
    log(`plain ffmpeg: ${baseline.rungNames.join("/")} ladder, libx264 ${settings.preset}, ${settings.segmentSeconds} s segments…`);
    const cpu = followFfmpegCpu(work);
    const started = performance.now();
    await baseline.encode(work);
    const ms = performance.now() - started;
    const cpuSeconds = await cpu.stop();
    await rm(work, { recursive: true, force: true });
    log(`plain ffmpeg: ${seconds(ms)} s wall, ${cpuSeconds.toFixed(1)} s ffmpeg CPU (load ${loadavg()[0]?.toFixed(1)})`);
    return ms;
  };

  // (b) the pipeline: resumable upload, then FinishUpload → video.transcoded.
  // (Each phase gets a fresh upload process: its test tokens live 5 minutes.)
  const pipeline = async (): Promise<{ total: number; firstPlayable: number }> => {
    const uploader = await startUploadChild();
    const client = createUploadClient(`127.0.0.1:${uploader.port}`, uploader.token);
    const session = await startResumable(client, { channelId: uploader.channelId, title: "bench 1080p", contentType: "video/mp4", sizeBytes: sourceSize, filename: "bench.mp4" });
    await putChunks(client, session, source);
    log(`pipeline: uploaded ${Math.round(sourceSize / 1e6)} MB as video ${session.videoId}; FinishUpload…`);
    const cpu = followFfmpegCpu(`job-${session.videoId}-`);
    const started = performance.now();
    await client.finishUpload({ uploadId: session.uploadId });
    let firstPlayable = Number.NaN;
    void events
      .waitFor(topics.videoProgress, session.videoId, 900_000, (event) => event.playableRenditions.length > 0)
      .then((event) => {
        firstPlayable = performance.now() - started;
        log(`pipeline: first playable (${event.playableRenditions.join(",")}) after ${seconds(firstPlayable)} s at ${event.percent}%`);
      })
      .catch(() => undefined);
    const failed = events.waitFor(topics.videoFailed, session.videoId, 900_000).then((event) => {
      throw new Error(`the pipeline failed: ${event.reason}`);
    });
    await Promise.race([events.waitFor(topics.videoTranscoded, session.videoId, 900_000), failed]);
    const total = performance.now() - started;
    const cpuSeconds = await cpu.stop();
    log(`pipeline: video.transcoded after ${seconds(total)} s wall, ${cpuSeconds.toFixed(1)} s ffmpeg CPU incl. images (load ${loadavg()[0]?.toFixed(1)})`);
    await minio.removeObject(env.minioSourceBucket, `sources/${session.videoId}`).catch(() => undefined);
    await stopChild(uploader.child);
    return { total, firstPlayable };
  };

  // Rounds alternate the order (AB, BA, …) so drifting load from other work on the machine biases neither side.
  const only = (process.argv.find((arg) => arg.startsWith("--only="))?.slice(7) ?? "transcode,upload,memory").split(",");
  const rounds = Math.max(1, Number(/^--rounds=(\d+)$/.exec(process.argv.find((arg) => arg.startsWith("--rounds=")) ?? "")?.[1] ?? 5));
  const ffmpegRuns: number[] = [];
  const pipelineRuns: number[] = [];
  const playableRuns: number[] = [];
  for (let round = 0; only.includes("transcode") && round < rounds; round++) {
    const order = round % 2 === 0 ? ["ffmpeg", "pipeline"] : ["pipeline", "ffmpeg"];
    for (const step of order) {
      if (step === "ffmpeg") ffmpegRuns.push(await plainFfmpeg());
      else {
        const result = await pipeline();
        pipelineRuns.push(result.total);
        playableRuns.push(result.firstPlayable);
      }
    }
  }
  const ffmpegMs = median(ffmpegRuns);
  const pipelineMs = median(pipelineRuns);
  const firstPlayableMs = median(playableRuns);

  // (c) upload throughput: the streaming RPC vs a direct MinIO put of the same file (medians of 3).
  const uploadThroughput = async (): Promise<number> => {
    const throughputFile = join(benchDir, "random-256m.bin");
    if (!existsSync(throughputFile)) {
      const made = spawnSync("dd", ["if=/dev/urandom", `of=${throughputFile}`, "bs=1M", "count=256", "status=none"]);
      if (made.status !== 0) throw new Error("could not write the throughput file");
    }
    const throughputSize = (await stat(throughputFile)).size;
    const streamer = await startUploadChild({ events: false });
    const streamClient = createUploadClient(`127.0.0.1:${streamer.port}`, streamer.token);
    const direct: number[] = [];
    const viaUpload: number[] = [];
    for (let round = 0; round < 3; round++) {
      const key = `bench/direct-${Date.now()}`;
      let t = performance.now();
      await minio.putObject(env.minioSourceBucket, key, createReadStream(throughputFile), throughputSize);
      direct.push(performance.now() - t);
      await minio.removeObject(env.minioSourceBucket, key);
      t = performance.now();
      const videoId = await uploadStream(streamClient, { channelId: streamer.channelId, title: "bench throughput", contentType: "application/octet-stream", sizeBytes: throughputSize }, fileChunks(throughputFile, BIG_CHUNK));
      viaUpload.push(performance.now() - t);
      await minio.removeObject(env.minioSourceBucket, `sources/${videoId}`).catch(() => undefined);
      log(`upload throughput round ${round + 1}: direct put ${seconds(direct[round] ?? 0)} s, Upload RPC ${seconds(viaUpload[round] ?? 0)} s (${Math.round(throughputSize / 1048576)} MiB)`);
    }
    await stopChild(streamer.child);
    return median(direct) / median(viaUpload);
  };
  const uploadRatio = only.includes("upload") ? await uploadThroughput() : Number.NaN;

  // (d) peak memory of a fresh upload process per upload size (and message size).
  const peakFor = async (label: string, bytes: number, chunkBytes = BIG_CHUNK): Promise<number> => {
    if (!only.includes("memory")) return Number.NaN;
    const child = await startUploadChild({ events: false });
    const c = createUploadClient(`127.0.0.1:${child.port}`, child.token);
    const videoId = await uploadStream(c, { channelId: child.channelId, title: "bench memory", contentType: "application/octet-stream", sizeBytes: bytes }, syntheticChunks(bytes, chunkBytes));
    const peak = await peakRssMb(child.child.pid ?? 0);
    await stopChild(child.child);
    await minio.removeObject(env.minioSourceBucket, `sources/${videoId}`).catch(() => undefined);
    log(`upload peak RSS, ${label}: ${peak} MB`);
    return peak;
  };
  const rss10m = await peakFor("10 MiB", 10 * 1024 * 1024);
  // A middle point: past a few hundred MiB the peak stops moving (see services/upload/README.md).
  const rss256m = await peakFor("256 MiB", 256 * 1024 * 1024);
  const rss1g = await peakFor("1 GiB", 1024 * 1024 * 1024);
  // And four times further: where the peak would show if it grew with the file.
  const rss4g = await peakFor("4 GiB", 4 * 1024 * 1024 * 1024);
  // The same two sizes in 64 KiB messages: whole within about one socket read, so the server's
  // HTTP/2 read buffers die young (see services/upload/README.md for what that costs).
  const rss10mSmall = await peakFor("10 MiB in 64 KiB messages", 10 * 1024 * 1024, SMALL_CHUNK);
  const rss1gSmall = await peakFor("1 GiB in 64 KiB messages", 1024 * 1024 * 1024, SMALL_CHUNK);

  await events.stop();
  await stopInProcess();
  for (const child of children) await stopChild(child);
  log(`load average at end: ${loadavg().map((value) => value.toFixed(1)).join(" ")}`);
  log("transcode measured from FinishUpload through the upload service's outbox and Kafka; baseline = the same ffmpeg ladder command writing HLS to local disk");
  console.log(
    JSON.stringify({
      pipeline_s: seconds(pipelineMs),
      ffmpeg_s: seconds(ffmpegMs),
      ratio: Math.round((pipelineMs / ffmpegMs) * 1000) / 1000,
      first_playable_s: seconds(firstPlayableMs),
      upload_ratio: Math.round(uploadRatio * 1000) / 1000,
      upload_rss_mb_1g: rss1g,
      upload_rss_mb_10m: rss10m,
      upload_rss_mb_256m: rss256m,
      upload_rss_mb_4g: rss4g,
      upload_rss_mb_10m_64k_chunks: rss10mSmall,
      upload_rss_mb_1g_64k_chunks: rss1gSmall,
    }),
  );
  process.exit(0);
}

main().catch(async (err: unknown) => {
  console.error(err);
  for (const child of children) await stopChild(child);
  process.exit(1);
});
