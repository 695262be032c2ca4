// The short form of ./dev.sh chaos, in ./dev.sh test: one real clip goes through
// the whole platform (its own processes, started as ./dev.sh up would, on ports of
// their own) while the upload service is SIGKILLed mid-upload, the transcoder
// mid-transcode and catalog while the transcode's status events flow; each is
// restarted. The upload must resume and complete, the video end READY exactly
// once with distinct renditions, every published segment be served by the edge,
// the outbox drain and every live consumer group catch up (lib/chaos-invariants.ts,
// the checks the runner makes). Driven only through the public API and the processes.
// services/transcoder/sigkill.test.ts covers a killed worker's redo in depth (no
// playlist ever names a missing segment); this file covers the platform around it.
// A ./dev.sh up stack's transcoder on the same Kafka shares the consumer group and
// may take the job: stop its services before running this file by hand.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { VideoStatus } from "../gen/xtream/catalog/v1/resources_pb.js";
import { startPlatform, type Platform } from "../test/web/platform.ts";
import { bearer, createPublicApi, type PublicApi } from "./lib/api.ts";
import { checkInvariants } from "./lib/chaos-invariants.ts";
import { makeChaosClip } from "./lib/chaos-traffic.ts";
import { patientUpload } from "./lib/chaos-upload.ts";
import { DATA_DIR } from "./lib/run-tools.ts";

// Ports 9140/9141 and 51111–51115: clear of the other platform tests' offsets.
const OFFSET = 1060;
let platform: Platform;
let api: PublicApi;

beforeAll(async () => {
  // A killed transcoder's partitions come back after its session times out: the smallest allowed.
  process.env["TRANSCODER_SESSION_TIMEOUT_MS"] = "6000";
  platform = await startPlatform({ portOffset: OFFSET });
  api = createPublicApi(platform.url);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

/** SIGKILLs a platform process and waits until it is gone. */
async function kill(name: string): Promise<void> {
  const child = platform.processes[name]!;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/** GetVideo's status, or undefined while the call fails (catalog down). */
async function status(videoId: string, token: string): Promise<{ status: VideoStatus; progress: number } | undefined> {
  try {
    const { video } = await api.videos.getVideo({ videoId }, { ...bearer(token), timeoutMs: 3000 });
    return video ? { status: video.status, progress: video.progressPercent } : undefined;
  } catch {
    return undefined;
  }
}

it("a clip survives SIGKILLs of upload mid-upload, transcoder mid-transcode and catalog mid-status: READY once, nothing lost or duplicated", async () => {
  const email = `chaos_${randomUUID().slice(0, 8)}@example.com`;
  const password = randomUUID();
  const { session } = await api.identity.register({ email, password, handle: email.split("@")[0]!, displayName: "Chaos test" });
  const token = session!.accessToken;
  const { channel } = await api.channels.createChannel({ handle: `chaos_${randomUUID().slice(0, 8)}`, title: "Chaos", description: "" }, bearer(token));
  // 12 s at 10 Mbit/s: three 5 MiB chunks (the platform's chunk size), and a transcode that lasts long enough to be hit.
  const clip = await makeChaosClip(process.env["FFMPEG_PATH"] ?? "ffmpeg", join(DATA_DIR, "chaos", "clip-12s-10M.mp4"), 12, "10M");
  expect(clip.sizeBytes).toBeGreaterThan(10 * 2 ** 20);

  // 1. Upload killed after its first chunk; the client resumes from the committed offset once it is back.
  const uploadErrors: string[] = [];
  let restarting: Promise<void> | undefined;
  let chunks = 0;
  const videoId = await patientUpload(api, token, {
    channelId: channel!.id,
    title: "chaos clip",
    path: clip.path,
    sizeBytes: clip.sizeBytes,
    deadlineMs: 90_000,
    onChunk: async () => {
      if (++chunks !== 1) return;
      await kill("upload");
      restarting = sleep(1000).then(() => platform.restart("upload"));
    },
    onError: (call, err) => uploadErrors.push(`${call}: ${err.code}`),
  });
  await restarting;
  expect(uploadErrors.length, "the upload service was down while the client sent chunks").toBeGreaterThan(0);
  expect(chunks).toBeGreaterThanOrEqual(3);

  // 2. Transcoder killed while the video is PROCESSING; restarted, it takes the job again.
  let seen: Awaited<ReturnType<typeof status>>;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    seen = await status(videoId, token);
    if (seen && seen.status !== VideoStatus.UPLOADING) break;
  }
  expect(seen?.status, "the video is being transcoded when the transcoder is killed").toBe(VideoStatus.PROCESSING);
  await kill("transcoder");
  await sleep(1000);
  await platform.restart("transcoder");

  // 3. Catalog killed once the redone transcode reports progress (status events flowing to it).
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(200)) {
    seen = await status(videoId, token);
    if (!seen || seen.status !== VideoStatus.PROCESSING || seen.progress > 0) break;
  }
  expect(seen?.status, "still transcoding when catalog is killed").toBe(VideoStatus.PROCESSING);
  await kill("catalog");
  await sleep(2000);
  await platform.restart("catalog");

  const results = await checkInvariants({
    api,
    gatewayUrl: platform.url,
    token,
    channelId: channel!.id,
    uploads: [{ videoId, title: "chaos clip" }],
    databaseUrl: process.env["DATABASE_URL"] ?? "",
    kafkaBrokers: (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(","),
    boundMs: 90_000,
  });
  console.log(`[chaos] ${results.map((r) => `${r.name}: ${r.ok ? "ok" : "BROKEN"} (${r.detail})`).join("\n[chaos] ")}`);
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect((await status(videoId, token))?.status).toBe(VideoStatus.READY);
  // Every platform process is alive: none crash-looped after the restarts.
  for (const [name, child] of Object.entries(platform.processes)) expect(child.exitCode ?? child.signalCode, name).toBeNull();
}, 240_000);
