// A deleted video's transcode publishes nothing: not when its video.uploaded
// is redelivered after the deletion, and not when the deletion lands while
// the job runs (real Kafka, MinIO and ffmpeg; topics private to this file).
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mediaPrefix, tombstoneKey } from "../../lib/storage/media-keys.ts";
import type { MinioClient } from "../../lib/storage/minio.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { collectEvents, makeClip, startTestTranscoder, type EventCollector, type TestTranscoder } from "./testing.ts";

const env = stackEnv();
let dir: string;
let minio: MinioClient;
let transcoder: TestTranscoder;
let events: EventCollector;
let source: Buffer;
/** Long enough (about 2 s of work) that the deletion lands while the job runs. */
let longSource: Buffer;
const phases: string[] = [];
const ids = { deleted: `del-${randomUUID()}`, control: `ctl-${randomUUID()}`, midway: `mid-${randomUUID()}` };

/** Puts the source and announces it; `partitionKey` puts events in one partition, in order. */
function submit(videoId: string, partitionKey = videoId, body = source): Promise<void> {
  return transcoder.submit(videoId, body, { partitionKey });
}

async function published(videoId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of minio.listObjectsV2(env.minioMediaBucket, mediaPrefix(videoId), true)) names.push((item as { name: string }).name);
  return names;
}

const tombstone = (videoId: string) => minio.putObject(env.minioMediaBucket, tombstoneKey(videoId), Buffer.alloc(0), 0);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "transcoder-deleted-"));
  transcoder = await startTestTranscoder("transcoder-deleted-test", {
    settings: { segmentSeconds: 2, preset: "veryfast", crf: 23 },
    workRoot: join(dir, "work"),
    attempts: 2,
    backoffMs: 100,
    onJob: (videoId, phase) => phases.push(`${videoId}:${phase}`),
  });
  minio = transcoder.minio;
  const t = transcoder.topics;
  events = await collectEvents(env.kafkaBrokers, [t.videoUploaded, t.videoProgress, t.videoTranscoded, t.videoFailed]);
  makeClip(env.ffmpegPath, join(dir, "clip.mp4"), { width: 320, height: 240, seconds: 4, audio: false });
  source = await readFile(join(dir, "clip.mp4"));
  makeClip(env.ffmpegPath, join(dir, "long.mp4"), { width: 640, height: 360, seconds: 40, audio: true });
  longSource = await readFile(join(dir, "long.mp4"));
}, 120_000);

afterAll(async () => {
  await transcoder?.stop();
  await events?.stop();
  for (const id of Object.values(ids)) {
    await minio?.removeObject(env.minioSourceBucket, `sources/${id}`).catch(() => undefined);
    await minio?.removeObject(env.minioMediaBucket, tombstoneKey(id)).catch(() => undefined);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a deleted video's transcode", () => {
  it("is skipped when video.uploaded arrives (again) after the deletion; the next video is transcoded", async () => {
    await tombstone(ids.deleted);
    // Same partition: by the time the control video is done, the deleted one was handled.
    await submit(ids.deleted, ids.control);
    await submit(ids.control);
    await events.waitFor(transcoder.topics.videoTranscoded, ids.control, 120_000);
    expect(phases.filter((phase) => phase.startsWith(ids.deleted))).toEqual([]);
    expect(events.events(transcoder.topics.videoTranscoded, ids.control)).toHaveLength(1);
    expect(events.events(transcoder.topics.videoTranscoded, ids.deleted)).toEqual([]);
    expect(events.events(transcoder.topics.videoFailed, ids.deleted)).toEqual([]);
    expect(await published(ids.deleted)).toEqual([]);
    expect((await published(ids.control)).length).toBeGreaterThan(0);
    await minio.removeObjects(env.minioMediaBucket, await published(ids.control));
  }, 150_000);

  it("takes back what it published when the video is deleted while it runs, and announces nothing", async () => {
    await submit(ids.midway, ids.midway, longSource);
    for (let i = 0; i < 600 && !phases.includes(`${ids.midway}:start`); i++) await sleep(50);
    await tombstone(ids.midway);
    for (let i = 0; i < 2400 && !phases.includes(`${ids.midway}:done`) && !phases.includes(`${ids.midway}:error`); i++) await sleep(50);
    expect(phases).toContain(`${ids.midway}:done`);
    expect(events.events(transcoder.topics.videoTranscoded, ids.midway)).toEqual([]);
    expect(await published(ids.midway)).toEqual([]);
  }, 150_000);
});
