// A worker killed with SIGKILL mid-job: the job is redone by the next worker
// of the group, the video still ends transcoded, and at no moment does a
// published playlist name a segment that is not stored. Workers are real
// child processes running services/transcoder/main.ts.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEventProducer, type EventProducer } from "../../lib/kafka/index.ts";
import { createMinioClient, ensureBucket, type MinioClient } from "../../lib/storage/minio.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { parseMediaPlaylist } from "./domain/hls.ts";
import { transcoderTopics } from "./events/topics.ts";
import { collectEvents, makeClip, parseMaster, testTopicPrefix, type EventCollector } from "./testing.ts";

const env = stackEnv();
const prefix = testTopicPrefix();
const topics = transcoderTopics(prefix);
const workers: ChildProcess[] = [];
let dir: string;
let minio: MinioClient;
let producer: EventProducer;
let events: EventCollector;

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "./lib/telemetry/register.ts", "services/transcoder/main.ts"], {
    cwd: join(import.meta.dirname, "../.."),
    stdio: "ignore",
    env: {
      ...process.env,
      TRANSCODER_TOPIC_PREFIX: prefix,
      TRANSCODER_GROUP_ID: `${prefix}transcoder`,
      TRANSCODER_HEALTH_PORT: "0",
      TRANSCODER_SESSION_TIMEOUT_MS: "6000",
      TRANSCODER_WORK_DIR: join(dir, `work-${workers.length}`),
      LOG_LEVEL: "warn",
    },
  });
  workers.push(child);
  return child;
}

async function text(key: string): Promise<string | undefined> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await minio.getObject(env.minioMediaBucket, key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  } catch {
    return undefined;
  }
}

/** Every segment named by a published media playlist of the video is stored; returns how many were checked. */
async function checkPublished(videoId: string): Promise<{ playlists: number; missing: string[] }> {
  const base = `videos/${videoId}/`;
  const master = await text(`${base}master.m3u8`);
  if (!master) return { playlists: 0, missing: [] };
  const stored = new Set<string>();
  for await (const item of minio.listObjectsV2(env.minioMediaBucket, base, true)) stored.add((item as { name: string }).name);
  const missing: string[] = [];
  let playlists = 0;
  for (const variant of parseMaster(master)) {
    const key = `${base}${variant.uri}`;
    const playlist = await text(key);
    if (playlist === undefined) {
      missing.push(key);
      continue;
    }
    playlists++;
    const rungDir = key.slice(0, key.lastIndexOf("/") + 1);
    for (const segment of parseMediaPlaylist(playlist).segments) {
      // A segment could have been listed before we read the playlist: re-check those not in our listing.
      if (!stored.has(`${rungDir}${segment.uri}`)) {
        try {
          await minio.statObject(env.minioMediaBucket, `${rungDir}${segment.uri}`);
        } catch {
          missing.push(`${rungDir}${segment.uri}`);
        }
      }
    }
  }
  return { playlists, missing };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "transcoder-kill-"));
  minio = createMinioClient({ endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey });
  await ensureBucket(minio, env.minioSourceBucket);
  await ensureBucket(minio, env.minioMediaBucket);
  producer = createEventProducer({ brokers: env.kafkaBrokers, clientId: "transcoder-kill-test" });
  events = await collectEvents(env.kafkaBrokers, [topics.videoUploaded, topics.videoProgress, topics.videoTranscoded, topics.videoFailed]);
});

afterAll(async () => {
  for (const worker of workers) {
    if (worker.exitCode !== null || worker.signalCode !== null) continue;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.kill("SIGKILL");
    await exited;
  }
  await events?.stop();
  await producer?.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

it("redoes a job whose worker was killed with SIGKILL; no published playlist ever names a missing segment", async () => {
  const videoId = `kill-${randomUUID()}`;
  const file = join(dir, "source.mp4");
  // Long enough that the first worker is surely mid-job when it is killed; small enough to stay cheap.
  makeClip(env.ffmpegPath, file, { width: 854, height: 480, seconds: 20, audio: true });
  const body = await readFile(file);
  await minio.putObject(env.minioSourceBucket, `sources/${videoId}`, body, body.length);

  const first = startWorker();
  await producer.publish(topics.videoUploaded, videoId, {
    videoId,
    sourceBucket: env.minioSourceBucket,
    sourceKey: `sources/${videoId}`,
    sizeBytes: BigInt(body.length),
    contentType: "video/mp4",
    uploadTime: timestampNow(),
    eventId: randomUUID(),
  });

  // Kill the first worker as soon as part of the ladder is published.
  const progress = await events.waitFor(topics.videoProgress, videoId, 120_000, (event) => event.playableRenditions.length > 0);
  first.kill("SIGKILL");
  expect(progress.percent).toBeLessThan(100);
  await sleep(500);
  expect(events.events(topics.videoTranscoded, videoId)).toHaveLength(0);
  const afterKill = await checkPublished(videoId);
  expect(afterKill.playlists).toBeGreaterThan(0);
  expect(afterKill.missing).toEqual([]);

  // The next worker of the group takes the partition over (after the dead member's session times out) and redoes the job.
  startWorker();
  const violations: string[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      violations.push(...(await checkPublished(videoId)).missing);
      await sleep(250);
    }
  })();
  const done = await events.waitFor(topics.videoTranscoded, videoId, 150_000);
  watching = false;
  await watcher;
  expect(violations).toEqual([]);
  expect(done.renditions.map((rendition) => rendition.name)).toEqual(["480p", "360p", "240p"]);

  const final = await checkPublished(videoId);
  expect(final).toEqual({ playlists: 3, missing: [] });
  for (const rendition of done.renditions) {
    const playlist = await text(`videos/${videoId}/${rendition.playlistPath}`);
    expect(playlist).toContain("#EXT-X-ENDLIST");
    expect(parseMediaPlaylist(playlist ?? "").segments).toHaveLength(10);
  }
  expect(events.events(topics.videoFailed, videoId)).toHaveLength(0);
  // Each run reports 0% first: the killed one, the redo (and any redelivery, which is harmless but worth seeing).
  const runs = events.events(topics.videoProgress, videoId).filter((event) => event.percent === 0 && event.playableRenditions.length === 0).length;
  console.log(`[sigkill] job runs seen: ${runs}`);
  await minio.removeObject(env.minioSourceBucket, `sources/${videoId}`);
}, 300_000);
